//! Expectation-maximisation for the Fellegi-Sunter model, on comparison patterns with counts.
//!
//! A pair of records is compared field by field; each field gets a level (`"exact"`,
//! `"similar"`, `"2"`...) or none (a side is missing: no evidence). Pairs with the same levels
//! form a pattern. The model says a pair is a match with probability λ, and that given match
//! (non-match) the fields are independent with level probabilities `m` (`u`). EM alternates:
//!
//! - E-step: the posterior probability that each pattern is a match,
//!   `λ·Πm / (λ·Πm + (1-λ)·Πu)` over the fields that have a level;
//! - M-step: λ is the mean posterior, `m[field][level]` the posterior-weighted share of pairs
//!   with that level among pairs where the field has a level, `u` the same with `1 - posterior`.
//!
//! As Splink recommends, `u` is best measured on random pairs (almost all non-matches) and kept
//! fixed: then only `m` and λ are estimated, and the two classes cannot swap. Without random
//! pairs `u` is estimated too, which needs levels ordered by agreement (integers, higher = more
//! alike) to start from.
//!
//! Everything iterates over sorted maps, so a model depends only on the pattern counts, never
//! on the order rows arrived in or on how they were partitioned.

use std::collections::{BTreeMap, BTreeSet};

/// One comparison vector: a level per field, `None` when the field has no level.
pub type Pattern = Vec<Option<String>>;

/// Pattern counts of candidate pairs (to train on) and of random pairs (to measure `u`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatternCounts {
    pub candidates: BTreeMap<Pattern, u64>,
    pub random: BTreeMap<Pattern, u64>,
}

impl PatternCounts {
    /// Adds `count` pairs with `pattern`.
    pub fn add(&mut self, pattern: Pattern, count: u64, is_random: bool) {
        let map = if is_random {
            &mut self.random
        } else {
            &mut self.candidates
        };
        *map.entry(pattern).or_insert(0) += count;
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &PatternCounts) {
        for (pattern, count) in &other.candidates {
            self.add(pattern.clone(), *count, false);
        }
        for (pattern, count) in &other.random {
            self.add(pattern.clone(), *count, true);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty() && self.random.is_empty()
    }
}

/// Settings of a training run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmOptions {
    /// Starting λ: the share of candidate pairs thought to be matches.
    pub prior_match_proportion: f64,
    pub max_iterations: usize,
    /// Converged when no probability (λ, m, u) moves more than this in an iteration.
    pub tolerance: f64,
}

impl Default for EmOptions {
    fn default() -> Self {
        Self {
            prior_match_proportion: 0.1,
            max_iterations: 500,
            tolerance: 1e-7,
        }
    }
}

/// m and u of one level of one field.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelParameters {
    /// 1-based, as SQL array positions.
    pub field: usize,
    pub level: String,
    pub m: f64,
    pub u: f64,
}

impl LevelParameters {
    /// `log2(m / u)`: what agreeing at this level adds to a pair's match weight.
    pub fn weight(&self) -> f64 {
        (self.m / self.u).log2()
    }
}

/// A trained model.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainedModel {
    /// Share of candidate pairs that are matches.
    pub lambda: f64,
    pub iterations: usize,
    pub converged: bool,
    /// Log-likelihood (natural log) of the candidate pairs under the final parameters.
    pub log_likelihood: f64,
    pub candidate_pairs: u64,
    pub random_pairs: u64,
    /// Whether `u` came from random pairs (fixed) or was estimated by EM.
    pub u_from_random_pairs: bool,
    /// By field, then level in byte order.
    pub levels: Vec<LevelParameters>,
}

/// Probabilities by field, then level index.
type Probabilities = Vec<Vec<f64>>;

/// Floor of a probability inside logarithms: a level never seen in one class would otherwise
/// make every pattern holding it certain, and EM could never move it back.
const MIN_PROBABILITY: f64 = 1e-12;

/// Starting m probabilities chosen by a person, by (1-based field, level): where EM starts
/// instead of the moment estimate. Levels a field has in the data but not here start small.
pub type StartM = BTreeMap<(usize, String), f64>;

/// Trains the model on `counts`. Errors are sentences for the user (the caller names the
/// function).
pub fn train(counts: &PatternCounts, options: &EmOptions) -> Result<TrainedModel, String> {
    train_from(counts, options, &StartM::new())
}

