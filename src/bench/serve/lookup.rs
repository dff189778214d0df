//! The store staff app's load: a prepared point lookup (by email, by default), executed one at a
//! time for its latency, then by many clients at once for errors and throughput.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use serde::Serialize;

use super::client::{Client, connect, lookup, query};
use crate::bench::BenchError;

/// Lookups must answer within this, at the 99th percentile.
pub const TARGET_P99_MS: f64 = 10.0;

/// Lookups run before timing starts (connection, caches).
const WARMUP: usize = 20;

/// Percentiles of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    pub count: usize,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub fn of(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least p% of the samples at or below it.
        let rank = |p: f64| {
            if ms.is_empty() {
                return f64::NAN;
            }
            let index = ((p / 100.0) * ms.len() as f64).ceil() as usize;
            ms[index.clamp(1, ms.len()) - 1]
        };
        Self {
            count: ms.len(),
            mean_ms: ms.iter().sum::<f64>() / ms.len().max(1) as f64,
            p50_ms: rank(50.0),
            p90_ms: rank(90.0),
            p99_ms: rank(99.0),
            max_ms: ms.last().copied().unwrap_or(f64::NAN),
        }
    }
}

/// The lookup keys: the first column of the keys query, one parameter row per key.
pub async fn load_keys(addr: SocketAddr, keys_sql: &str) -> Result<Vec<RecordBatch>, BenchError> {
    let mut client = connect(addr).await?;
    let batches = query(&mut client, keys_sql).await?;
    let mut keys = Vec::new();
    for batch in batches {
        let Some(column) = batch.columns().first() else {
            return Err(BenchError::Data(format!(
                "the keys query returns no column: {keys_sql}"
            )));
        };
        let single =
            RecordBatch::try_from_iter([(batch.schema().field(0).name(), column.clone())])?;
        keys.extend((0..single.num_rows()).map(|row| single.slice(row, 1)));
    }
    if keys.is_empty() {
        return Err(BenchError::Data(format!(
            "the keys query returns no row: {keys_sql}"
        )));
    }
    Ok(keys)
}

#[derive(Debug, Clone, Serialize)]
pub struct LookupReport {
    pub sql: String,
    pub keys: usize,
    /// Bind + execute + fetch, as the application sees it.
    pub total: Latency,
    /// Bind (`DoPut`) and `GetFlightInfo`: parsing and planning on the server.
    pub execute: Latency,
    /// `DoGet`: running the plan (the scan) and streaming the rows.
    pub fetch: Latency,
    /// Lookups that found no row (a key from the table should always find one).
    pub not_found: usize,
    pub meets_target: bool,
}

/// `lookups` executions of the prepared `sql`, one after the other on one connection, cycling
/// through `keys`.
pub async fn run_lookups(
    addr: SocketAddr,
    sql: &str,
    keys: &[RecordBatch],
    lookups: usize,
) -> Result<LookupReport, BenchError> {
    let mut client = connect(addr).await?;
    let mut statement = prepare(&mut client, sql).await?;
    let (mut total, mut execute, mut fetch) = (Vec::new(), Vec::new(), Vec::new());
    let mut not_found = 0;
    for i in 0..WARMUP + lookups {
        let key = keys[i % keys.len()].clone();
        let timed = lookup(&mut client, &mut statement, key)
            .await
            .map_err(|e| BenchError::Data(format!("lookup {i} of {sql}: {e}")))?;
        if i < WARMUP {
            continue;
        }
        total.push(timed.total());
        execute.push(timed.execute);
        fetch.push(timed.fetch);
        if timed.rows == 0 {
            not_found += 1;
        }
    }
    let _ = statement.close().await;
    let total = Latency::of(&total);
    Ok(LookupReport {
        sql: sql.to_owned(),
        keys: keys.len(),
        meets_target: total.p99_ms <= TARGET_P99_MS,
        total,
        execute: Latency::of(&execute),
        fetch: Latency::of(&fetch),
        not_found,
    })
}

async fn prepare(
    client: &mut Client,
    sql: &str,
) -> Result<arrow_flight::sql::client::PreparedStatement<tonic::transport::Channel>, BenchError> {
    client
        .prepare(sql.to_string(), None)
        .await
        .map_err(|e| BenchError::Data(format!("preparing {sql}: {e}")))
}

#[derive(Debug, Clone, Serialize)]
pub struct ConcurrencyReport {
    pub sql: String,
    pub clients: usize,
    pub queries_per_client: usize,
    pub queries: usize,
    pub errors: usize,
    /// The first few error messages, to tell what went wrong.
    pub error_samples: Vec<String>,
    /// From the first connection to the last result.
    pub seconds: f64,
    pub queries_per_second: f64,
    pub latency: Latency,
    pub meets_target: bool,
}

/// `clients` clients at once, each on its own connection, each preparing `sql` and executing it
/// `per_client` times with keys of its own.
pub async fn run_concurrency(
    addr: SocketAddr,
    sql: &str,
    keys: &[RecordBatch],
    clients: usize,
    per_client: usize,
) -> Result<ConcurrencyReport, BenchError> {
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for c in 0..clients {
        let sql = sql.to_owned();
        let keys: Vec<RecordBatch> = (0..per_client)
            .map(|i| keys[(c * per_client + i) % keys.len()].clone())
            .collect();
        tasks.push(tokio::spawn(
            async move { one_client(addr, &sql, keys).await },
        ));
    }
    let mut latencies = Vec::with_capacity(clients * per_client);
    let mut errors = 0;
    let mut error_samples = Vec::new();
    for task in tasks {
        let (times, failures) = task
            .await
            .map_err(|e| BenchError::Data(format!("a client task stopped: {e}")))?;
        latencies.extend(times);
        errors += failures.len();
        for failure in failures {
            if error_samples.len() < 5 {
                error_samples.push(failure);
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let queries = clients * per_client;
    Ok(ConcurrencyReport {
        sql: sql.to_owned(),
        clients,
        queries_per_client: per_client,
        queries,
        errors,
        error_samples,
        seconds,
        queries_per_second: (queries - errors.min(queries)) as f64 / seconds.max(f64::EPSILON),
        latency: Latency::of(&latencies),
        meets_target: errors == 0 && latencies.len() == queries,
    })
}

/// One client's run: the latencies of its successful queries, and a message per failed one (a
/// client that cannot connect or prepare fails all its queries).
async fn one_client(
    addr: SocketAddr,
    sql: &str,
    keys: Vec<RecordBatch>,
) -> (Vec<Duration>, Vec<String>) {
    let all_failed = |message: String| (Vec::new(), vec![message; keys.len()]);
    let mut client = match connect(addr).await {
        Ok(client) => client,
        Err(e) => return all_failed(e.to_string()),
    };
    let mut statement = match prepare(&mut client, sql).await {
        Ok(statement) => statement,
        Err(e) => return all_failed(e.to_string()),
    };
    let mut times = Vec::with_capacity(keys.len());
    let mut failures = Vec::new();
    for key in keys {
        match lookup(&mut client, &mut statement, key).await {
            Ok(timed) => times.push(timed.total()),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if let Err(e) = statement.close().await {
        failures.push(format!("closing the statement: {e}"));
    }
    (times, failures)
}
