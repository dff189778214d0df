//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value
//! curves for customer base analysis"; Fader & Hardie's note "The Gamma-Gamma model of
//! monetary value"): a customer's `x` repeat purchases have mean value `m`; transaction values
//! are Gamma(p, ν) with ν ~ Gamma(q, γ) across customers.

use rustc_hash::FxHashMap as HashMap;

use super::counts::{self, Counts};
use super::optimize::{Options, minimize};
use super::special::{digamma, ln_gamma};

/// Fitted Gamma-Gamma parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaParams {
    pub p: f64,
    pub q: f64,
    pub gamma: f64,
}

impl GammaGammaParams {
    /// `Some` when every parameter is finite and positive.
    pub fn new(p: f64, q: f64, gamma: f64) -> Option<Self> {
        [p, q, gamma]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
            .then_some(Self { p, q, gamma })
    }
}

/// The result of [`GammaGammaData::fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GammaGammaFit {
    pub params: GammaGammaParams,
    pub log_likelihood: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Repeat customers grouped by identical `(x, m)`, with counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GammaGammaData {
    counts: Counts<2>,
}

impl GammaGammaData {
    /// Adds `count` customers with `x` repeat purchases of mean value `m`. Customers without
    /// repeat purchases carry no information on spend and are skipped; a repeat customer
    /// needs a positive `m`.
    pub fn add(&mut self, x: f64, m: f64, count: u64) -> Result<(), String> {
        if !(x >= 0.0 && x.fract() == 0.0 && x.is_finite()) {
            return Err(format!(
                "frequency must be a non-negative whole number, got {x}"
            ));
        }
        if x == 0.0 {
            return Ok(());
        }
        if !(m > 0.0 && m.is_finite()) {
            return Err(format!(
                "monetary_value must be positive for a customer with repeat purchases, got {m}"
            ));
        }
        *self.counts.entry([x.to_bits(), m.to_bits()]).or_insert(0) += count;
        Ok(())
    }

    pub fn merge(&mut self, other: &GammaGammaData) {
        for (key, count) in &other.counts {
            *self.counts.entry(*key).or_insert(0) += count;
        }
    }

    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    pub fn size(&self) -> usize {
        self.counts.capacity() * (std::mem::size_of::<[u64; 2]>() + 8 + 8)
    }

    /// `(x, m, count)` of every distinct repeat customer.
    pub fn entries(&self) -> impl Iterator<Item = (f64, f64, u64)> + '_ {
        self.counts
            .iter()
            .map(|(k, c)| (f64::from_bits(k[0]), f64::from_bits(k[1]), *c))
    }

    /// The state as bytes (little-endian x, m, count per group), for partial aggregates.
    pub fn to_bytes(&self) -> Vec<u8> {
        counts::to_bytes(&self.counts)
    }

    /// Adds the groups of a state written by [`Self::to_bytes`].
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        counts::merge_bytes(&mut self.counts, bytes, "gamma_gamma_fit")
    }

    pub fn log_likelihood(&self, params: &GammaGammaParams) -> f64 {
        let prepared = Prepared::new(self, 1.0);
        let theta = [params.p, params.q, params.gamma].map(f64::ln);
        let mut gradient = [0.0; 3];
        -prepared.negative_mean_log_likelihood(&theta, &mut gradient) * prepared.customers
    }

    /// Maximum-likelihood parameters; `None` without repeat customers.
    pub fn fit(&self) -> Option<GammaGammaFit> {
        if self.counts.is_empty() {
            return None;
        }
        // Spend is rescaled to a mean of 1 so that the search starts at a sensible scale
        // whatever the currency; gamma scales back.
        let (mut total, mut customers) = (0.0, 0.0);
        for (_, m, c) in self.entries() {
            total += m * c as f64;
            customers += c as f64;
        }
        let scale = customers / total;
        let prepared = Prepared::new(self, scale);
        let minimum = minimize(
            |theta, gradient| prepared.negative_mean_log_likelihood(theta, gradient),
            &[0.0; 3],
            Options::default(),
        );
        let [p, q, gamma] = [0, 1, 2].map(|i| minimum.x[i].exp());
        let params = GammaGammaParams::new(p, q, gamma / scale)?;
        Some(GammaGammaFit {
            params,
            log_likelihood: self.log_likelihood(&params),
            iterations: minimum.iterations,
            converged: minimum.converged,
        })
    }
}

/// Customers grouped by frequency, with the sums that do not depend on the parameters.
struct Prepared {
    /// Per distinct x: x, customers, Σ count·ln m, and the (scaled m, count) of its customers.
    groups: Vec<Group>,
    customers: f64,
}

struct Group {
    x: f64,
    customers: f64,
    sum_ln_m: f64,
    spends: Vec<(f64, f64)>,
}