/// [`train`], starting m from `start` for the fields it names. Without random pairs u is
/// estimated too and starts from the candidates' level shares, so levels need not be
/// ordered integers.
pub fn train_from(
    counts: &PatternCounts,
    options: &EmOptions,
    start: &StartM,
) -> Result<TrainedModel, String> {
    let lambda0 = options.prior_match_proportion;
    if !(lambda0 > 0.0 && lambda0 < 1.0) {
        return Err(format!(
            "the prior match proportion must be strictly between 0 and 1, got {lambda0}"
        ));
    }
    if options.tolerance.is_nan() || options.tolerance < 0.0 {
        return Err(format!(
            "the tolerance must be non-negative, got {}",
            options.tolerance
        ));
    }
    let fields = field_count(counts)?;
    let candidate_pairs: u64 = counts.candidates.values().sum();
    if candidate_pairs == 0 {
        return Err("no candidate pairs to train on (every row is a random pair)".to_owned());
    }
    let random_pairs: u64 = counts.random.values().sum();
    let space = LevelSpace::new(counts, fields);
    let patterns = space.encode(&counts.candidates);

    let u_fixed = random_pairs > 0;
    let (mut m, mut u) = if u_fixed {
        let u = space.level_shares(&space.encode(&counts.random), 0.5);
        let observed = space.level_shares(&patterns, 0.0);
        let mut m = moment_start(&observed, &u, lambda0);
        chosen_start(&space, start, &mut m)?;
        (m, u)
    } else if !start.is_empty() {
        // u estimated too, from a person's m: u starts as the candidates' level shares (most
        // candidates are not matches), m as given.
        let mut m = space.level_shares(&patterns, 0.5);
        let u = m.clone();
        chosen_start(&space, start, &mut m)?;
        (m, u)
    } else {
        ordered_start(&space)?
    };

    let mut lambda = lambda0;
    let mut iterations = 0;
    let mut converged = false;
    while iterations < options.max_iterations {
        iterations += 1;
        let posteriors = e_step(&patterns, lambda, &m, &u);
        let total: f64 = patterns.iter().map(|p| p.count).sum();
        let new_lambda = posteriors
            .iter()
            .zip(&patterns)
            .map(|(p, x)| p * x.count)
            .sum::<f64>()
            / total;
        let new_m = m_step(&space, &patterns, &posteriors, false);
        let mut change = (new_lambda - lambda).abs().max(max_change(&m, &new_m));
        lambda = new_lambda;
        m = new_m;
        if !u_fixed {
            let new_u = m_step(&space, &patterns, &posteriors, true);
            change = change.max(max_change(&u, &new_u));
            u = new_u;
        }
        if change <= options.tolerance {
            converged = true;
            break;
        }
    }
    let log_likelihood = log_likelihood(&patterns, lambda, &m, &u);
    let mut levels = Vec::new();
    for (field, names) in space.levels.iter().enumerate() {
        for (index, name) in names.iter().enumerate() {
            levels.push(LevelParameters {
                field: field + 1,
                level: name.clone(),
                m: m[field][index],
                u: u[field][index],
            });
        }
    }
    Ok(TrainedModel {
        lambda,
        iterations,
        converged,
        log_likelihood,
        candidate_pairs,
        random_pairs,
        u_from_random_pairs: u_fixed,
        levels,
    })
}

/// The number of fields, the same in every pattern.
fn field_count(counts: &PatternCounts) -> Result<usize, String> {
    let mut lengths = counts
        .candidates
        .keys()
        .chain(counts.random.keys())
        .map(Vec::len);
    let Some(first) = lengths.next() else {
        return Err("no pairs to train on".to_owned());
    };
    if let Some(other) = lengths.find(|&n| n != first) {
        return Err(format!(
            "every comparison vector must have the same number of fields, got {first} and \
             {other}"
        ));
    }
    if first == 0 {
        return Err("comparison vectors have no fields".to_owned());
    }
    Ok(first)
}

/// A pattern with levels as indices into [`LevelSpace::levels`].
struct EncodedPattern {
    levels: Vec<Option<usize>>,
    count: f64,
}

/// The levels each field takes, sorted.
struct LevelSpace {
    levels: Vec<Vec<String>>,
}

impl LevelSpace {
    fn new(counts: &PatternCounts, fields: usize) -> Self {
        let mut sets = vec![BTreeSet::new(); fields];
        for pattern in counts.candidates.keys().chain(counts.random.keys()) {
            for (set, level) in sets.iter_mut().zip(pattern) {
                if let Some(level) = level {
                    set.insert(level.clone());
                }
            }
        }
        Self {
            levels: sets.into_iter().map(|s| s.into_iter().collect()).collect(),
        }
    }

