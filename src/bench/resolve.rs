//! `amigo bench resolve`: identity resolution at seed scale, and Splink on the same records.
//!
//! Each run starts from a fresh lake holding only the generated `raw.customer_records` and
//! `raw.ground_truth` (loading them is not timed), then runs `amigo resolve` as a child process
//! so that its wall time and peak memory are its own. With `--splink`, Splink (DuckDB backend,
//! from PyPI) resolves the same Parquet file in a child process too, and both clusterings are
//! scored against the ground truth by the same SQL, here, so neither tool grades its own work.
//!
//! Then `amigo resolve --incremental` is timed on a batch of records: erased from
//! `raw.customer_records` (a run that takes them out of their customers), then loaded again (a
//! run that matches them as new records). Its accuracy after the second run is scored as the
//! full run's; the two should agree.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Float64Type, Int64Type};
use serde::Serialize;

use super::{BenchData, BenchError, io_err, python_venv};
use crate::lake::Lake;
use crate::script::split_statements;
use crate::session::{AmigoSession, Outcome, root_message};

const SPLINK_SCRIPT: &str = include_str!("../../benches/identity/splink_resolve.py");
const SPLINK_REQUIREMENTS: &str = include_str!("../../benches/identity/requirements.txt");
const ACCURACY_SQL: &str = include_str!("../../sql/quality/identity_accuracy.sql");

/// The tables a run starts from, copied from the generator's canonical Parquet.
const RAW_TABLES: &[&str] = &["customer_records", "ground_truth"];

/// Pairwise and cluster accuracy of a clustering `{clusters}` (record_id, cluster_id) against
/// raw.ground_truth: the same definitions as sql/quality/identity_accuracy.sql, for any tool.
const SCORE_SQL: &str = "
WITH labelled AS (
    SELECT c.record_id, c.cluster_id, g.person_id
    FROM {clusters} c
    JOIN raw.ground_truth g ON c.record_id = g.source_system || ':' || g.source_id
),
cells AS (
    SELECT
        cluster_id, person_id,
        count(*) OVER (PARTITION BY cluster_id, person_id) AS in_both,
        count(*) OVER (PARTITION BY cluster_id)            AS in_cluster,
        count(*) OVER (PARTITION BY person_id)             AS in_person
    FROM labelled
)
SELECT
    count(*)                                        AS records,
    count(DISTINCT cluster_id)                      AS clusters,
    max(in_cluster)                                 AS largest_cluster,
    CAST(sum(in_person - 1) / 2 AS BIGINT)          AS true_pairs,
    CAST(sum(in_cluster - 1) / 2 AS BIGINT)         AS predicted_pairs,
    CAST(sum(in_both - 1) / 2 AS BIGINT)            AS correct_pairs,
    avg(in_both * 1.0 / in_cluster)                 AS bcubed_precision,
    avg(in_both * 1.0 / in_person)                  AS bcubed_recall
FROM cells";

#[derive(Debug, Clone)]
pub struct ResolveBenchConfig {
    pub customers: u64,
    pub seed: u64,
    /// Also run Splink on the same records.
    pub splink: bool,
    /// Records taken out and put back for the incremental runs (0: none).
    pub incremental_batch: u64,
}

/// What one tool did on the records.
#[derive(Debug, Clone, Serialize)]
pub struct ToolRun {
    pub tool: String,
    pub seconds: f64,
    /// Peak resident memory of the tool's process, MiB.
    pub peak_memory_mib: f64,
    pub accuracy: Accuracy,
}

