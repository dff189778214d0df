//! The 360° lookup's stored index, built by `amigo resolve` as its last step.
//!
//! Running `customer_360.sql` for one key reads every order, line and consent event of the
//! lake (about 2 s at 1.2M customers), far from what a store associate waits for at the
//! counter. So the same statement is run once for all customers, and stored:
//!
//! - `serve.customer_360_profiles`: each customer's view (golden record, source records,
//!   orders with lines, consents, associate, store), sorted by unified id, in small pages so
//!   that one row is read without decoding its neighbours ([`TableWriter::for_point_reads`]);
//! - `serve.customer_360_keys`: every email, phone and unified id the lookup finds a customer
//!   by (`customer_360_keys.sql`);
//! - `serve.customer_360_built`: the version of every table the view was built from, and of the
//!   two tables above. The server answers from the index only while all those versions are
//!   still the current ones; after any change (an ingest, an opposition, an erasure) it runs
//!   the statement itself until the next `amigo resolve`, so a lookup never shows stale data.
//!
//! The view is built in slices of unified ids, [`CUSTOMERS_PER_SLICE`] customers each, so that
//! the memory a slice's aggregation holds stays bounded whatever the number of customers.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::dataframe::DataFrame;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use futures::StreamExt;

use super::{KEY_COLUMN, SQL};
use crate::cli::output::first_column_strings;
use crate::lake::{CommitMode, TableName, write::TableWriter};
use crate::serve::policy;
use crate::session::{AmigoSession, root_message};

/// The statement listing every lookup key.
pub const KEYS_SQL: &str = include_str!("../../../sql/serve/customer_360_keys.sql");
/// The schema of the stored index.
pub const SCHEMA: &str = "serve";
/// Each customer's view, without the columns that depend on the key looked up.
pub const PROFILES: &str = "customer_360_profiles";
/// Every lookup key and the customer it finds.
pub const KEYS: &str = "customer_360_keys";
/// The versions the index was built from.
pub const BUILT: &str = "customer_360_built";
/// The lookup's columns that depend on the key, computed at lookup time.
pub const PER_LOOKUP_COLUMNS: [&str; 3] = [KEY_COLUMN, "matched_by", "match_count"];

/// Customers per slice of the build.
const CUSTOMERS_PER_SLICE: usize = 100_000;

pub fn table(name: &str) -> TableName {
    TableName::new(SCHEMA, name)
}

/// What a build did, for the resolve step's report.
#[derive(Debug)]
pub struct BuildReport {
    pub customers: u64,
    pub keys: u64,
    pub slices: usize,
}

/// The lake tables the lookup statement reads.
pub async fn input_tables(session: &AmigoSession) -> Result<Vec<TableName>, String> {
    let plan = session
        .plan(SQL)
        .await
        .map_err(|e| format!("planning sql/serve/customer_360.sql: {}", root_message(&e)))?;
    Ok(scanned_tables(&plan))
}

fn scanned_tables(plan: &LogicalPlan) -> Vec<TableName> {
    let mut names = BTreeSet::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            let name = policy::resolve(&scan.table_name);
            names.insert(TableName::new(&name.schema, &name.table));
        }
        Ok(TreeNodeRecursion::Continue)
    });
    names.into_iter().collect()
}

