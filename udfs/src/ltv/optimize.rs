//! A small L-BFGS minimiser for the model fits: a handful of parameters, a smooth objective
//! with an analytic gradient. The fits work on log-parameters, so the search is unconstrained.

/// Where a minimisation stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    /// The gradient (or, failing that, the objective) stopped changing: `x` is a minimum.
    pub converged: bool,
}

/// Stopping rules of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub max_iterations: usize,
    /// Converged when every gradient component is below this.
    pub gradient_tolerance: f64,
    /// Converged when an iteration improves the objective by less than this, relatively, and
    /// the gradient is small (below `gradient_tolerance * 1e4`).
    pub value_tolerance: f64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_iterations: 1_000,
            gradient_tolerance: 1e-9,
            value_tolerance: 1e-15,
        }
    }
}

/// Pairs of (step, gradient change) L-BFGS remembers.
const MEMORY: usize = 10;

/// Minimises `objective`, which returns f(x) and writes ∇f(x) into its second argument (a
/// non-finite value means "outside the domain": the line search steps back). Starts at `start`.
pub fn minimize(
    mut objective: impl FnMut(&[f64], &mut [f64]) -> f64,
    start: &[f64],
    options: Options,
) -> Minimum {
    let n = start.len();
    let mut x = start.to_vec();
    let mut gradient = vec![0.0; n];
    let mut value = objective(&x, &mut gradient);
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(MEMORY);
    let mut candidate = vec![0.0; n];
    let mut candidate_gradient = vec![0.0; n];
    if !value.is_finite() {
        return Minimum {
            x,
            value,
            iterations: 0,
            converged: false,
        };
    }
    for iteration in 0..options.max_iterations {
        if max_abs(&gradient) < options.gradient_tolerance {
            return Minimum {
                x,
                value,
                iterations: iteration,
                converged: true,
            };
        }
        let mut direction = two_loop_direction(&gradient, &history);
        let mut slope = dot(&direction, &gradient);
        if slope >= 0.0 || !slope.is_finite() {
            // The curvature memory misleads: restart from steepest descent.
            history.clear();
            direction = gradient.iter().map(|g| -g).collect();
            slope = dot(&direction, &gradient);
        }
        // The first step of a restart is scaled so that it moves by about one unit.
        let mut step = if history.is_empty() {
            (1.0 / max_abs(&direction)).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..60 {
            for i in 0..n {
                candidate[i] = x[i] + step * direction[i];
            }
            let candidate_value = objective(&candidate, &mut candidate_gradient);
            // Armijo sufficient decrease.
            if candidate_value.is_finite() && candidate_value <= value + 1e-4 * step * slope {
                accepted = Some(candidate_value);
                break;
            }
            step *= 0.5;
        }
        let Some(new_value) = accepted else {
            // No step improves: a minimum up to rounding when the gradient is small.
            let converged = max_abs(&gradient) < options.gradient_tolerance * 1e4;
            return Minimum {
                x,
                value,
                iterations: iteration,
                converged,
            };
        };
        let s: Vec<f64> = (0..n).map(|i| candidate[i] - x[i]).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| candidate_gradient[i] - gradient[i])
            .collect();
        let curvature = dot(&s, &y);
        if curvature > 1e-12 * dot(&s, &s).sqrt() * dot(&y, &y).sqrt() {
            if history.len() == MEMORY {
                history.remove(0);
            }
            history.push((s, y, 1.0 / curvature));
        }
        let improvement = value - new_value;
        x.copy_from_slice(&candidate);
        gradient.copy_from_slice(&candidate_gradient);
        value = new_value;
        if improvement <= options.value_tolerance * value.abs().max(1.0)
            && max_abs(&gradient) < options.gradient_tolerance * 1e4
        {
            return Minimum {
                x,
                value,
                iterations: iteration + 1,
                converged: true,
            };
        }
    }
    let converged = max_abs(&gradient) < options.gradient_tolerance;
    Minimum {
        x,
        value,
        iterations: options.max_iterations,
        converged,
    }
}

/// The L-BFGS search direction `-H ∇f` from the remembered pairs.
fn two_loop_direction(gradient: &[f64], history: &[(Vec<f64>, Vec<f64>, f64)]) -> Vec<f64> {
    let mut q = gradient.to_vec();
    let mut alphas = vec![0.0; history.len()];
    for (k, (s, y, rho)) in history.iter().enumerate().rev() {
        let alpha = rho * dot(s, &q);
        alphas[k] = alpha;
        for (qi, yi) in q.iter_mut().zip(y) {
            *qi -= alpha * yi;
        }
    }
    if let Some((s, y, _)) = history.last() {
        let scale = dot(s, y) / dot(y, y);
        for qi in &mut q {
            *qi *= scale;
        }
    }
    for (k, (s, y, rho)) in history.iter().enumerate() {
        let beta = rho * dot(y, &q);
        for (qi, si) in q.iter_mut().zip(s) {
            *qi += (alphas[k] - beta) * si;
        }
    }
    q.iter().map(|v| -v).collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_function() {
        let rosenbrock = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let minimum = minimize(rosenbrock, &[-1.2, 1.0], Options::default());
        assert!(minimum.converged, "{minimum:?}");
        assert!((minimum.x[0] - 1.0).abs() < 1e-6, "{minimum:?}");
        assert!((minimum.x[1] - 1.0).abs() < 1e-6, "{minimum:?}");
    }

    #[test]
    fn steps_back_from_outside_the_domain() {
        // ln is undefined below 0: the line search must not stop there.
        let objective = |x: &[f64], g: &mut [f64]| {
            g[0] = 1.0 - 1.0 / x[0];
            if x[0] <= 0.0 {
                f64::NAN
            } else {
                x[0] - x[0].ln()
            }
        };
        let minimum = minimize(objective, &[5.0], Options::default());
        assert!(
            minimum.converged && (minimum.x[0] - 1.0).abs() < 1e-6,
            "{minimum:?}"
        );
    }
}
