//! The audit log: one row per call that ran SQL or logged in, in the lake table `audit.queries`
//! (who, when, what, rows, bytes, how long, how it ended). Only `admin` can read it.
//!
//! Calls send their entry to a background task, which appends whatever has accumulated as one
//! commit every [`FLUSH_EVERY`] (a Parquet file per commit, not per query), and writes the rest
//! when the server stops.

use std::sync::Arc;
use std::time::Duration;

use arrow::array::{
    ArrayRef, Float64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
    UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, Utc};
use datafusion::error::DataFusionError;
use tokio::sync::mpsc;

use crate::lake::write::TableWriter;
use crate::lake::{CommitMode, TableName};
use crate::session::AmigoSession;

use super::policy::AUDIT_SCHEMA;

pub const AUDIT_TABLE: &str = "queries";
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// One audited call.
#[derive(Debug, Clone)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub user: String,
    pub role: String,
    /// `login`, `query`, `prepare`, `update`, `ingest`, `cancel`.
    pub action: &'static str,
    pub sql: Option<String>,
    pub rows: Option<u64>,
    pub bytes: Option<u64>,
    pub duration: Duration,
    /// `ok`, or the gRPC code name of the failure (`PermissionDenied`, `Cancelled` ...).
    pub outcome: String,
    pub error: Option<String>,
    pub peer: Option<String>,
}

#[derive(Clone)]
pub struct AuditLog {
    sender: Option<mpsc::UnboundedSender<Entry>>,
}

impl AuditLog {
    /// A log that drops entries (the server runs without one).
    pub fn disabled() -> Self {
        Self { sender: None }
    }

    /// Starts the writer task; it ends, after writing what is left, once every clone of the
    /// returned log is dropped.
    pub fn start(session: Arc<AmigoSession>) -> (Self, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let task = tokio::spawn(write_loop(session, receiver));
        (
            Self {
                sender: Some(sender),
            },
            task,
        )
    }

    pub fn record(&self, entry: Entry) {
        if let Some(sender) = &self.sender {
            // Fails only once the writer stopped, at shutdown.
            let _ = sender.send(entry);
        }
    }
}

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new(
            "at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("user_name", DataType::Utf8, true),
        Field::new("role", DataType::Utf8, true),
        Field::new("action", DataType::Utf8, true),
        Field::new("sql", DataType::Utf8, true),
        Field::new("rows", DataType::UInt64, true),
        Field::new("bytes", DataType::UInt64, true),
        Field::new("duration_ms", DataType::Float64, true),
        Field::new("outcome", DataType::Utf8, true),
        Field::new("error", DataType::Utf8, true),
        Field::new("peer", DataType::Utf8, true),
    ]))
}

pub fn to_batch(entries: &[Entry]) -> Result<RecordBatch, arrow::error::ArrowError> {
    let mut at = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut user = StringBuilder::new();
    let mut role = StringBuilder::new();
    let mut action = StringBuilder::new();
    let mut sql = StringBuilder::new();
    let mut rows = UInt64Builder::new();
    let mut bytes = UInt64Builder::new();
    let mut duration = Float64Builder::new();
    let mut outcome = StringBuilder::new();
    let mut error = StringBuilder::new();
    let mut peer = StringBuilder::new();
    for e in entries {
        at.append_value(e.at.timestamp_micros());
        user.append_value(&e.user);
        role.append_value(&e.role);
        action.append_value(e.action);
        sql.append_option(e.sql.as_deref());
        rows.append_option(e.rows);
        bytes.append_option(e.bytes);
        duration.append_value(e.duration.as_secs_f64() * 1000.0);
        outcome.append_value(&e.outcome);
        error.append_option(e.error.as_deref());
        peer.append_option(e.peer.as_deref());
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(at.finish()),
        Arc::new(user.finish()),
        Arc::new(role.finish()),
        Arc::new(action.finish()),
        Arc::new(sql.finish()),
        Arc::new(rows.finish()),
        Arc::new(bytes.finish()),
        Arc::new(duration.finish()),
        Arc::new(outcome.finish()),
        Arc::new(error.finish()),
        Arc::new(peer.finish()),
    ];
    RecordBatch::try_new(schema(), columns)
}

async fn write_loop(session: Arc<AmigoSession>, mut receiver: mpsc::UnboundedReceiver<Entry>) {
    let mut pending = Vec::new();
    let mut ticker = tokio::time::interval(FLUSH_EVERY);
    loop {
        tokio::select! {
            entry = receiver.recv() => match entry {
                Some(entry) => pending.push(entry),
                None => break,
            },
            _ = ticker.tick() => {
                if !pending.is_empty() {
                    flush(&session, &mut pending).await;
                }
            }
        }
    }
    if !pending.is_empty() {
        flush(&session, &mut pending).await;
    }
}

/// Appends the pending entries; on failure they are kept for the next attempt (and the reason
/// printed), so a transient store error loses nothing.
async fn flush(session: &AmigoSession, pending: &mut Vec<Entry>) {
    match append(session, pending).await {
        Ok(()) => pending.clear(),
        Err(e) => eprintln!(
            "warning: the audit log could not be written ({} entries kept for the next try): {}",
            pending.len(),
            crate::session::root_message(&e)
        ),
    }
}

async fn append(session: &AmigoSession, entries: &[Entry]) -> Result<(), DataFusionError> {
    let batch = to_batch(entries)?;
    let name = TableName::new(AUDIT_SCHEMA, AUDIT_TABLE);
    let stream = futures::stream::iter([Ok::<_, DataFusionError>(batch)]);
    let (manifest, _) = TableWriter::write_stream::<_, DataFusionError>(
        session.lake().clone(),
        name.clone(),
        &schema(),
        stream,
        CommitMode::Append,
        "audit",
    )
    .await?;
    session.table_committed(&name, manifest).await
}

/// Creates the audit schema and an empty audit table if the lake has none yet, so the table
/// can be queried from the start.
pub async fn ensure_table(session: &AmigoSession) -> Result<(), DataFusionError> {
    session
        .execute(&format!("CREATE SCHEMA IF NOT EXISTS {AUDIT_SCHEMA}"))
        .await?;
    let name = TableName::new(AUDIT_SCHEMA, AUDIT_TABLE);
    if session.lake().current_manifest(&name).await?.is_some() {
        return Ok(());
    }
    let empty = futures::stream::iter(Vec::<Result<RecordBatch, DataFusionError>>::new());
    let created = TableWriter::write_stream::<_, DataFusionError>(
        session.lake().clone(),
        name.clone(),
        &schema(),
        empty,
        CommitMode::Create,
        "create",
    )
    .await;
    match created {
        Ok((manifest, _)) => session.table_committed(&name, manifest).await,
        // Another server created it first: fine.
        Err(e)
            if matches!(e.find_root(), DataFusionError::External(inner)
            if matches!(inner.downcast_ref::<crate::lake::LakeError>(), Some(crate::lake::LakeError::TableExists(_)))) =>
        {
            Ok(())
        }
        Err(e) => Err(e),
    }
}