impl Prepared {
    fn new(data: &GammaGammaData, scale: f64) -> Self {
        let mut by_x: HashMap<u64, Group> = HashMap::default();
        for (x, m, count) in data.entries() {
            let m = m * scale;
            let count = count as f64;
            let group = by_x.entry(x.to_bits()).or_insert_with(|| Group {
                x,
                customers: 0.0,
                sum_ln_m: 0.0,
                spends: Vec::new(),
            });
            group.customers += count;
            group.sum_ln_m += count * m.ln();
            group.spends.push((m, count));
        }
        let mut groups: Vec<Group> = by_x.into_values().collect();
        groups.sort_by(|g, h| g.x.total_cmp(&h.x));
        let customers = groups.iter().map(|g| g.customers).sum();
        Self { groups, customers }
    }

    /// `-LL / customers` at log-parameters `theta`, and its gradient in `theta`.
    fn negative_mean_log_likelihood(&self, theta: &[f64], gradient: &mut [f64]) -> f64 {
        let [p, q, gamma] = [0, 1, 2].map(|i| theta[i].exp());
        if ![p, q, gamma].iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let (ln_gamma_q, digamma_q, ln_gamma_param) = (ln_gamma(q), digamma(q), gamma.ln());
        let mut ll = 0.0;
        let mut d = [0.0f64; 3];
        for group in &self.groups {
            let (x, n) = (group.x, group.customers);
            let px = p * x;
            let (mut sum_ln, mut sum_inverse) = (0.0, 0.0);
            for &(m, count) in &group.spends {
                let v = x * m + gamma;
                sum_ln += count * v.ln();
                sum_inverse += count / v;
            }
            let digamma_pxq = digamma(px + q);
            ll += n * (ln_gamma(px + q) - ln_gamma(px) - ln_gamma_q + q * ln_gamma_param)
                + (px - 1.0) * group.sum_ln_m
                + n * px * x.ln()
                - (px + q) * sum_ln;
            d[0] += n * x * (digamma_pxq - digamma(px) + x.ln()) + x * group.sum_ln_m - x * sum_ln;
            d[1] += n * (digamma_pxq - digamma_q + ln_gamma_param) - sum_ln;
            d[2] += n * q / gamma - (px + q) * sum_inverse;
        }
        for (i, v) in [p, q, gamma].iter().enumerate() {
            gradient[i] = -d[i] * v / self.customers;
        }
        -ll / self.customers
    }
}

/// Expected mean transaction value of a customer with `x` repeat purchases of mean `m`: the
/// posterior mean `p (γ + x m) / (p x + q - 1)`, the population mean `p γ / (q - 1)` when
/// `x = 0`. NaN when `q <= 1` (the population mean is infinite).
pub fn expected_spend(x: f64, m: f64, params: &GammaGammaParams) -> f64 {
    let GammaGammaParams { p, q, gamma } = *params;
    if q <= 1.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return p * gamma / (q - 1.0);
    }
    p * (gamma + x * m) / (p * x + q - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_matches_finite_differences() {
        let mut data = GammaGammaData::default();
        for (x, m, c) in [
            (1.0, 20.0, 3),
            (2.0, 35.5, 1),
            (6.0, 12.25, 2),
            (0.0, 0.0, 9),
        ] {
            data.add(x, m, c).unwrap_or_else(|e| panic!("{e}"));
        }
        let prepared = Prepared::new(&data, 0.05);
        let theta = [0.8, 0.3, 1.1];
        let mut gradient = [0.0; 3];
        prepared.negative_mean_log_likelihood(&theta, &mut gradient);
        for i in 0..3 {
            let (mut up, mut down) = (theta, theta);
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let mut scratch = [0.0; 3];
            let numeric = (prepared.negative_mean_log_likelihood(&up, &mut scratch)
                - prepared.negative_mean_log_likelihood(&down, &mut scratch))
                / 2e-6;
            assert!(
                (numeric - gradient[i]).abs() < 1e-7,
                "{i}: {numeric} vs {gradient:?}"
            );
        }
    }

    #[test]
    fn expected_spend_shrinks_towards_the_population_mean() {
        let params = GammaGammaParams {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let population = expected_spend(0.0, 0.0, &params);
        assert!((population - 6.25 * 15.44 / 2.74).abs() < 1e-12);
        let one = expected_spend(1.0, 100.0, &params);
        let many = expected_spend(50.0, 100.0, &params);
        assert!(population < one && one < many && many < 100.0);
        assert!(expected_spend(1.0, 1.0, &GammaGammaParams { q: 0.9, ..params }).is_nan());
    }

    #[test]
    fn bad_spend_is_an_error() {
        let mut data = GammaGammaData::default();
        assert!(data.add(2.0, 0.0, 1).is_err());
        assert!(data.add(2.0, f64::NAN, 1).is_err());
        assert!(data.add(0.5, 3.0, 1).is_err());
        assert!(data.add(0.0, 0.0, 1).is_ok());
        assert_eq!(data.distinct(), 0);
    }
}
