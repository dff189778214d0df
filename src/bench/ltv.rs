//! `amigo bench ltv`: the BG/NBD + Gamma-Gamma fit on many customers, through SQL
//! (`bgnbd_fit`, `gamma_gamma_fit`), optionally against the Python lifetimes library on the
//! same customers.
//!
//! Customers are simulated from the models themselves, with CDNOW's published parameters and a
//! fixed seed, then summarised as the SQL pipeline does: first purchases spread over a 12-week
//! cohort, 39 weeks of observation, purchases on one day counted once, times in days / 7. The
//! fit finds parameters near the simulated ones, which the report shows; not equal even on 1M
//! customers, since merging same-day purchases leaves fewer purchases than the model drew.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, AsArray, Float64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Float64Type, Schema};
use datafusion::datasource::MemTable;
use datafusion::prelude::SessionContext;
use serde::Serialize;

use super::{BenchError, io_err, python_venv};
use crate::generate::rng::Rng;

const REQUIREMENTS: &str = include_str!("../../benches/ltv/requirements.txt");
const FIT_SCRIPT: &str = include_str!("../../benches/ltv/fit.py");

/// BG/NBD parameters of the simulation: CDNOW's (weeks).
pub const TRUE_BGNBD: [f64; 4] = [0.243, 4.414, 0.793, 2.426];
/// Gamma-Gamma parameters of the simulation: CDNOW's.
pub const TRUE_GAMMA_GAMMA: [f64; 3] = [6.25, 3.74, 15.44];
/// Days over which first purchases are spread, and days observed from the cohort's start.
const COHORT_DAYS: u64 = 84;
const OBSERVED_DAYS: u64 = 273;
/// Rows per batch of the in-memory table.
const BATCH_ROWS: usize = 65_536;

/// One simulated customer's summary (weeks).
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    pub frequency: f64,
    pub recency: f64,
    pub t: f64,
    pub monetary: f64,
}

#[derive(Debug, Serialize)]
pub struct FitReport {
    pub seconds: f64,
    pub bgnbd: [f64; 4],
    pub gamma_gamma: [f64; 3],
}

#[derive(Debug, Serialize)]
pub struct LtvReport {
    pub customers: usize,
    pub seed: u64,
    pub runs: usize,
    pub simulate_seconds: f64,
    /// Distinct (frequency, recency, T): what the BG/NBD aggregate keeps.
    pub distinct_summaries: usize,
    pub repeat_customers: usize,
    pub amigo: FitReport,
    pub lifetimes: Option<FitReport>,
}

/// A Gamma(shape, rate) draw (Marsaglia & Tsang; shapes below 1 boosted by U^(1/shape)).
fn gamma(rng: &mut Rng, shape: f64, rate: f64) -> f64 {
    if shape < 1.0 {
        let u = rng.f64().max(f64::MIN_POSITIVE);
        return gamma(rng, shape + 1.0, rate) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.f64();
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v / rate;
        }
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Rng) -> f64 {
    let u = 1.0 - rng.f64();
    let v = rng.f64();
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// `customers` summaries simulated from the BG/NBD and Gamma-Gamma models.
pub fn simulate(customers: usize, seed: u64) -> Vec<Summary> {
    let [r, alpha, a, b] = TRUE_BGNBD;
    let [p, q, gamma_scale] = TRUE_GAMMA_GAMMA;
    let mut rng = Rng::new(seed);
    let mut days: Vec<u64> = Vec::new();
    let mut spends: Vec<f64> = Vec::new();
    (0..customers)
        .map(|_| {
            let rate = gamma(&mut rng, r, alpha);
            let (ga, gb) = (gamma(&mut rng, a, 1.0), gamma(&mut rng, b, 1.0));
            let drop_out = ga / (ga + gb);
            let spend_rate = gamma(&mut rng, q, gamma_scale);
            let first_day = rng.below(COHORT_DAYS);
            // Purchase times in weeks from the first purchase; the first at 0.
            let horizon = (OBSERVED_DAYS - first_day) as f64 / 7.0;
            days.clear();
            spends.clear();
            days.push(0);
            spends.push(gamma(&mut rng, p, spend_rate));
            let mut time = 0.0;
            // A customer is active at their first purchase and may drop out after each repeat
            // purchase (the model's timing).
            let mut first = true;
            loop {
                if !first && rng.chance(drop_out) {
                    break;
                }
                first = false;
                time += -(1.0 - rng.f64()).ln() / rate;
                // A zero rate gives an infinite (or, 0 / 0, NaN) time: no purchase either way.
                if time >= horizon || time.is_nan() {
                    break;
                }
                let day = (time * 7.0).floor() as u64;
                let spend = gamma(&mut rng, p, spend_rate);
                // Purchases on one day count once, their spend summed.
                if days.last() == Some(&day) {
                    if let Some(last) = spends.last_mut() {
                        *last += spend;
                    }
                } else {
                    days.push(day);
                    spends.push(spend);
                }
            }
            let frequency = (days.len() - 1) as f64;
            let last_day = days.last().copied().unwrap_or(0);
            let monetary = if days.len() > 1 {
                spends[1..].iter().sum::<f64>() / frequency
            } else {
                0.0
            };
            Summary {
                frequency,
                recency: last_day as f64 / 7.0,
                t: (OBSERVED_DAYS - first_day) as f64 / 7.0,
                monetary,
            }
        })
        .collect()
}

fn record_batches(summaries: &[Summary]) -> Result<(Arc<Schema>, Vec<RecordBatch>), BenchError> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("frequency", DataType::Float64, false),
        Field::new("recency", DataType::Float64, false),
        Field::new("t", DataType::Float64, false),
        Field::new("monetary", DataType::Float64, false),
    ]));
    let mut batches = Vec::new();
    for chunk in summaries.chunks(BATCH_ROWS) {
        let column = |f: fn(&Summary) -> f64| -> Arc<dyn Array> {
            Arc::new(chunk.iter().map(f).collect::<Float64Array>())
        };
        batches.push(RecordBatch::try_new(
            schema.clone(),
            vec![
                column(|s| s.frequency),
                column(|s| s.recency),
                column(|s| s.t),
                column(|s| s.monetary),
            ],
        )?);
    }
    Ok((schema, batches))
}

