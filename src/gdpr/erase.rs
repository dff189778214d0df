//! Erasure: the person's rows leave every table and every stored version of the lake.
//!
//! In order:
//! 1. their normalized emails and E.164 phones go, salted and hashed, to the suppression list
//!    (so a later ingest of the same exports skips them: see [`super::suppression`]);
//! 2. every table of every schema, dropped ones included, has its whole history rewritten
//!    without the rows that mention them ([`crate::lake::Lake::rewrite_history`]), except:
//!    `unified.gdpr_requests`, whose rows stay with the identifiers replaced by `[erased]` (the
//!    audit trail of the request itself), `audit.queries` (the server's query log), whose rows
//!    stay with each value naming the person replaced, the suppression list and its salt (hashes only), and
//!    the `identity` schema: scratch tables the pipeline rebuilds from `raw` on every run, which
//!    also hold values not tied to a record id (name frequencies), so all their versions are
//!    deleted; and the orders (`raw.orders`, `raw.order_lines`), kept for revenue statistics
//!    with the customer id replaced by `[erased]`;
//!    Before that, the audiences exported with them are noted in `marketing.pending_removals`
//!    (their unified id, which marketing tools hold as the subscriber key): the next `amigo
//!    export --diff` of each audience sends their removal, then forgets them. Recipients of
//!    personal data must be told of its erasure; this is the one place the id stays until then.
//! 3. the caller then re-runs the resolution pipeline, which rebuilds `identity.*` and the
//!    unified tables from what is left.
//!
//! Each file and manifest replacement is atomic, so a reader sees every version whole at every
//! moment; old files are deleted only once no manifest names them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow::array::RecordBatch;

use serde::Serialize;

use super::matcher::PersonMatcher;
use super::requests;
use super::subject::Subject;
use super::{sql, suppression};
use crate::session::AmigoSession;

/// Tables whose rows about the person stay, for revenue statistics, without what ties them to
/// the person: the named columns become `[erased]` (an order keeps its store, date and amounts;
/// its lines hold nothing personal and stay whole).
const KEPT_ANONYMIZED: [(&str, &[&str]); 2] = [
    ("raw.orders", &["customer_source_id"]),
    ("raw.order_lines", &[]),
];

/// The server's query log (`amigo serve`): who ran what, kept with the SQL texts that name the
/// person replaced by `[erased]`.
const AUDIT_LOG: &str = "audit.queries";

/// Audiences that held an erased person, until their next `--diff` export tells the tool.
const PENDING_REMOVALS: &str = "marketing.pending_removals";

/// The scratch schema rebuilt by `amigo resolve`.
const SCRATCH_SCHEMA: &str = "identity";

/// What an erasure did, recorded as the request's outcome: counts and table names only, never
/// the erased values.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ErasureOutcome {
    pub tables_scanned: u64,
    pub tables_changed: u64,
    pub versions_rewritten: u64,
    pub files_rewritten: u64,
    pub rows_removed: u64,
    /// Rows kept with their personal values replaced (orders, the request log).
    pub rows_anonymized: u64,
    pub orphan_files_deleted: u64,
    pub scratch_tables_deleted: u64,
    pub identifiers_suppressed: usize,
    /// Suppressed identifiers by kind (email, phone, record).
    pub suppressed_by_kind: BTreeMap<String, usize>,
    /// Per table changed: rows removed (or redacted, for the request log), versions and files
    /// rewritten.
    pub tables: BTreeMap<String, TableErasure>,
    /// Scratch tables deleted with their history, rebuilt by the resolution run.
    pub scratch_tables: Vec<String>,
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct TableErasure {
    /// Rows removed.
    pub rows: u64,
    /// Rows kept with their personal values replaced by `[erased]` (orders, the request log).
    pub rows_anonymized: u64,
    pub versions: u64,
    pub files: u64,
    pub orphan_files: u64,
}

/// Refuses an erasure that could not remove everything, before anything changes: a saved view
/// whose SQL names the person (`WHERE email = '...'`) is a lake file holding their data, and
/// only its owner can say what it should become.
pub async fn check_erasable(session: &AmigoSession, matcher: &PersonMatcher) -> Result<(), String> {
    let lake = session.lake();
    let contents = lake.contents().await.map_err(|e| e.to_string())?;
    let mut naming = Vec::new();
    for (schema, views) in &contents.views {
        for view in views {
            let sql = lake
                .read_view(schema, view)
                .await
                .map_err(|e| e.to_string())?;
            if matcher.mentions(&sql) {
                naming.push(format!("{schema}.{view}"));
            }
        }
    }
    if naming.is_empty() {
        return Ok(());
    }
    Err(format!(
        "the definition of view {} names the person: change or drop it (DROP VIEW ...), then \
         execute the erasure again; nothing was changed",
        naming.join(", ")
    ))
}

