//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): the
//! log-likelihood, its fit over grouped customer summaries, and the predictions built on the
//! fitted parameters. The SQL functions `bgnbd_*` are thin wrappers over these.
//!
//! A customer is summarised by `(x, t_x, T)`: `x` repeat purchases (frequency), the last one at
//! `t_x` (recency) after the first, observed for `T` since the first. Times are in any unit
//! (weeks in amigo's SQL); `alpha` is in that unit.

use super::counts::{self, Counts};
use super::optimize::{Options, minimize};
use super::special::{digamma, hyp2f1, ln_beta, ln_gamma, log_add_exp};

/// Fitted BG/NBD parameters: purchase rates are Gamma(r, alpha); the drop-out probability
/// after each purchase is Beta(a, b).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdParams {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
}

impl BgNbdParams {
    /// `Some` when every parameter is finite and positive.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Option<Self> {
        [r, alpha, a, b]
            .iter()
            .all(|v| v.is_finite() && *v > 0.0)
            .then_some(Self { r, alpha, a, b })
    }
}

/// The result of [`BgNbdData::fit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BgNbdFit {
    pub params: BgNbdParams,
    /// Log-likelihood of the data at `params`, in the data's time unit.
    pub log_likelihood: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// Customer summaries grouped by identical `(x, t_x, T)`, with their counts: what the fit
/// needs, whatever the number of customers, and what partial aggregates exchange.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BgNbdData {
    counts: Counts<3>,
}

/// One customer summary that cannot come from a transaction log.
pub fn check_summary(x: f64, t_x: f64, t: f64) -> Result<(), String> {
    if !(x >= 0.0 && x.fract() == 0.0 && x.is_finite()) {
        return Err(format!(
            "frequency must be a non-negative whole number, got {x}"
        ));
    }
    if !(t.is_finite() && t >= 0.0) {
        return Err(format!("T must be a finite non-negative number, got {t}"));
    }
    if !(t_x >= 0.0 && t_x <= t) {
        return Err(format!("recency must be between 0 and T ({t}), got {t_x}"));
    }
    if x > 0.0 && t_x == 0.0 {
        return Err(format!(
            "recency is 0 but frequency is {x}: repeat purchases come after the first"
        ));
    }
    Ok(())
}

impl BgNbdData {
    /// Adds `count` customers with summary `(x, t_x, T)`; an impossible summary is an error.
    pub fn add(&mut self, x: f64, t_x: f64, t: f64, count: u64) -> Result<(), String> {
        check_summary(x, t_x, t)?;
        // Recency does not enter the likelihood of a customer without repeat purchases.
        let t_x = if x == 0.0 { 0.0 } else { t_x };
        // +0.0 so that -0.0 and 0.0 group together.
        let key = [
            (x + 0.0).to_bits(),
            (t_x + 0.0).to_bits(),
            (t + 0.0).to_bits(),
        ];
        *self.counts.entry(key).or_insert(0) += count;
        Ok(())
    }

    pub fn merge(&mut self, other: &BgNbdData) {
        for (key, count) in &other.counts {
            *self.counts.entry(*key).or_insert(0) += count;
        }
    }

    /// Number of distinct summaries.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// Number of customers.
    pub fn customers(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Memory held, for DataFusion's accounting.
    pub fn size(&self) -> usize {
        self.counts.capacity() * (std::mem::size_of::<[u64; 3]>() + 8 + 8)
    }

    /// `(x, t_x, T, count)` of every distinct summary.
    pub fn entries(&self) -> impl Iterator<Item = (f64, f64, f64, u64)> + '_ {
        self.counts.iter().map(|(k, c)| {
            (
                f64::from_bits(k[0]),
                f64::from_bits(k[1]),
                f64::from_bits(k[2]),
                *c,
            )
        })
    }

    /// The state as bytes (little-endian x, t_x, T, count per summary), for partial aggregates.
    pub fn to_bytes(&self) -> Vec<u8> {
        counts::to_bytes(&self.counts)
    }

    /// Adds the summaries of a state written by [`Self::to_bytes`].
    pub fn merge_bytes(&mut self, bytes: &[u8]) -> Result<(), String> {
        counts::merge_bytes(&mut self.counts, bytes, "bgnbd_fit")
    }

