//! `amigo bench serve`: the Flight SQL server measured with real clients, against the real server
//! started in this process on a free port.
//!
//! - export: a 10M-row table read through the server by the ADBC driver, by pyarrow's Flight
//!   client and by the Rust client, against pyarrow reading the same Parquet files locally
//!   ([`export`]);
//! - lookup: a prepared point lookup (by email by default; the statement is a parameter, so the
//!   same harness measures the 360° view) executed one at a time: p50/p99 latency ([`lookup`]);
//! - concurrency: many clients at once running that lookup: errors, queries/s, latency.
//!
//! The lake is built from the generator's seed data ([`lake`]) and reused between runs.

pub mod client;
pub mod export;
pub mod lake;
pub mod lookup;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tokio::sync::oneshot;

use crate::bench::{BenchError, ensure_generated};
use crate::serve::{ServeConfig, Server};
use export::ExportReport;
use lookup::{ConcurrencyReport, LookupReport};

/// The lookup measured by default: a customer record by the email as entered.
pub const DEFAULT_LOOKUP_SQL: &str = "SELECT * FROM raw.customer_records WHERE email = ?";
/// Its keys: emails spread over the whole table (ordered by a hash, not alphabetically).
pub const DEFAULT_KEYS_SQL: &str = "SELECT email FROM raw.customer_records \
     WHERE email IS NOT NULL ORDER BY md5(email) LIMIT 10000";

/// The parts of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Export,
    Lookup,
    Concurrency,
}

#[derive(Debug, Clone)]
pub struct ServeBenchConfig {
    /// Generated data (reused when it holds the same seed and size).
    pub data_dir: PathBuf,
    pub customers: u64,
    pub seed: u64,
    pub export_rows: u64,
    pub export_runs: usize,
    pub lookup_sql: String,
    pub keys_sql: String,
    pub lookups: usize,
    pub clients: usize,
    pub queries_per_client: usize,
    /// Write the server's audit log, as a deployed server does.
    pub audit: bool,
    pub parts: Vec<Part>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServeBenchReport {
    pub customers: u64,
    pub seed: u64,
    pub audit: bool,
    pub load_average: Option<String>,
    pub export: Option<ExportReport>,
    pub lookup: Option<LookupReport>,
    pub concurrency: Option<ConcurrencyReport>,
}

/// Builds (or reuses) the lake, starts the server on a free port, runs the parts asked for, and
/// stops the server.
pub async fn run_serve_bench(config: &ServeBenchConfig) -> Result<ServeBenchReport, BenchError> {
    let (dir, seed, customers) = (config.data_dir.clone(), config.seed, config.customers);
    let data = tokio::task::spawn_blocking(move || ensure_generated(&dir, seed, customers))
        .await
        .map_err(|e| BenchError::Data(format!("the generator stopped: {e}")))??;
    let lake = lake::ensure_lake(&data, customers, seed, config.export_rows).await?;

    let mut serve = ServeConfig::new(
        lake.dir.display().to_string(),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    );
    serve.audit = config.audit;
    let server = Server::bind(serve).await.map_err(BenchError::Data)?;
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    eprintln!("server listening on {addr}");

    let result = run_parts(config, addr, &lake, &data.inputs_dir()).await;
    let _ = stop.send(());
    match tokio::time::timeout(Duration::from_secs(60), task).await {
        Ok(Ok(Err(e))) => eprintln!("warning: the server stopped with an error: {e}"),
        Ok(Err(e)) => eprintln!("warning: the server task failed: {e}"),
        Err(_) => eprintln!("warning: the server did not stop within 60 s"),
        Ok(Ok(Ok(()))) => {}
    }
    result
}

async fn run_parts(
    config: &ServeBenchConfig,
    addr: SocketAddr,
    lake: &lake::BenchLake,
    work_dir: &std::path::Path,
) -> Result<ServeBenchReport, BenchError> {
    let mut report = ServeBenchReport {
        customers: config.customers,
        seed: config.seed,
        audit: config.audit,
        load_average: None,
        export: None,
        lookup: None,
        concurrency: None,
    };
    let wants = |part| config.parts.contains(&part);
    if wants(Part::Lookup) || wants(Part::Concurrency) {
        let keys = lookup::load_keys(addr, &config.keys_sql).await?;
        if wants(Part::Lookup) {
            eprintln!("{} lookups: {}", config.lookups, config.lookup_sql);
            report.lookup =
                Some(lookup::run_lookups(addr, &config.lookup_sql, &keys, config.lookups).await?);
        }
        if wants(Part::Concurrency) {
            eprintln!(
                "{} clients x {} lookups",
                config.clients, config.queries_per_client
            );
            report.concurrency = Some(
                lookup::run_concurrency(
                    addr,
                    &config.lookup_sql,
                    &keys,
                    config.clients,
                    config.queries_per_client,
                )
                .await?,
            );
        }
    }
    if wants(Part::Export) {
        report.export = Some(export::run_export(addr, lake, work_dir, config.export_runs).await?);
    }
    report.load_average = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "));
    Ok(report)
}

fn verdict(pass: bool) -> &'static str {
    if pass { "pass" } else { "FAIL" }
}