    fn encode(&self, patterns: &BTreeMap<Pattern, u64>) -> Vec<EncodedPattern> {
        patterns
            .iter()
            .map(|(pattern, &count)| EncodedPattern {
                levels: pattern
                    .iter()
                    .zip(&self.levels)
                    .map(|(level, names)| level.as_ref().and_then(|l| names.binary_search(l).ok()))
                    .collect(),
                count: count as f64,
            })
            .collect()
    }

    fn zeros(&self) -> Vec<Vec<f64>> {
        self.levels.iter().map(|l| vec![0.0; l.len()]).collect()
    }

    /// Each level's share of the pairs where its field has a level. A level never seen counts
    /// `unseen` pairs (as the SQL pipeline's "as if seen half a time").
    fn level_shares(&self, patterns: &[EncodedPattern], unseen: f64) -> Vec<Vec<f64>> {
        let mut counts = self.zeros();
        for pattern in patterns {
            for (field, level) in pattern.levels.iter().enumerate() {
                if let Some(level) = level {
                    counts[field][*level] += pattern.count;
                }
            }
        }
        counts
            .into_iter()
            .map(|field| {
                let total: f64 = field.iter().sum();
                field
                    .iter()
                    .map(|&c| {
                        let c = if c == 0.0 { unseen } else { c };
                        if total > 0.0 { c / total } else { 0.0 }
                    })
                    .collect()
            })
            .collect()
    }
}

/// Starting m when u is known: the candidates' level shares are `λ·m + (1-λ)·u`, so
/// `m ≈ (observed - (1-λ)·u) / λ`, floored so that no level starts impossible.
fn moment_start(observed: &[Vec<f64>], u: &[Vec<f64>], lambda: f64) -> Vec<Vec<f64>> {
    observed
        .iter()
        .zip(u)
        .map(|(obs, u)| {
            let raw: Vec<f64> = obs
                .iter()
                .zip(u)
                .map(|(o, u)| ((o - (1.0 - lambda) * u) / lambda).max(1e-3))
                .collect();
            normalize(raw)
        })
        .collect()
}

/// Replaces the starting m of each field `start` names by its values (normalized; a level
/// without a value starts at 0.001 before normalizing, so EM can still raise it).
fn chosen_start(space: &LevelSpace, start: &StartM, m: &mut [Vec<f64>]) -> Result<(), String> {
    for ((field, level), value) in start {
        if !(value.is_finite() && *value >= 0.0) {
            return Err(format!(
                "the starting m of field {field} level '{level}' must be a probability, got {value}"
            ));
        }
    }
    for (index, names) in space.levels.iter().enumerate() {
        let field = index + 1;
        if !start.keys().any(|(f, _)| *f == field) {
            continue;
        }
        let raw = names
            .iter()
            .map(|name| {
                start
                    .get(&(field, name.clone()))
                    .copied()
                    .unwrap_or(0.0)
                    .max(1e-3)
            })
            .collect();
        m[index] = normalize(raw);
    }
    Ok(())
}

/// Starting m and u when u is estimated too: levels must be integers, higher meaning more
/// alike; m starts doubling with each level up, u halving.
fn ordered_start(space: &LevelSpace) -> Result<(Probabilities, Probabilities), String> {
    let mut m = Vec::new();
    let mut u = Vec::new();
    for (field, names) in space.levels.iter().enumerate() {
        let mut ranked = Vec::with_capacity(names.len());
        for name in names {
            let Ok(value) = name.trim().parse::<i64>() else {
                return Err(format!(
                    "without random pairs (is_random) u is estimated too, which needs integer \
                     levels ordered by agreement; field {} has level '{name}'",
                    field + 1
                ));
            };
            ranked.push(value);
        }
        let mut order: Vec<i64> = ranked.clone();
        order.sort_unstable();
        let rank = |v: i64| order.iter().position(|&x| x == v).unwrap_or(0) as i32;
        let top = names.len() as i32 - 1;
        m.push(normalize(
            ranked.iter().map(|&v| 2f64.powi(rank(v))).collect(),
        ));
        u.push(normalize(
            ranked.iter().map(|&v| 2f64.powi(top - rank(v))).collect(),
        ));
    }
    Ok((m, u))
}

fn normalize(values: Vec<f64>) -> Vec<f64> {
    let total: f64 = values.iter().sum();
    if total > 0.0 {
        values.into_iter().map(|v| v / total).collect()
    } else {
        values
    }
}