/// Builds the index from the lake as it is now.
pub async fn build(session: &AmigoSession) -> Result<BuildReport, String> {
    let inputs = input_tables(session).await?;
    // The versions read, taken before reading: if one changes during the build, the index is
    // already stale when committed and the server will not use it.
    let mut built_from = Vec::with_capacity(inputs.len() + 2);
    for name in &inputs {
        let version = session
            .catalog()
            .table_version(name)
            .await
            .map_err(|e| root_message(&e))?
            .ok_or_else(|| format!("the 360° lookup reads {name}, which is not in the lake"))?;
        built_from.push((name.clone(), version));
    }
    session
        .execute(&format!("CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
        .await
        .map_err(|e| root_message(&e))?;

    let bounds = slice_bounds(session).await?;
    let (customers, profiles_version) = write_profiles(session, &bounds).await?;
    let (keys, keys_version) = write_keys(session).await?;
    built_from.push((table(PROFILES), profiles_version));
    built_from.push((table(KEYS), keys_version));
    write_built(session, &built_from).await?;
    Ok(BuildReport {
        customers,
        keys,
        slices: bounds.len(),
    })
}

/// The first unified id of each slice, in order.
async fn slice_bounds(session: &AmigoSession) -> Result<Vec<String>, String> {
    let sql = format!(
        "SELECT unified_id FROM (
             SELECT unified_id, row_number() OVER (ORDER BY unified_id) AS n
             FROM unified.customers)
         WHERE n % {CUSTOMERS_PER_SLICE} = 1
         ORDER BY unified_id"
    );
    let batches = session
        .context()
        .sql(&sql)
        .await
        .map_err(|e| root_message(&e))?
        .collect()
        .await
        .map_err(|e| format!("slicing unified.customers: {}", root_message(&e)))?;
    let mut bounds = first_column_strings(&batches)?;
    if bounds.is_empty() {
        // No customer: one empty slice still writes the table with its columns.
        bounds.push(String::new());
    }
    Ok(bounds)
}

async fn write_profiles(session: &AmigoSession, bounds: &[String]) -> Result<(u64, u64), String> {
    let name = table(PROFILES);
    let state = session.context().state();
    let plan_slice = |low: &str, high: Option<&str>| {
        let state = state.clone();
        let (low, high) = (low.to_owned(), high.map(str::to_owned));
        async move {
            let plan = state.create_logical_plan(SQL).await?;
            let plan = plan.with_param_values(ParamValues::from(vec![
                ScalarValue::Utf8(None),
                ScalarValue::Utf8(Some(low)),
                ScalarValue::Utf8(high),
            ]))?;
            let frame = DataFrame::new(state, plan);
            frame.drop_columns(&PER_LOOKUP_COLUMNS)
        }
    };
    let first = plan_slice("", None)
        .await
        .map_err(|e| format!("planning the 360° view: {}", root_message(&e)))?;
    let schema: Schema = first.schema().as_arrow().clone();
    let mut writer = TableWriter::new(session.lake().clone(), name.clone(), &schema)
        .map_err(|e| e.to_string())?
        .for_point_reads();
    let mut rows = 0u64;
    for (index, low) in bounds.iter().enumerate() {
        let started = Instant::now();
        let high = bounds.get(index + 1).map(String::as_str);
        let written = async {
            let frame = plan_slice(low, high).await?;
            write_frame(&mut writer, frame).await
        }
        .await;
        match written {
            Ok(slice_rows) => {
                rows += slice_rows;
                slice_progress(index, bounds.len(), slice_rows, started);
            }
            Err(e) => {
                writer.abort().await;
                return Err(format!(
                    "building the 360° view (slice {} of {}): {}",
                    index + 1,
                    bounds.len(),
                    root_message(&e)
                ));
            }
        }
    }
    let files = writer.finish().await.map_err(|e| e.to_string())?;
    let version = commit(session, &name, files).await?;
    Ok((rows, version))
}

/// A line per slice on standard error when there are several: a build at seed scale takes
/// minutes.
fn slice_progress(index: usize, slices: usize, rows: u64, started: Instant) {
    if slices > 1 {
        eprintln!(
            "      360° view slice {}/{slices}: {rows} customers in {:.1} s",
            index + 1,
            started.elapsed().as_secs_f64()
        );
    }
}

async fn write_keys(session: &AmigoSession) -> Result<(u64, u64), String> {
    let name = table(KEYS);
    let failed = |e: DataFusionError| {
        format!(
            "building {name} (sql/serve/customer_360_keys.sql): {}",
            root_message(&e)
        )
    };
    let frame = session.context().sql(KEYS_SQL).await.map_err(failed)?;
    let schema: Schema = frame.schema().as_arrow().clone();
    let mut writer = TableWriter::new(session.lake().clone(), name.clone(), &schema)
        .map_err(|e| e.to_string())?;
    let rows = match write_frame(&mut writer, frame).await {
        Ok(rows) => rows,
        Err(e) => {
            writer.abort().await;
            return Err(failed(e));
        }
    };
    let files = writer.finish().await.map_err(|e| e.to_string())?;
    Ok((rows, commit(session, &name, files).await?))
}

/// Runs a query into a table's writer; returns the rows written.
async fn write_frame(writer: &mut TableWriter, frame: DataFrame) -> Result<u64, DataFusionError> {
    let mut stream = frame.execute_stream().await?;
    let mut rows = 0u64;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        rows += batch.num_rows() as u64;
        writer.write(&batch).await?;
    }
    Ok(rows)
}

async fn write_built(
    session: &AmigoSession,
    built_from: &[(TableName, u64)],
) -> Result<(), String> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("table_name", DataType::Utf8, false),
        Field::new("version", DataType::Int64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(
                built_from.iter().map(|(name, _)| name.to_string()),
            )),
            Arc::new(Int64Array::from_iter_values(
                built_from.iter().map(|(_, version)| *version as i64),
            )),
        ],
    )
    .map_err(|e| e.to_string())?;
    let name = table(BUILT);
    let mut writer = TableWriter::new(session.lake().clone(), name.clone(), &schema)
        .map_err(|e| e.to_string())?;
    writer.write(&batch).await.map_err(|e| e.to_string())?;
    let files = writer.finish().await.map_err(|e| e.to_string())?;
    commit(session, &name, files).await?;
    Ok(())
}

async fn commit(
    session: &AmigoSession,
    name: &TableName,
    files: Vec<crate::lake::DataFile>,
) -> Result<u64, String> {
    let manifest = session
        .lake()
        .commit(name, CommitMode::Replace, "build 360° lookup", files)
        .await
        .map_err(|e| format!("committing {name}: {e}"))?;
    let version = manifest.version;
    session
        .table_committed(name, manifest)
        .await
        .map_err(|e| root_message(&e))?;
    Ok(version)
}