/// Runs the two fits through SQL `runs` times; the best wall time is kept.
pub async fn run_amigo(summaries: &[Summary], runs: usize) -> Result<FitReport, BenchError> {
    let (schema, batches) = record_batches(summaries)?;
    // Two partitions: the machine's cores, and partial states that must merge.
    let half = batches.len().div_ceil(2).max(1);
    let partitions: Vec<Vec<RecordBatch>> = batches.chunks(half).map(<[_]>::to_vec).collect();
    let ctx = SessionContext::new();
    amigo_udfs::register_all(&ctx)?;
    ctx.register_table(
        "customers",
        Arc::new(MemTable::try_new(schema, partitions)?),
    )?;
    let sql = "SELECT bgnbd_fit(frequency, recency, t) AS b, \
               gamma_gamma_fit(CASE WHEN monetary > 0 THEN frequency END, monetary) AS g \
               FROM customers";
    let mut best: Option<FitReport> = None;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let result = ctx.sql(sql).await?.collect().await?;
        let seconds = started.elapsed().as_secs_f64();
        let batch = result
            .first()
            .ok_or_else(|| BenchError::Data("the fit returned no row".into()))?;
        let field = |column: usize, name: &str| -> Result<f64, BenchError> {
            let fit = batch.column(column).as_struct();
            let values = fit
                .column_by_name(name)
                .ok_or_else(|| BenchError::Data(format!("no field {name}")))?
                .as_primitive::<Float64Type>();
            if values.is_null(0) {
                return Err(BenchError::Data(format!("{name} is NULL")));
            }
            Ok(values.value(0))
        };
        let report = FitReport {
            seconds,
            bgnbd: [
                field(0, "r")?,
                field(0, "alpha")?,
                field(0, "a")?,
                field(0, "b")?,
            ],
            gamma_gamma: [field(1, "p")?, field(1, "q")?, field(1, "gamma")?],
        };
        if best.as_ref().is_none_or(|b| report.seconds < b.seconds) {
            best = Some(report);
        }
    }
    best.ok_or_else(|| BenchError::Data("no run".into()))
}

/// Writes the summaries as CSV for lifetimes.
fn write_csv(summaries: &[Summary], path: &Path) -> Result<(), BenchError> {
    let mut text = String::with_capacity(summaries.len() * 40);
    text.push_str("frequency,recency,T,monetary_value\n");
    for s in summaries {
        text.push_str(&format!(
            "{},{},{},{}\n",
            s.frequency, s.recency, s.t, s.monetary
        ));
    }
    std::fs::write(path, text).map_err(io_err(path))
}