/// `ln(λ·Πm)` and `ln((1-λ)·Πu)` of a pattern.
fn log_joint(pattern: &EncodedPattern, lambda: f64, m: &[Vec<f64>], u: &[Vec<f64>]) -> (f64, f64) {
    let mut log_match = lambda.max(MIN_PROBABILITY).ln();
    let mut log_non_match = (1.0 - lambda).max(MIN_PROBABILITY).ln();
    for (field, level) in pattern.levels.iter().enumerate() {
        if let Some(level) = level {
            log_match += m[field][*level].max(MIN_PROBABILITY).ln();
            log_non_match += u[field][*level].max(MIN_PROBABILITY).ln();
        }
    }
    (log_match, log_non_match)
}

fn e_step(patterns: &[EncodedPattern], lambda: f64, m: &[Vec<f64>], u: &[Vec<f64>]) -> Vec<f64> {
    patterns
        .iter()
        .map(|p| {
            let (a, b) = log_joint(p, lambda, m, u);
            1.0 / (1.0 + (b - a).exp())
        })
        .collect()
}

/// New m (or u, with `non_match`): posterior-weighted level shares.
fn m_step(
    space: &LevelSpace,
    patterns: &[EncodedPattern],
    posteriors: &[f64],
    non_match: bool,
) -> Vec<Vec<f64>> {
    let mut sums = space.zeros();
    for (pattern, &posterior) in patterns.iter().zip(posteriors) {
        let weight = if non_match {
            1.0 - posterior
        } else {
            posterior
        } * pattern.count;
        for (field, level) in pattern.levels.iter().enumerate() {
            if let Some(level) = level {
                sums[field][*level] += weight;
            }
        }
    }
    sums.into_iter().map(normalize).collect()
}