#[derive(Debug, Clone, Serialize)]
pub struct Accuracy {
    pub records: i64,
    pub clusters: i64,
    pub largest_cluster: i64,
    pub true_pairs: i64,
    pub predicted_pairs: i64,
    pub correct_pairs: i64,
    pub pairwise_precision: f64,
    pub pairwise_recall: f64,
    pub pairwise_f1: f64,
    pub bcubed_f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CorruptionRecall {
    pub corruption: String,
    pub true_pairs: i64,
    pub recall: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResolveReport {
    pub customers: u64,
    pub seed: u64,
    pub runs: Vec<ToolRun>,
    /// amigo's recall per kind of corruption (from `amigo evaluate`'s SQL).
    pub recall_by_corruption: Vec<CorruptionRecall>,
}

pub async fn run_resolve_bench(
    data: &BenchData,
    work: &Path,
    config: &ResolveBenchConfig,
) -> Result<ResolveReport, BenchError> {
    let lake_dir = work.join("lake");
    let session = load_lake(data, &lake_dir).await?;

    eprintln!("running amigo resolve on {} records", config.customers);
    let amigo = std::env::current_exe().map_err(|e| BenchError::Data(e.to_string()))?;
    let measured = run_measured(
        Command::new(&amigo)
            .arg("resolve")
            .arg("--lake")
            .arg(&lake_dir),
        "amigo resolve",
    )?;
    // The pipeline wrote the lake in another process: open it again to see its tables.
    drop(session);
    let session = open_session(&lake_dir).await?;
    let mut runs = vec![amigo_run("amigo".into(), &measured, &session).await?];
    let recall_by_corruption = recall_by_corruption(&session).await?;

    if config.splink {
        let python = python_venv("splink-venv", SPLINK_REQUIREMENTS)?;
        let script = work.join("splink_resolve.py");
        std::fs::write(&script, SPLINK_SCRIPT).map_err(io_err(&script))?;
        let clusters = work.join("splink_clusters.parquet");
        eprintln!("running Splink on the same records");
        let measured = run_measured(
            Command::new(python)
                .arg(&script)
                .arg(data.canonical("customer_records"))
                .arg(&clusters),
            "Splink",
        )?;
        session
            .execute(&format!(
                "CREATE EXTERNAL TABLE splink_clusters STORED AS PARQUET LOCATION '{}'",
                utf8(&clusters)?.replace('\'', "''")
            ))
            .await?;
        runs.push(ToolRun {
            tool: "splink".into(),
            seconds: measured.wall.as_secs_f64(),
            peak_memory_mib: measured.peak_memory_mib,
            accuracy: score(&session, "splink_clusters").await?,
        });
    }
    if config.incremental_batch > 0 {
        drop(session);
        runs.extend(incremental_runs(&amigo, &lake_dir, config.incremental_batch).await?);
    }
    Ok(ResolveReport {
        customers: config.customers,
        seed: config.seed,
        runs,
        recall_by_corruption,
    })
}

/// An amigo run, its clustering (unified ids) scored against the ground truth.
async fn amigo_run(
    tool: String,
    measured: &Measured,
    session: &AmigoSession,
) -> Result<ToolRun, BenchError> {
    Ok(ToolRun {
        tool,
        seconds: measured.wall.as_secs_f64(),
        peak_memory_mib: measured.peak_memory_mib,
        accuracy: score(
            session,
            "(SELECT record_id, unified_id AS cluster_id FROM unified.customer_links)",
        )
        .await?,
    })
}

/// The batch: the records whose hashed ids sort first.
const BATCH_SQL: &str = "CREATE OR REPLACE TABLE bench.incremental_batch AS
    SELECT * FROM raw.customer_records
    ORDER BY encode(sha256(source_system || ':' || source_id), 'hex') LIMIT {n}";
const TAKE_OUT_SQL: &str =
    "DELETE FROM raw.customer_records WHERE source_system || ':' || source_id
    IN (SELECT source_system || ':' || source_id FROM bench.incremental_batch)";
const PUT_BACK_SQL: &str = "INSERT INTO raw.customer_records SELECT * FROM bench.incremental_batch";

/// `amigo resolve --incremental` after `batch` records are erased, then after they come back.
async fn incremental_runs(
    amigo: &Path,
    lake_dir: &Path,
    batch: u64,
) -> Result<Vec<ToolRun>, BenchError> {
    let mut runs = Vec::new();
    let steps = [
        (
            vec![
                BATCH_SQL.replace("{n}", &batch.to_string()),
                TAKE_OUT_SQL.to_string(),
            ],
            format!("-{batch}"),
        ),
        (vec![PUT_BACK_SQL.to_string()], format!("+{batch}")),
    ];
    for (setup, label) in steps {
        let session = open_session(lake_dir).await?;
        session.execute("CREATE SCHEMA IF NOT EXISTS bench").await?;
        for sql in &setup {
            session.execute(sql).await?;
        }
        drop(session);
        eprintln!("running amigo resolve --incremental ({label} records)");
        let measured = run_measured(
            Command::new(amigo)
                .args(["resolve", "--incremental", "--lake"])
                .arg(lake_dir),
            "amigo resolve --incremental",
        )?;
        let session = open_session(lake_dir).await?;
        runs.push(amigo_run(format!("amigo {label}"), &measured, &session).await?);
    }
    Ok(runs)
}

async fn open_session(dir: &Path) -> Result<AmigoSession, BenchError> {
    let lake = Lake::open(utf8(dir)?)
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?;
    Ok(AmigoSession::open(lake).await?)
}

/// A new lake in `dir` with the generated raw tables.
async fn load_lake(data: &BenchData, dir: &Path) -> Result<AmigoSession, BenchError> {
    let lake = Lake::init(utf8(dir)?)
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?;
    let session = AmigoSession::open(lake).await?;
    for table in RAW_TABLES {
        let file = data.canonical(table);
        session
            .execute(&format!(
                "CREATE EXTERNAL TABLE generated_{table} STORED AS PARQUET LOCATION '{}'",
                utf8(&file)?.replace('\'', "''")
            ))
            .await?;
        session
            .execute(&format!(
                "CREATE TABLE raw.{table} AS SELECT * FROM generated_{table}"
            ))
            .await?;
    }
    Ok(session)
}

fn utf8(path: &Path) -> Result<&str, BenchError> {
    path.to_str()
        .ok_or_else(|| BenchError::Data(format!("{}: the path is not UTF-8", path.display())))
}

async fn query(session: &AmigoSession, sql: &str) -> Result<Vec<RecordBatch>, BenchError> {
    match session.execute(sql).await? {
        Outcome::Rows(frame) => Ok(frame.collect().await?),
        Outcome::Done(message) => Err(BenchError::Data(format!(
            "expected rows from the query, got: {message}"
        ))),
    }
}

async fn score(session: &AmigoSession, clusters: &str) -> Result<Accuracy, BenchError> {
    let batches = query(session, &SCORE_SQL.replace("{clusters}", clusters)).await?;
    let row = batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| BenchError::Data("the accuracy query returned no row".into()))?;
    let int = |i: usize| row.column(i).as_primitive::<Int64Type>().value(0);
    let float = |i: usize| row.column(i).as_primitive::<Float64Type>().value(0);
    let (true_pairs, predicted_pairs, correct_pairs) = (int(3), int(4), int(5));
    let precision = ratio(correct_pairs, predicted_pairs);
    let recall = ratio(correct_pairs, true_pairs);
    let (bcubed_precision, bcubed_recall) = (float(6), float(7));
    Ok(Accuracy {
        records: int(0),
        clusters: int(1),
        largest_cluster: int(2),
        true_pairs,
        predicted_pairs,
        correct_pairs,
        pairwise_precision: precision,
        pairwise_recall: recall,
        pairwise_f1: harmonic_mean(precision, recall),
        bcubed_f1: harmonic_mean(bcubed_precision, bcubed_recall),
    })
}

fn ratio(numerator: i64, denominator: i64) -> f64 {
    if denominator == 0 {
        0.0
    } else {
        numerator as f64 / denominator as f64
    }
}

fn harmonic_mean(a: f64, b: f64) -> f64 {
    if a + b == 0.0 {
        0.0
    } else {
        2.0 * a * b / (a + b)
    }
}

/// Runs `amigo evaluate`'s SQL and reads back this run's recall per corruption.
async fn recall_by_corruption(session: &AmigoSession) -> Result<Vec<CorruptionRecall>, BenchError> {
    for statement in split_statements(ACCURACY_SQL) {
        session.execute(&statement.sql).await.map_err(|e| {
            BenchError::Data(format!(
                "sql/quality/identity_accuracy.sql:{}: {}",
                statement.line,
                root_message(&e)
            ))
        })?;
    }
    let batches = query(
        session,
        "SELECT corruption, true_pairs, recall FROM unified.identity_recall_by_corruption
         WHERE evaluated_at = (SELECT max(evaluated_at) FROM unified.identity_recall_by_corruption)
         ORDER BY recall, corruption",
    )
    .await?;
    let mut rows = Vec::new();
    for batch in &batches {
        let names = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)?;
        let names = names.as_string::<i32>();
        let pairs = batch.column(1).as_primitive::<Int64Type>();
        let recall = batch.column(2).as_primitive::<Float64Type>();
        for i in 0..batch.num_rows() {
            rows.push(CorruptionRecall {
                corruption: names.value(i).to_owned(),
                true_pairs: pairs.value(i),
                recall: if recall.is_null(i) {
                    0.0
                } else {
                    recall.value(i)
                },
            });
        }
    }
    Ok(rows)
}

