//! `unified.gdpr_requests`: every request, its approval and its outcome, one row per request.
//!
//! A request is created `requested`; an erasure must be `approved` (by someone other than the
//! requester) before it can be executed; execution sets `executed` (or `failed`) with the time
//! and an outcome. After an erasure the row keeps its kind, actors, times and outcome, but the
//! identifier and ids are replaced by `[erased]`.

use arrow::array::{Array, AsArray, RecordBatch};

use super::sql::{collect, execute, lit, table_exists};
use super::subject::Identifier;
use crate::session::AmigoSession;

pub const TABLE: &str = "unified.gdpr_requests";

/// Columns of a request that hold the person's data: replaced by `[erased]` in every request
/// about a person when they are erased (the rest of the row is the audit trail).
pub const PERSONAL_COLUMNS: [&str; 3] = ["identifier", "unified_id", "value"];

/// The rights a request can exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A report of everything held about the person (Markdown and JSON)
    Access,
    /// The person's data as a JSON bundle and CSV files, to take elsewhere
    Portability,
    /// A correction of a golden-record field, kept over every later resolution
    Rectify,
    /// Removal of the person from every table and every stored version (needs approval)
    Erase,
    /// An objection to marketing: opt-out events on the given channel (default all), effective
    /// at once
    Oppose,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Access => "access",
            Kind::Portability => "portability",
            Kind::Rectify => "rectify",
            Kind::Erase => "erase",
            Kind::Oppose => "oppose",
        }
    }

    fn parse(name: &str) -> Result<Self, String> {
        match name {
            "access" => Ok(Kind::Access),
            "portability" => Ok(Kind::Portability),
            "rectify" => Ok(Kind::Rectify),
            "erase" => Ok(Kind::Erase),
            "oppose" => Ok(Kind::Oppose),
            other => Err(format!("unknown request kind {other:?} in {TABLE}")),
        }
    }
}

/// One request, as stored.
#[derive(Debug, Clone)]
pub struct Request {
    pub request_id: String,
    pub kind: Kind,
    pub identifier: Identifier,
    pub unified_id: String,
    /// For a rectification: the field and its new value.
    pub field: Option<String>,
    pub value: Option<String>,
    pub requested_by: String,
    pub status: String,
    pub approved_by: Option<String>,
}

async fn ensure_table(session: &AmigoSession) -> Result<(), String> {
    execute(
        session,
        &format!(
            "CREATE TABLE IF NOT EXISTS {TABLE} (
                request_id      VARCHAR NOT NULL,
                kind            VARCHAR NOT NULL,   -- access, portability, rectify, erase, oppose
                identifier_kind VARCHAR NOT NULL,   -- email, phone, id
                identifier      VARCHAR NOT NULL,   -- as given; [erased] after an erasure
                unified_id      VARCHAR NOT NULL,   -- whom it resolved to; [erased] after one
                field           VARCHAR,            -- rectify: the golden-record field; oppose: the channel
                value           VARCHAR,            -- rectify: its new value; oppose: the purpose
                requested_by    VARCHAR NOT NULL,
                requested_at    TIMESTAMP NOT NULL,
                status          VARCHAR NOT NULL,   -- requested, approved, executed, failed
                approved_by     VARCHAR,
                approved_at     TIMESTAMP,
                executed_at     TIMESTAMP,
                outcome         VARCHAR             -- what execution did (JSON), or why it failed
            )"
        ),
    )
    .await
}

/// Records a new request; returns its id.
pub async fn create(
    session: &AmigoSession,
    kind: Kind,
    identifier: &Identifier,
    unified_id: &str,
    field: Option<&str>,
    value: Option<&str>,
    requested_by: &str,
) -> Result<String, String> {
    ensure_table(session).await?;
    let request_id = format!(
        "R{}-{}",
        chrono::Utc::now().format("%Y%m%d"),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    );
    let optional = |v: Option<&str>| v.map(lit).unwrap_or_else(|| "NULL".to_string());
    execute(
        session,
        &format!(
            "INSERT INTO {TABLE} VALUES ({}, {}, {}, {}, {}, {}, {}, {}, now(), 'requested', \
             NULL, NULL, NULL, NULL)",
            lit(&request_id),
            lit(kind.name()),
            lit(identifier.kind()),
            lit(identifier.value()),
            lit(unified_id),
            optional(field),
            optional(value),
            lit(requested_by),
        ),
    )
    .await?;
    Ok(request_id)
}