    /// Log-likelihood of the data under `params`.
    pub fn log_likelihood(&self, params: &BgNbdParams) -> f64 {
        let prepared = Prepared::new(self, 1.0);
        let theta = [params.r, params.alpha, params.a, params.b].map(f64::ln);
        let mut gradient = [0.0; 4];
        -prepared.negative_mean_log_likelihood(&theta, &mut gradient) * prepared.customers
    }

    /// Maximum-likelihood parameters; `None` without customers.
    pub fn fit(&self) -> Option<BgNbdFit> {
        if self.counts.is_empty() {
            return None;
        }
        // Times are rescaled so that the longest T is 10 (as lifetimes does): the search then
        // starts from r = alpha = a = b = 1 at a sensible scale whatever the time unit.
        let longest = self.entries().map(|e| e.2).fold(0.0, f64::max);
        let scale = if longest > 0.0 { 10.0 / longest } else { 1.0 };
        let prepared = Prepared::new(self, scale);
        let minimum = minimize(
            |theta, gradient| prepared.negative_mean_log_likelihood(theta, gradient),
            &[0.0; 4],
            Options::default(),
        );
        let [r, alpha, a, b] = [0, 1, 2, 3].map(|i| minimum.x[i].exp());
        let params = BgNbdParams::new(r, alpha / scale, a, b)?;
        Some(BgNbdFit {
            params,
            log_likelihood: self.log_likelihood(&params),
            iterations: minimum.iterations,
            converged: minimum.converged,
        })
    }
}

/// The data laid out for fast likelihood evaluations: per-frequency terms computed once per
/// evaluation, and `ln(alpha + time)` once per distinct time.
struct Prepared {
    /// Distinct frequencies and the number of customers with each.
    frequencies: Vec<(f64, f64)>,
    /// Distinct (scaled) times.
    times: Vec<f64>,
    /// Customers with repeat purchases: index into `frequencies`, indexes of t_x and T into
    /// `times`, count.
    repeaters: Vec<(u32, u32, u32, f64)>,
    /// Customers without: index of T into `times`, count.
    one_timers: Vec<(u32, f64)>,
    customers: f64,
}

impl Prepared {
    fn new(data: &BgNbdData, scale: f64) -> Self {
        let mut entries: Vec<(f64, f64, f64, u64)> = data
            .entries()
            .map(|(x, t_x, t, c)| (x, t_x * scale, t * scale, c))
            .collect();
        entries.sort_by(|p, q| p.0.total_cmp(&q.0));
        let mut times: Vec<f64> = entries.iter().flat_map(|e| [e.1, e.2]).collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let time_index = |v: f64| times.partition_point(|t| *t < v) as u32;
        let mut frequencies: Vec<(f64, f64)> = Vec::new();
        let mut repeaters = Vec::new();
        let mut one_timers = Vec::new();
        for &(x, t_x, t, count) in &entries {
            if frequencies.last().is_none_or(|f| f.0 != x) {
                frequencies.push((x, 0.0));
            }
            let last = frequencies.len() - 1;
            frequencies[last].1 += count as f64;
            if x > 0.0 {
                repeaters.push((last as u32, time_index(t_x), time_index(t), count as f64));
            } else {
                one_timers.push((time_index(t), count as f64));
            }
        }
        let customers = entries.iter().map(|e| e.3 as f64).sum();
        Self {
            frequencies,
            times,
            repeaters,
            one_timers,
            customers,
        }
    }

