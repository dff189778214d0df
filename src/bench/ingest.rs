//! `amigo bench ingest`: end-to-end ingest throughput on the generator's native exports.
//!
//! The stores' exports (Cegid: stores, associates, clients, ticket lines), the web shop's
//! (Shopify: customers, order lines) and the web forms' sign-ups are ingested into a new lake,
//! as `amigo ingest` does it: reading, decoding, typing, comparing with the lake, writing
//! Parquet and committing. The figure is input rows per second over the whole run (wall
//! clock, all files). A second pass ingests the same files again, which reads and compares
//! everything and writes nothing: the cost of a daily feed that changed little.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use super::{BenchData, BenchError};
use crate::ingest::{FileReport, IngestOptions, ingest};
use crate::lake::Lake;
use crate::session::AmigoSession;

/// The target on the reference 2-core machine, from the ingest issue.
pub const TARGET_ROWS_PER_SECOND: f64 = 500_000.0;

/// Sources ingested, with their export directory under the generated data.
const INPUTS: &[(&str, &str)] = &[
    ("cegid", "native/cegid"),
    ("shopify", "native/shopify"),
    ("web", "native/web"),
];

#[derive(Debug, Clone, Serialize)]
pub struct IngestBenchReport {
    pub customers: u64,
    pub seed: u64,
    pub load: Pass,
    pub reload: Pass,
}

/// One pass over every input file.
#[derive(Debug, Clone, Serialize)]
pub struct Pass {
    pub rows: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
    pub files: Vec<FileLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileLine {
    pub source: String,
    pub entity: String,
    pub rows: u64,
    pub loaded: u64,
    pub unchanged: u64,
    pub quarantined: u64,
    pub seconds: f64,
    pub rows_per_second: f64,
}

impl From<&FileReport> for FileLine {
    fn from(r: &FileReport) -> Self {
        FileLine {
            source: r.source.clone(),
            entity: r.entity.clone(),
            rows: r.rows_read,
            loaded: r.loaded,
            unchanged: r.unchanged,
            quarantined: r.quarantined,
            seconds: r.seconds,
            rows_per_second: r.rows_per_second(),
        }
    }
}

/// Ingests the generated exports twice into a new lake at `lake_dir`.
pub async fn run_ingest_bench(
    data: &BenchData,
    lake_dir: &Path,
    customers: u64,
    seed: u64,
) -> Result<IngestBenchReport, BenchError> {
    let location = lake_dir.display().to_string();
    let lake = Lake::init(&location)
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?;
    let session = AmigoSession::open(lake).await?;
    let load = pass(&session, data).await?;
    let reload = pass(&session, data).await?;
    Ok(IngestBenchReport {
        customers,
        seed,
        load,
        reload,
    })
}

async fn pass(session: &AmigoSession, data: &BenchData) -> Result<Pass, BenchError> {
    let started = Instant::now();
    let mut files = Vec::new();
    for (source, dir) in INPUTS {
        let options = IngestOptions {
            source: (*source).to_owned(),
            entity: None,
            mappings: None,
            inputs: vec![data.native(dir).display().to_string()],
            progress: false,
        };
        let reports = ingest(session, &options, |r| eprintln!("{}", r.summary()))
            .await
            .map_err(BenchError::Data)?;
        files.extend(reports.iter().map(FileLine::from));
    }
    let seconds = started.elapsed().as_secs_f64();
    let rows = files.iter().map(|f| f.rows).sum();
    Ok(Pass {
        rows,
        seconds,
        rows_per_second: rows as f64 / seconds.max(f64::EPSILON),
        files,
    })
}

/// The report as a table.
pub fn render_report(report: &IngestBenchReport) -> String {
    let mut out = format!(
        "amigo bench ingest: {} customers (seed {}), target {:.0} rows/s\n\n",
        report.customers, report.seed, TARGET_ROWS_PER_SECOND
    );
    out.push_str(&format!(
        "{:<8} {:<14} {:>10} {:>9} {:>12}\n",
        "source", "entity", "rows", "seconds", "rows/s"
    ));
    for file in &report.load.files {
        out.push_str(&format!(
            "{:<8} {:<14} {:>10} {:>9.2} {:>12.0}\n",
            file.source, file.entity, file.rows, file.seconds, file.rows_per_second
        ));
    }
    for (name, pass) in [
        ("first load", &report.load),
        ("reload (nothing changed)", &report.reload),
    ] {
        let verdict = if pass.rows_per_second >= TARGET_ROWS_PER_SECOND {
            "meets"
        } else {
            "below"
        };
        out.push_str(&format!(
            "\n{name}: {} rows in {:.2} s = {:.0} rows/s ({verdict} the target)",
            pass.rows, pass.seconds, pass.rows_per_second
        ));
    }
    out.push('\n');
    out
}
