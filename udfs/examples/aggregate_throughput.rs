//! Rough throughput of the identity aggregates against DataFusion's built-in equivalents, on
//! the same generated rows in the same run (the machine is noisy: compare the ratios).
//!
//! `cargo run --release -p amigo-udfs --example aggregate_throughput -- [rows] [rows_per_group]`

use std::time::Instant;

use datafusion::error::Result;
use datafusion::prelude::SessionContext;

async fn time(ctx: &SessionContext, label: &str, sql: &str) -> Result<f64> {
    let start = Instant::now();
    let batches = ctx.sql(sql).await?.collect().await?;
    let seconds = start.elapsed().as_secs_f64();
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    println!("{label:<55} {seconds:>7.3} s  ({rows} result rows)");
    Ok(seconds)
}

#[tokio::main]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: u64 = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_200_000);
    let per_group: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let ctx = SessionContext::new();
    amigo_udfs::register_all(&ctx)?;
    ctx.sql(&format!(
        "CREATE TABLE records AS SELECT
           'U' || CAST(value / {per_group} AS VARCHAR) AS unified_id,
           CASE value % 3 WHEN 0 THEN 'cegid' WHEN 1 THEN 'shopify' ELSE 'web' END AS source,
           'R' || CAST(value AS VARCHAR) AS record_id,
           to_timestamp_seconds(1600000000 + (value * 7919) % 100000000) AS updated_at,
           CASE WHEN value % 11 = 0 THEN '' ELSE 'name' || CAST(value % 5000 AS VARCHAR) END AS first_name,
           CASE value % 3 WHEN 0 THEN 'opt_in' WHEN 1 THEN 'opt_out' ELSE 'pending_double_opt_in' END AS status,
           make_array(CAST(value % 3 AS VARCHAR), CAST(value % 4 AS VARCHAR), CAST((value / 7) % 2 AS VARCHAR)) AS levels,
           value % 5 = 0 AS is_random
         FROM generate_series(0, {rows} - 1)"
    ))
    .await?
    .collect()
    .await?;
    println!("{rows} rows, {per_group} per group");
    let builtin = time(
        &ctx,
        "first_value(named_struct(..) ORDER BY ts DESC) FILTER",
        "SELECT unified_id, first_value(named_struct('value', first_name, 'source', source, \
         'record_id', record_id, 'ts', updated_at) ORDER BY updated_at DESC, record_id) \
         FILTER (WHERE trim(first_name) <> '') FROM records GROUP BY unified_id",
    )
    .await?;
    let ours = time(
        &ctx,
        "survive_most_recent",
        "SELECT unified_id, survive_most_recent(first_name, source, record_id, updated_at) \
         FROM records GROUP BY unified_id",
    )
    .await?;
    println!("survive_most_recent / built-in: {:.2}", ours / builtin);
    time(
        &ctx,
        "survive_by_priority",
        "SELECT unified_id, survive_by_priority(first_name, source, record_id, updated_at) \
         FROM records GROUP BY unified_id",
    )
    .await?;
    time(
        &ctx,
        "survive_most_frequent",
        "SELECT unified_id, survive_most_frequent(first_name, source, record_id, updated_at) \
         FROM records GROUP BY unified_id",
    )
    .await?;
    time(
        &ctx,
        "consent_merge",
        "SELECT unified_id, consent_merge(status, source, updated_at) FROM records GROUP BY \
         unified_id",
    )
    .await?;
    time(
        &ctx,
        "fs_train over one row per pair",
        "SELECT fs_train(levels, 1, is_random) FROM records",
    )
    .await?;
    time(
        &ctx,
        "fs_train over patterns counted by GROUP BY",
        "SELECT fs_train(levels, n, is_random) FROM (SELECT levels, is_random, count(*) AS n \
         FROM records GROUP BY levels, is_random)",
    )
    .await?;
    time(
        &ctx,
        "fs_match_weight with a cross-joined model",
        "SELECT sum(fs_match_weight(r.levels, m.model)) FROM records r CROSS JOIN \
         (SELECT fs_train(levels, 1, is_random) AS model FROM records) m",
    )
    .await?;
    Ok(())
}