pub async fn load(session: &AmigoSession, request_id: &str) -> Result<Request, String> {
    if !table_exists(session, TABLE) {
        return Err(format!("no request {request_id}: the lake has no {TABLE}"));
    }
    let batches = collect(
        session,
        &format!(
            "SELECT request_id, kind, identifier_kind, identifier, unified_id, field, value,
                    requested_by, status, approved_by
             FROM {TABLE} WHERE request_id = {}",
            lit(request_id)
        ),
    )
    .await?;
    let rows: Vec<&RecordBatch> = batches.iter().filter(|b| b.num_rows() > 0).collect();
    let Some(batch) = rows.first() else {
        return Err(format!("no request {request_id} in {TABLE}"));
    };
    let text = |i: usize| -> Option<String> {
        let column = batch.column(i).as_string::<i32>();
        column.is_valid(0).then(|| column.value(0).to_string())
    };
    let required = |i: usize, name: &str| {
        text(i).ok_or_else(|| format!("request {request_id} has no {name} in {TABLE}"))
    };
    Ok(Request {
        request_id: required(0, "request_id")?,
        kind: Kind::parse(&required(1, "kind")?)?,
        identifier: Identifier::parse(
            &required(2, "identifier_kind")?,
            &required(3, "identifier")?,
        )?,
        unified_id: required(4, "unified_id")?,
        field: text(5),
        value: text(6),
        requested_by: required(7, "requested_by")?,
        status: required(8, "status")?,
        approved_by: text(9),
    })
}

/// Approves a request: recorded with the approver and time. The requester cannot approve their
/// own request, and a request is approved once.
pub async fn approve(
    session: &AmigoSession,
    request_id: &str,
    by: &str,
) -> Result<Request, String> {
    if by.trim().is_empty() {
        return Err("--by must name who approves".to_owned());
    }
    let request = load(session, request_id).await?;
    if request.status != "requested" {
        return Err(format!(
            "request {request_id} is {}: only a requested one can be approved",
            request.status
        ));
    }
    if request.requested_by == by {
        return Err(format!(
            "request {request_id} was made by {by}: someone else must approve it"
        ));
    }
    execute(
        session,
        &format!(
            "UPDATE {TABLE} SET status = 'approved', approved_by = {}, approved_at = now() \
             WHERE request_id = {}",
            lit(by),
            lit(request_id)
        ),
    )
    .await?;
    load(session, request_id).await
}

/// Every request (or the open ones), oldest first, with `due_by`: one month after the request,
/// the time GDPR gives to answer (article 12(3)); `overdue` when an open request passed it.
pub async fn list(
    session: &AmigoSession,
    only_open: bool,
) -> Result<datafusion::dataframe::DataFrame, String> {
    if !table_exists(session, TABLE) {
        return Err(format!("no request yet: the lake has no {TABLE}"));
    }
    let filter = if only_open {
        "WHERE status IN ('requested', 'approved')"
    } else {
        ""
    };
    session
        .context()
        .sql(&format!(
            "SELECT request_id, kind, status, identifier_kind, identifier, unified_id,
                    requested_by, requested_at, approved_by, approved_at, executed_at,
                    requested_at + INTERVAL '1 month' AS due_by,
                    status IN ('requested', 'approved')
                      AND now() > requested_at + INTERVAL '1 month' AS overdue
             FROM {TABLE} {filter} ORDER BY requested_at, request_id"
        ))
        .await
        .map_err(|e| crate::session::root_message(&e))
}

/// Records the end of an execution: `executed` or `failed`, with the outcome.
pub async fn finish(
    session: &AmigoSession,
    request_id: &str,
    status: &str,
    outcome: &str,
) -> Result<(), String> {
    execute(
        session,
        &format!(
            "UPDATE {TABLE} SET status = {}, executed_at = now(), outcome = {} WHERE request_id = {}",
            lit(status),
            lit(outcome),
            lit(request_id)
        ),
    )
    .await
}