fn max_change(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

fn log_likelihood(patterns: &[EncodedPattern], lambda: f64, m: &[Vec<f64>], u: &[Vec<f64>]) -> f64 {
    patterns
        .iter()
        .map(|p| {
            let (a, b) = log_joint(p, lambda, m, u);
            let high = a.max(b);
            p.count * (high + ((a - high).exp() + (b - high).exp()).ln())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three fields with known m and u; λ = 0.3.
    const M: [[f64; 3]; 3] = [[0.05, 0.15, 0.8], [0.1, 0.2, 0.7], [0.02, 0.08, 0.9]];
    const U: [[f64; 3]; 3] = [[0.7, 0.2, 0.1], [0.85, 0.1, 0.05], [0.9, 0.07, 0.03]];
    const LAMBDA: f64 = 0.3;

    fn level_name(level: usize) -> String {
        level.to_string()
    }

    /// Exact expected pattern counts for `pairs` pairs (the law of large numbers without the
    /// noise), and `random` random pairs drawn from u alone.
    fn synthetic(pairs: f64, random: f64) -> PatternCounts {
        let mut counts = PatternCounts::default();
        for a in 0..3 {
            for b in 0..3 {
                for c in 0..3 {
                    let pattern = vec![
                        Some(level_name(a)),
                        Some(level_name(b)),
                        Some(level_name(c)),
                    ];
                    let pm = M[0][a] * M[1][b] * M[2][c];
                    let pu = U[0][a] * U[1][b] * U[2][c];
                    let n = pairs * (LAMBDA * pm + (1.0 - LAMBDA) * pu);
                    counts.add(pattern.clone(), n.round() as u64, false);
                    if random > 0.0 {
                        counts.add(pattern, (random * pu).round() as u64, true);
                    }
                }
            }
        }
        counts
    }

    fn assert_recovers(model: &TrainedModel, tolerance: f64) {
        assert!(model.converged, "{model:?}");
        assert!(
            (model.lambda - LAMBDA).abs() < tolerance,
            "lambda {}",
            model.lambda
        );
        for p in &model.levels {
            let level: usize = p.level.parse().unwrap_or(usize::MAX);
            let (m, u) = (M[p.field - 1][level], U[p.field - 1][level]);
            assert!((p.m - m).abs() < tolerance, "{p:?}: m should be {m}");
            assert!((p.u - u).abs() < tolerance, "{p:?}: u should be {u}");
        }
    }

    #[test]
    fn recovers_m_and_lambda_with_u_from_random_pairs() {
        let model =
            train(&synthetic(1e7, 1e7), &EmOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(model.u_from_random_pairs);
        assert_eq!(model.levels.len(), 9);
        assert_recovers(&model, 2e-3);
    }

    #[test]
    fn recovers_m_u_and_lambda_without_random_pairs() {
        let model =
            train(&synthetic(1e7, 0.0), &EmOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!model.u_from_random_pairs);
        assert_recovers(&model, 2e-3);
    }

    #[test]
    fn a_wrong_prior_still_converges_to_the_truth() {
        let options = EmOptions {
            prior_match_proportion: 0.8,
            ..EmOptions::default()
        };
        let model = train(&synthetic(1e7, 1e7), &options).unwrap_or_else(|e| panic!("{e}"));
        assert_recovers(&model, 2e-3);
    }

    #[test]
    fn chosen_starting_m_converges_to_the_truth_too() {
        // A person's guess, far from the truth and missing a level: EM still recovers m.
        let start: StartM = [
            ((1, "0".to_owned()), 0.3),
            ((1, "2".to_owned()), 0.7),
            ((2, "1".to_owned()), 1.0),
        ]
        .into_iter()
        .collect();
        let model = train_from(&synthetic(1e7, 1e7), &EmOptions::default(), &start)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_recovers(&model, 2e-3);
        // Without random pairs (u estimated too) a chosen start replaces the ordered one.
        let mut no_random = synthetic(1e7, 0.0);
        no_random.random.clear();
        let guess: StartM = (0..3)
            .flat_map(|f| (0..3).map(move |l| ((f + 1, level_name(l)), [0.1, 0.2, 0.7][l])))
            .collect();
        let model =
            train_from(&no_random, &EmOptions::default(), &guess).unwrap_or_else(|e| panic!("{e}"));
        assert_recovers(&model, 5e-3);
        let bad: StartM = [((1, "0".to_owned()), -0.5)].into_iter().collect();
        let err = train_from(&synthetic(1e4, 1e4), &EmOptions::default(), &bad).unwrap_err();
        assert!(err.contains("must be a probability"), "{err}");
    }

    #[test]
    fn missing_levels_carry_no_evidence() {
        let mut counts = synthetic(1e6, 1e6);
        // Pairs where field 3 is missing: they must not change field 3's m or u.
        counts.add(
            vec![Some("2".into()), Some("2".into()), None],
            50_000,
            false,
        );
        let model = train(&counts, &EmOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let field3: Vec<&LevelParameters> = model.levels.iter().filter(|p| p.field == 3).collect();
        assert_eq!(field3.len(), 3);
        assert!((field3[2].m - 0.9).abs() < 5e-3, "{:?}", field3[2]);
    }

    #[test]
    fn same_counts_same_model_whatever_the_merge_order() {
        let all = synthetic(1e5, 1e5);
        let mut left = PatternCounts::default();
        let mut right = PatternCounts::default();
        for (i, (p, c)) in all.candidates.iter().enumerate() {
            if i % 2 == 0 {
                left.add(p.clone(), *c, false);
            } else {
                right.add(p.clone(), *c, false);
            }
        }
        for (p, c) in &all.random {
            right.add(p.clone(), *c, true);
        }
        let mut merged = right.clone();
        merged.merge(&left);
        let mut merged_other_way = left;
        merged_other_way.merge(&right);
        assert_eq!(merged, merged_other_way);
        let a = train(&merged, &EmOptions::default());
        let b = train(&all, &EmOptions::default());
        assert_eq!(a, b);
    }

    #[test]
    fn bad_inputs_are_explained() {
        let mut counts = PatternCounts::default();
        counts.add(vec![Some("exact".into())], 3, false);
        let err = train(&counts, &EmOptions::default()).unwrap_err();
        assert!(err.contains("integer levels"), "{err}");
        counts.add(vec![Some("exact".into()), None], 1, true);
        let err = train(&counts, &EmOptions::default()).unwrap_err();
        assert!(err.contains("same number of fields"), "{err}");
        let options = EmOptions {
            prior_match_proportion: 1.0,
            ..EmOptions::default()
        };
        let err = train(&synthetic(10.0, 10.0), &options).unwrap_err();
        assert!(err.contains("strictly between 0 and 1"), "{err}");
        let mut only_random = PatternCounts::default();
        only_random.add(vec![Some("1".into())], 3, true);
        let err = train(&only_random, &EmOptions::default()).unwrap_err();
        assert!(err.contains("no candidate pairs"), "{err}");
    }

    #[test]
    fn weight_is_log2_of_the_bayes_factor() {
        let p = LevelParameters {
            field: 1,
            level: "exact".into(),
            m: 0.8,
            u: 0.1,
        };
        assert!((p.weight() - 3.0).abs() < 1e-12);
    }
}
