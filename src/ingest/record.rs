//! What ingest records about itself: `raw.ingest_quarantine` (rows not loaded, with file, line,
//! column and reason) and `raw.ingest_log` (one line per file and run, with the counts).

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use chrono::{DateTime, Utc};

use super::{FileReport, Quarantined};
use crate::lake::write::TableWriter;
use crate::lake::{CommitMode, TableName};
use crate::session::{AmigoSession, root_message};

pub const QUARANTINE_TABLE: (&str, &str) = ("raw", "ingest_quarantine");
pub const LOG_TABLE: (&str, &str) = ("raw", "ingest_log");

fn timestamp() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Appends the file's quarantined rows, unless this file content was already quarantined for
/// this entity (a re-run of the same file quarantines the same rows).
pub async fn record_quarantine(
    session: &AmigoSession,
    report: &FileReport,
    ingest_id: &str,
    rows: &[Quarantined],
) -> Result<(), String> {
    let name = TableName::new(QUARANTINE_TABLE.0, QUARANTINE_TABLE.1);
    let exists = session
        .context()
        .table_exist(name.to_string().as_str())
        .unwrap_or(false);
    // The first ingest creates the table, empty or not, so that it can always be queried.
    if rows.is_empty() && exists {
        return Ok(());
    }
    if exists {
        let sql = format!(
            "SELECT count(*) FROM {name} WHERE file_hash = '{}' AND source = '{}' AND entity = '{}'",
            report.file_hash,
            report.source.replace('\'', "''"),
            report.entity.replace('\'', "''")
        );
        let batches = session
            .context()
            .sql(&sql)
            .await
            .map_err(|e| root_message(&e))?
            .collect()
            .await
            .map_err(|e| root_message(&e))?;
        let already = batches
            .first()
            .and_then(|b| b.column(0).as_any().downcast_ref::<Int64Array>())
            .is_some_and(|c| c.value(0) > 0);
        if already {
            return Ok(());
        }
    }
    let n = rows.len();
    let schema = Arc::new(Schema::new(vec![
        Field::new("ingest_id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("entity", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("file_hash", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("column", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("record", DataType::Utf8, false),
        Field::new("quarantined_at", timestamp(), false),
    ]));
    let now = Utc::now().timestamp_micros();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![ingest_id; n])),
        Arc::new(StringArray::from(vec![report.source.as_str(); n])),
        Arc::new(StringArray::from(vec![report.entity.as_str(); n])),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.file))),
        Arc::new(StringArray::from(vec![report.file_hash.as_str(); n])),
        Arc::new(Int64Array::from_iter_values(
            rows.iter().map(|r| r.line as i64),
        )),
        Arc::new(StringArray::from_iter(
            rows.iter().map(|r| r.column.as_deref()),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| &r.reason),
        )),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| &r.record),
        )),
        Arc::new(TimestampMicrosecondArray::from(vec![now; n]).with_timezone("UTC")),
    ];
    append(
        session,
        &name,
        RecordBatch::try_new(schema, columns).map_err(|e| e.to_string())?,
    )
    .await
}

/// Appends the run's line to `raw.ingest_log`.
pub async fn record_log(
    session: &AmigoSession,
    report: &FileReport,
    ingest_id: &str,
    started_at: DateTime<Utc>,
) -> Result<(), String> {
    let name = TableName::new(LOG_TABLE.0, LOG_TABLE.1);
    let schema = Arc::new(Schema::new(vec![
        Field::new("ingest_id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("entity", DataType::Utf8, false),
        Field::new("table_name", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("file_hash", DataType::Utf8, false),
        Field::new("started_at", timestamp(), false),
        Field::new("finished_at", timestamp(), false),
        Field::new("rows_read", DataType::Int64, false),
        Field::new("rows_loaded", DataType::Int64, false),
        Field::new("rows_updated", DataType::Int64, false),
        Field::new("rows_unchanged", DataType::Int64, false),
        Field::new("rows_quarantined", DataType::Int64, false),
        Field::new("seconds", DataType::Float64, false),
        Field::new("rows_per_second", DataType::Float64, false),
        Field::new("table_version", DataType::Int64, true),
        Field::new("notes", DataType::Utf8, true),
        // Last, so lakes whose log predates it still read (the column is NULL there).
        Field::new("rows_suppressed", DataType::Int64, true),
    ]));
    let int = |v: u64| Arc::new(Int64Array::from(vec![v as i64])) as ArrayRef;
    let text = |v: &str| Arc::new(StringArray::from(vec![v])) as ArrayRef;
    let time = |t: DateTime<Utc>| {
        Arc::new(TimestampMicrosecondArray::from(vec![t.timestamp_micros()]).with_timezone("UTC"))
            as ArrayRef
    };
    let notes = (!report.notes.is_empty()).then(|| report.notes.join("\n"));
    let columns: Vec<ArrayRef> = vec![
        text(ingest_id),
        text(&report.source),
        text(&report.entity),
        text(&report.table),
        text(&report.file),
        text(&report.file_hash),
        time(started_at),
        time(Utc::now()),
        int(report.rows_read),
        int(report.loaded),
        int(report.updated),
        int(report.unchanged),
        int(report.quarantined),
        Arc::new(Float64Array::from(vec![report.seconds])),
        Arc::new(Float64Array::from(vec![report.rows_per_second()])),
        Arc::new(Int64Array::from(vec![report.version.map(|v| v as i64)])),
        Arc::new(StringArray::from(vec![notes])),
        int(report.suppressed),
    ];
    append(
        session,
        &name,
        RecordBatch::try_new(schema, columns).map_err(|e| e.to_string())?,
    )
    .await
}

async fn append(
    session: &AmigoSession,
    name: &TableName,
    batch: RecordBatch,
) -> Result<(), String> {
    let lake = session.lake().clone();
    let mut writer =
        TableWriter::new(lake.clone(), name.clone(), &batch.schema()).map_err(|e| e.to_string())?;
    if let Err(e) = writer.write(&batch).await {
        writer.abort().await;
        return Err(e.to_string());
    }
    let files = writer.finish().await.map_err(|e| e.to_string())?;
    let manifest = lake
        .commit(name, CommitMode::Append, "ingest", files)
        .await
        .map_err(|e| format!("recording in {name}: {e}"))?;
    session
        .table_committed(name, manifest)
        .await
        .map_err(|e| root_message(&e))
}