struct Measured {
    wall: Duration,
    peak_memory_mib: f64,
}

/// Runs `command` to completion, with its wall time and its own peak resident memory (from
/// `wait4`: the figure is the child's, not this process's nor another child's).
fn run_measured(command: &mut Command, what: &str) -> Result<Measured, BenchError> {
    let started = Instant::now();
    let child = command
        .spawn()
        .map_err(|e| BenchError::Data(format!("{what}: cannot start it: {e}")))?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| BenchError::Data(format!("{what}: process id out of range")))?;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet waited for (`Child` is not waited on or dropped
    // with a wait); `status` and `usage` are valid for writes.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    if waited != pid {
        return Err(BenchError::Data(format!(
            "{what}: waiting for it failed: {}",
            std::io::Error::last_os_error()
        )));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        return Err(BenchError::Data(format!(
            "{what} failed (wait status {status}); its messages are above"
        )));
    }
    Ok(Measured {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_memory_mib: usage.ru_maxrss as f64 / 1024.0,
    })
}

pub fn render_report(report: &ResolveReport) -> String {
    let mut out = format!(
        "identity resolution of {} generated customers (seed {})\n\n",
        report.customers, report.seed
    );
    out.push_str(
        "amigo -N / +N: `amigo resolve --incremental` after N records are erased, then loaded \
         again\n\n",
    );
    out.push_str(
        "tool         seconds  peak MiB  precision  recall    F1      B-cubed F1  clusters   largest\n",
    );
    for run in &report.runs {
        let a = &run.accuracy;
        out.push_str(&format!(
            "{:<12} {:>7.1}  {:>8.0}  {:>9.4}  {:>6.4}  {:>6.4}  {:>10.4}  {:>9}  {:>7}\n",
            run.tool,
            run.seconds,
            run.peak_memory_mib,
            a.pairwise_precision,
            a.pairwise_recall,
            a.pairwise_f1,
            a.bcubed_f1,
            a.clusters,
            a.largest_cluster
        ));
    }
    let run = |tool: &str| report.runs.iter().find(|r| r.tool == tool);
    if let (Some(amigo), Some(splink)) = (run("amigo"), run("splink")) {
        out.push_str(&format!(
            "\nSplink time / amigo time: {:.2}; F1 {:.4} vs {:.4}\n",
            splink.seconds / amigo.seconds,
            amigo.accuracy.pairwise_f1,
            splink.accuracy.pairwise_f1
        ));
    }
    out.push_str("\namigo recall per corruption (true pairs with a record so corrupted)\n");
    for row in &report.recall_by_corruption {
        out.push_str(&format!(
            "  {:<22} {:>8} pairs  recall {:.4}\n",
            row.corruption, row.true_pairs, row.recall
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_is_the_harmonic_mean_and_zero_safe() {
        assert!((harmonic_mean(1.0, 0.5) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(harmonic_mean(0.0, 0.0), 0.0);
        assert_eq!(ratio(3, 0), 0.0);
        assert_eq!(ratio(1, 4), 0.25);
    }
}