    /// `-LL / customers` at log-parameters `theta`, and its gradient in `theta`.
    fn negative_mean_log_likelihood(&self, theta: &[f64], gradient: &mut [f64]) -> f64 {
        let [r, alpha, a, b] = [0, 1, 2, 3].map(|i| theta[i].exp());
        if ![r, alpha, a, b].iter().all(|v| v.is_finite() && *v > 0.0) {
            return f64::NAN;
        }
        let log_times: Vec<f64> = self.times.iter().map(|t| (alpha + t).ln()).collect();
        let inverse_times: Vec<f64> = self.times.iter().map(|t| 1.0 / (alpha + t)).collect();
        let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
        // Per-frequency parts: A1 + A2 of the paper, ln(b + x - 1) of A4.
        let (digamma_r, digamma_ab, ln_gamma_r, ln_gamma_ab) =
            (digamma(r), digamma(a + b), ln_gamma(r), ln_gamma(a + b));
        let ln_gamma_b = ln_gamma(b);
        let digamma_b = digamma(b);
        let mut ll = 0.0;
        let mut d = [0.0f64; 4];
        let mut ln_b_x = Vec::with_capacity(self.frequencies.len());
        for &(x, n) in &self.frequencies {
            let a1 = ln_gamma(r + x) - ln_gamma_r + r * ln_alpha;
            let a2 = ln_gamma_ab + ln_gamma(b + x) - ln_gamma_b - ln_gamma(a + b + x);
            ll += n * (a1 + a2);
            d[0] += n * (digamma(r + x) - digamma_r + ln_alpha);
            d[1] += n * r / alpha;
            let digamma_abx = digamma(a + b + x);
            d[2] += n * (digamma_ab - digamma_abx);
            d[3] += n * (digamma_ab + digamma(b + x) - digamma_b - digamma_abx);
            ln_b_x.push(if x > 0.0 {
                ((b + x - 1.0).ln(), 1.0 / (b + x - 1.0))
            } else {
                (0.0, 0.0)
            });
        }
        for &(i_t, n) in &self.one_timers {
            let i_t = i_t as usize;
            ll -= n * r * log_times[i_t];
            d[0] -= n * log_times[i_t];
            d[1] -= n * r * inverse_times[i_t];
        }
        for &(f, i_tx, i_t, n) in &self.repeaters {
            let (f, i_tx, i_t) = (f as usize, i_tx as usize, i_t as usize);
            let s = r + self.frequencies[f].0;
            let (ln_bx, inv_bx) = ln_b_x[f];
            let a3 = -s * log_times[i_t];
            let a4 = ln_a - ln_bx - s * log_times[i_tx];
            let total = log_add_exp(a3, a4);
            let w4 = (a4 - total).exp();
            let w3 = 1.0 - w4;
            ll += n * total;
            d[0] -= n * (w3 * log_times[i_t] + w4 * log_times[i_tx]);
            d[1] -= n * s * (w3 * inverse_times[i_t] + w4 * inverse_times[i_tx]);
            d[2] += n * w4 / a;
            d[3] -= n * w4 * inv_bx;
        }
        // Chain rule to log-parameters, normalised per customer.
        for (i, v) in [r, alpha, a, b].iter().enumerate() {
            gradient[i] = -d[i] * v / self.customers;
        }
        -ll / self.customers
    }
}

/// Probability that a customer with summary `(x, t_x, T)` is still active at `T`, computed in
/// log space so that frequent customers (x in the hundreds) do not overflow. 1 when `x = 0`.
pub fn p_alive(x: f64, t_x: f64, t: f64, params: &BgNbdParams) -> f64 {
    if x == 0.0 {
        return 1.0;
    }
    logistic(-log_odds_dead(x, t_x, t, params))
}

/// `ln(P(dead) / P(alive))` for `x > 0`.
fn log_odds_dead(x: f64, t_x: f64, t: f64, params: &BgNbdParams) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *params;
    (r + x) * ((alpha + t).ln() - (alpha + t_x).ln()) + a.ln() - (b + x - 1.0).ln()
}

/// `1 / (1 + e^-v)` without overflow.
fn logistic(v: f64) -> f64 {
    if v >= 0.0 {
        1.0 / (1.0 + (-v).exp())
    } else {
        let e = v.exp();
        e / (1.0 + e)
    }
}

/// Expected number of purchases in the next `horizon` time units of a customer with summary
/// `(x, t_x, T)` (equation 10 of the paper). The hypergeometric term uses Euler's transform,
/// whose series stays small for large `x`; the alive odds come from [`p_alive`].
pub fn expected_purchases(horizon: f64, x: f64, t_x: f64, t: f64, params: &BgNbdParams) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *params;
    if horizon == 0.0 {
        return 0.0;
    }
    let c = a + b + x - 1.0;
    let z = horizon / (alpha + t + horizon);
    // ₂F₁(r+x, b+x; c; z) (1-z)^(r+x) = ₂F₁(c-r-x, c-b-x; c; z) (1-z)^(c-b-x), and c-b-x = a-1.
    let hypergeometric = hyp2f1(a + b - 1.0 - r, a - 1.0, c, z);
    let ln_one_minus_z = (alpha + t).ln() - (alpha + t + horizon).ln();
    let remaining = 1.0 - hypergeometric * ((a - 1.0) * ln_one_minus_z).exp();
    (c / (a - 1.0)) * remaining * p_alive(x, t_x, t, params)
}