/// The report as tables.
pub fn render_report(report: &ServeBenchReport) -> String {
    let mut out = format!(
        "amigo bench serve: seed {} customers (seed {}), audit log {}, load average {}\n",
        report.customers,
        report.seed,
        if report.audit { "on" } else { "off" },
        report.load_average.as_deref().unwrap_or("unknown"),
    );
    if let Some(export) = &report.export {
        out.push_str(&format!(
            "\nexport: SELECT * FROM {} ({} rows, {} Parquet files, {:.0} MB on disk; \
             {:.0} MB of Arrow IPC on the wire), best of {}\n",
            export.table,
            export.rows,
            export.parquet_files,
            export.parquet_bytes as f64 / 1e6,
            export.wire_bytes as f64 / 1e6,
            export.runs
        ));
        out.push_str(&format!(
            "{:<8} {:>8} {:>12} {:>10} {:>9} {:>7} {:<6}  {}\n",
            "way", "seconds", "rows/s", "Arrow MB", "vs local", "target", "result", "how"
        ));
        for way in &export.ways {
            out.push_str(&format!(
                "{:<8} {:>8.2} {:>12.0} {:>10} {:>9} {:>7} {:<6}  {}\n",
                way.name,
                way.best_seconds,
                way.rows_per_second,
                way.arrow_bytes
                    .map_or("-".into(), |b| format!("{:.0}", b as f64 / 1e6)),
                way.ratio_to_local.map_or("-".into(), |r| format!("{r:.2}")),
                if way.ratio_to_local.is_some() {
                    format!("{:.2}", export::TARGET_RATIO)
                } else {
                    "-".into()
                },
                way.meets_target.map_or("-", verdict),
                way.what
            ));
        }
    }
    if let Some(lookup) = &report.lookup {
        out.push_str(&format!(
            "\nlookup: {} lookups of a prepared statement, one at a time ({} keys): {}\n",
            lookup.total.count, lookup.keys, lookup.sql
        ));
        out.push_str(&format!(
            "{:<26} {:>8} {:>8} {:>8} {:>8} {:>8}\n",
            "ms", "mean", "p50", "p90", "p99", "max"
        ));
        for (name, latency) in [
            ("total", &lookup.total),
            ("  bind + GetFlightInfo", &lookup.execute),
            ("  DoGet", &lookup.fetch),
        ] {
            out.push_str(&format!(
                "{:<26} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2}\n",
                name,
                latency.mean_ms,
                latency.p50_ms,
                latency.p90_ms,
                latency.p99_ms,
                latency.max_ms
            ));
        }
        out.push_str(&format!(
            "target p99 <= {:.0} ms: {}; lookups that found nothing: {}\n",
            lookup::TARGET_P99_MS,
            verdict(lookup.meets_target),
            lookup.not_found
        ));
    }
    if let Some(c) = &report.concurrency {
        out.push_str(&format!(
            "\nconcurrency: {} clients x {} executions of the lookup, each client on its own \
             connection\n",
            c.clients, c.queries_per_client
        ));
        out.push_str(&format!(
            "{} queries in {:.2} s = {:.0} queries/s; latency p50 {:.1} ms, p99 {:.1} ms, max \
             {:.1} ms; errors {} (target 0: {})\n",
            c.queries,
            c.seconds,
            c.queries_per_second,
            c.latency.p50_ms,
            c.latency.p99_ms,
            c.latency.max_ms,
            c.errors,
            verdict(c.meets_target)
        ));
        for sample in &c.error_samples {
            out.push_str(&format!("  error: {sample}\n"));
        }
    }
    out
}