/// Runs lifetimes (from PyPI, in `$HOME/.cache/amigo/ltv-bench-venv`) on the same customers.
pub fn run_lifetimes(
    summaries: &[Summary],
    dir: &Path,
    runs: usize,
) -> Result<FitReport, BenchError> {
    let python = python_venv("ltv-bench-venv", REQUIREMENTS)?;
    let csv = dir.join("customers.csv");
    write_csv(summaries, &csv)?;
    let script: PathBuf = dir.join("fit.py");
    std::fs::write(&script, FIT_SCRIPT).map_err(io_err(&script))?;
    eprintln!("running lifetimes on {} customers", summaries.len());
    let output = Command::new(&python)
        .arg(&script)
        .arg(&csv)
        .arg(runs.max(1).to_string())
        .output()
        .map_err(|e| BenchError::Python(format!("{}: {e}", python.display())))?;
    if !output.status.success() {
        return Err(BenchError::Python(format!(
            "fit.py failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| BenchError::Python(format!("fit.py printed no JSON: {e}")))?;
    let number = |path: &[&str]| -> Result<f64, BenchError> {
        let mut v = &value;
        for key in path {
            v = &v[*key];
        }
        v.as_f64()
            .ok_or_else(|| BenchError::Python(format!("fit.py: no {}", path.join("."))))
    };
    Ok(FitReport {
        seconds: number(&["seconds"])?,
        bgnbd: [
            number(&["bgnbd", "r"])?,
            number(&["bgnbd", "alpha"])?,
            number(&["bgnbd", "a"])?,
            number(&["bgnbd", "b"])?,
        ],
        gamma_gamma: [
            number(&["gamma_gamma", "p"])?,
            number(&["gamma_gamma", "q"])?,
            number(&["gamma_gamma", "v"])?,
        ],
    })
}

/// Counts what the report shows about the data.
pub fn describe(summaries: &[Summary]) -> (usize, usize) {
    let mut data = amigo_udfs::ltv::BgNbdData::default();
    for s in summaries {
        // Simulated summaries are valid by construction; a failure would only lower the count.
        let _ = data.add(s.frequency, s.recency, s.t, 1);
    }
    let repeat = summaries.iter().filter(|s| s.frequency > 0.0).count();
    (data.distinct(), repeat)
}

pub fn render_report(report: &LtvReport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "ltv fit: {} customers (seed {}), {} distinct (frequency, recency, T), {} repeat \
         customers; simulated in {:.2} s; best of {} runs\n\n",
        report.customers,
        report.seed,
        report.distinct_summaries,
        report.repeat_customers,
        report.simulate_seconds,
        report.runs
    ));
    out.push_str(&format!(
        "{:<10} {:>9}  {:>7} {:>7} {:>7} {:>7}  {:>7} {:>7} {:>7}\n",
        "", "seconds", "r", "alpha", "a", "b", "p", "q", "gamma"
    ));
    let row = |name: &str, seconds: Option<f64>, b: &[f64; 4], g: &[f64; 3]| {
        let seconds = seconds.map_or(String::new(), |s| format!("{s:.3}"));
        format!(
            "{name:<10} {seconds:>9}  {:>7.3} {:>7.3} {:>7.3} {:>7.3}  {:>7.3} {:>7.3} {:>7.3}\n",
            b[0], b[1], b[2], b[3], g[0], g[1], g[2]
        )
    };
    out.push_str(&row("simulated", None, &TRUE_BGNBD, &TRUE_GAMMA_GAMMA));
    out.push_str(&row(
        "amigo",
        Some(report.amigo.seconds),
        &report.amigo.bgnbd,
        &report.amigo.gamma_gamma,
    ));
    if let Some(lifetimes) = &report.lifetimes {
        out.push_str(&row(
            "lifetimes",
            Some(lifetimes.seconds),
            &lifetimes.bgnbd,
            &lifetimes.gamma_gamma,
        ));
        out.push_str(&format!(
            "\namigo is {:.1}x faster than lifetimes\n",
            lifetimes.seconds / report.amigo.seconds
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_summaries_are_valid_and_fit_back() {
        let summaries = simulate(20_000, 7);
        for s in &summaries {
            assert!(s.frequency >= 0.0 && s.recency <= s.t, "{s:?}");
            assert!(
                s.frequency == 0.0 || (s.recency > 0.0 && s.monetary > 0.0),
                "{s:?}"
            );
        }
        let fit =
            amigo_udfs::ltv::bgnbd_fit(summaries.iter().map(|s| (s.frequency, s.recency, s.t)))
                .unwrap_or_else(|e| panic!("{e}"))
                .unwrap_or_else(|| panic!("no fit"));
        // 20 000 customers pin r and alpha down to a few percent.
        assert!((fit.params.r / TRUE_BGNBD[0] - 1.0).abs() < 0.15, "{fit:?}");
        assert!(
            (fit.params.alpha / TRUE_BGNBD[1] - 1.0).abs() < 0.25,
            "{fit:?}"
        );
    }
}