/// The audiences (segment and channel) whose latest export held the person.
async fn note_pending_removals(
    session: &AmigoSession,
    request_id: &str,
    unified_id: &str,
) -> Result<(), String> {
    if !session
        .context()
        .table_exist("marketing.export_snapshots")
        .unwrap_or(false)
    {
        return Ok(());
    }
    sql::execute(
        session,
        &format!(
            "CREATE TABLE IF NOT EXISTS {PENDING_REMOVALS} (segment VARCHAR NOT NULL, \
             channel VARCHAR NOT NULL, unified_id VARCHAR NOT NULL, request_id VARCHAR NOT NULL, \
             erased_at TIMESTAMP NOT NULL)"
        ),
    )
    .await?;
    sql::execute(
        session,
        &format!(
            "INSERT INTO {PENDING_REMOVALS} \
             WITH latest AS ( \
                 SELECT segment, channel, max(exported_at) AS exported_at \
                 FROM marketing.exports GROUP BY segment, channel) \
             SELECT DISTINCT x.segment, x.channel, s.unified_id, {request}, now() \
             FROM marketing.export_snapshots s \
             JOIN marketing.exports x ON x.export_id = s.export_id \
             JOIN latest l ON l.segment = x.segment AND l.channel = x.channel \
                          AND l.exported_at = x.exported_at \
             WHERE s.unified_id = {id}",
            request = sql::lit(request_id),
            id = sql::lit(unified_id),
        ),
    )
    .await
}

/// Steps 1 and 2 (see the module comment). The session is stale afterwards: open a new one.
pub async fn erase(
    session: &AmigoSession,
    request_id: &str,
    subject: &Subject,
    matcher: &PersonMatcher,
) -> Result<ErasureOutcome, String> {
    if matcher.is_empty() {
        return Err("internal: no identifier to erase".to_owned());
    }
    let mut outcome = ErasureOutcome::default();
    let salt = suppression::ensure(session).await?;
    let mut identifiers = subject.contact_identifiers(session).await?;
    // Their record ids too: a ticket, consent event or interaction names the customer record,
    // not the email.
    identifiers.extend(
        subject
            .record_ids
            .iter()
            .map(|record| ("record".to_owned(), record.clone())),
    );
    for (kind, _) in &identifiers {
        *outcome.suppressed_by_kind.entry(kind.clone()).or_default() += 1;
    }
    outcome.identifiers_suppressed =
        suppression::add(session, &salt, request_id, &identifiers).await?;

    note_pending_removals(session, request_id, &subject.unified_id).await?;

    let lake = session.lake().clone();
    let kept_as_is = [
        suppression::LIST_TABLE,
        suppression::SALT_TABLE,
        PENDING_REMOVALS,
    ];
    for name in lake.all_tables().await.map_err(|e| e.to_string())? {
        let qualified = name.to_string();
        if kept_as_is.contains(&qualified.as_str()) {
            continue;
        }
        outcome.tables_scanned += 1;
        if name.schema == SCRATCH_SCHEMA {
            lake.purge_table(&name)
                .await
                .map_err(|e| format!("deleting {name}: {e}"))?;
            outcome.scratch_tables_deleted += 1;
            outcome.scratch_tables.push(qualified);
            continue;
        }
        let kept_anonymized = KEPT_ANONYMIZED
            .iter()
            .find(|(table, _)| *table == qualified)
            .map(|(_, personal)| *personal);
        if kept_anonymized == Some(&[]) {
            // Nothing personal in its rows (order lines): kept whole.
            continue;
        }
        let anonymized = AtomicU64::new(0);
        let count = |changed: Option<RecordBatch>, rows: usize| {
            if changed.is_some() {
                anonymized.fetch_add(rows as u64, Ordering::Relaxed);
            }
            changed
        };
        // Audit trails keep their rows: the request log without the person's identifiers, the
        // server's query log with each SQL text that names them replaced.
        let personal: &[&str] = if qualified == requests::TABLE {
            &requests::PERSONAL_COLUMNS
        } else {
            &[]
        };
        let keep_redacted = |batch: &RecordBatch| {
            let changed = matcher.redact(batch, personal)?;
            Ok(count(changed, matcher.rows(batch).true_count()))
        };
        let anonymize = |batch: &RecordBatch| {
            let personal = kept_anonymized.unwrap_or(&[]);
            let changed = matcher.anonymize(batch, personal)?;
            Ok(count(changed, matcher.rows(batch).true_count()))
        };
        let drop = |batch: &RecordBatch| matcher.drop_rows(batch);
        let rewrite = if qualified == requests::TABLE || qualified == AUDIT_LOG {
            lake.rewrite_history(&lake, &name, &keep_redacted).await
        } else if kept_anonymized.is_some() {
            lake.rewrite_history(&lake, &name, &anonymize).await
        } else {
            lake.rewrite_history(&lake, &name, &drop).await
        }
        .map_err(|e| format!("erasing from {name}: {e}"))?;
        if rewrite.files + rewrite.orphans_deleted > 0 {
            outcome.tables_changed += 1;
            outcome.tables.insert(
                qualified,
                TableErasure {
                    rows: rewrite.rows_removed,
                    rows_anonymized: anonymized.load(Ordering::Relaxed),
                    versions: rewrite.versions,
                    files: rewrite.files,
                    orphan_files: rewrite.orphans_deleted,
                },
            );
        }
        outcome.versions_rewritten += rewrite.versions;
        outcome.files_rewritten += rewrite.files;
        outcome.rows_removed += rewrite.rows_removed;
        outcome.rows_anonymized += anonymized.load(Ordering::Relaxed);
        outcome.orphan_files_deleted += rewrite.orphans_deleted;
    }
    Ok(outcome)
}