/// Probability that a new customer makes exactly `n` purchases in `(0, t]` (equation 8 of the
/// paper; lifetimes' `probability_of_n_purchases_up_to_time`), terms in log space.
pub fn p_purchases(n: u64, t: f64, params: &BgNbdParams) -> f64 {
    let BgNbdParams { r, alpha, a, b } = *params;
    if t == 0.0 {
        return if n == 0 { 1.0 } else { 0.0 };
    }
    let n_f = n as f64;
    let ln_rate_kept = alpha.ln() - (alpha + t).ln();
    let ln_rate_used = t.ln() - (alpha + t).ln();
    // ln of Γ(r+j) / (Γ(r) j!) (α/(α+t))^r (t/(α+t))^j: the NBD probability of j purchases.
    let ln_nbd = |j: f64| {
        ln_gamma(r + j) - ln_gamma(r) - ln_gamma(j + 1.0) + r * ln_rate_kept + j * ln_rate_used
    };
    let first = (ln_beta(a, b + n_f) - ln_beta(a, b) + ln_nbd(n_f)).exp();
    if n == 0 {
        return first;
    }
    let below_n: f64 = (0..n).map(|j| ln_nbd(j as f64).exp()).sum();
    let second = (ln_beta(a + 1.0, b + n_f - 1.0) - ln_beta(a, b)).exp() * (1.0 - below_n);
    first + second
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> BgNbdParams {
        BgNbdParams {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let mut data = BgNbdData::default();
        for (x, t_x, t, c) in [
            (0.0, 0.0, 38.0, 5),
            (2.0, 30.4, 38.9, 2),
            (7.0, 12.0, 40.0, 1),
        ] {
            data.add(x, t_x, t, c).unwrap_or_else(|e| panic!("{e}"));
        }
        let prepared = Prepared::new(&data, 0.3);
        let theta = [-0.5, 0.7, 0.1, 0.4];
        let mut gradient = [0.0; 4];
        prepared.negative_mean_log_likelihood(&theta, &mut gradient);
        for i in 0..4 {
            let (mut up, mut down) = (theta, theta);
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let mut scratch = [0.0; 4];
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
    fn state_round_trips_through_bytes() {
        let mut data = BgNbdData::default();
        data.add(1.0, 2.0, 3.0, 4).unwrap_or_else(|e| panic!("{e}"));
        data.add(0.0, 0.0, 3.0, 1).unwrap_or_else(|e| panic!("{e}"));
        let mut copy = BgNbdData::default();
        copy.merge_bytes(&data.to_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(copy, data);
        assert!(copy.merge_bytes(&[1, 2, 3]).is_err());
    }

    #[test]
    fn impossible_summaries_are_errors() {
        let mut data = BgNbdData::default();
        assert!(data.add(-1.0, 0.0, 1.0, 1).is_err());
        assert!(data.add(1.5, 1.0, 2.0, 1).is_err());
        assert!(data.add(1.0, 3.0, 2.0, 1).is_err());
        assert!(data.add(2.0, 0.0, 2.0, 1).is_err());
        assert!(data.add(1.0, 1.0, f64::NAN, 1).is_err());
        assert_eq!(data.distinct(), 0);
    }

    #[test]
    fn p_alive_of_extreme_customers_stays_in_range() {
        // (alpha + T) / (alpha + t_x) to the power 200 overflows a direct computation.
        let p = p_alive(200.0, 1.0, 1_000.0, &params());
        assert!(p.is_finite() && (0.0..1e-100).contains(&p), "{p}");
        let p = p_alive(200.0, 1_000.0, 1_000.0, &params());
        assert!(p > 0.99 && p <= 1.0, "{p}");
        let e = expected_purchases(10.0, 200.0, 1.0, 1_000.0, &params());
        assert!(e.is_finite() && e >= 0.0, "{e}");
        let e = expected_purchases(10.0, 2_000.0, 1_000.0, 1_000.0, &params());
        assert!(e.is_finite() && e > 10.0, "{e}");
        assert_eq!(p_alive(0.0, 0.0, 50.0, &params()), 1.0);
    }

    #[test]
    fn p_purchases_sums_to_one() {
        let total: f64 = (0..2_000).map(|n| p_purchases(n, 39.0, &params())).sum();
        assert!((total - 1.0).abs() < 1e-6, "{total}");
        assert_eq!(p_purchases(0, 0.0, &params()), 1.0);
        assert_eq!(p_purchases(3, 0.0, &params()), 0.0);
    }
}
