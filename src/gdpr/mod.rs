//! GDPR rights over the lake: access, portability, rectification and erasure, each a request
//! recorded in `unified.gdpr_requests` ([`requests`]), resolved to one unified customer
//! ([`subject`]), then executed:
//! - access and portability write a bundle ([`report`]);
//! - rectification appends an override (`unified.overrides`) that `sql/gdpr/01_overrides.sql`
//!   applies over survivorship on every `amigo resolve`;
//! - erasure, once approved by someone other than the requester, removes the person from
//!   every table and version ([`erase`]) and suppresses their identifiers ([`suppression`]).
//!
//! A request that cannot be carried out (unknown person, ambiguous identifier, erasure without
//! approval) is refused before anything is written.

pub mod erase;
pub mod matcher;
pub mod report;
pub mod requests;
pub mod sql;
pub mod subject;
pub mod suppression;

use std::path::Path;

use serde_json::json;

use crate::lake::Lake;
use crate::script::split_statements;
use crate::session::{AmigoSession, root_message};
use requests::{Kind, Request};
use subject::{Identifier, Subject};

const OVERRIDES_SQL: &str = include_str!("../../sql/gdpr/01_overrides.sql");

/// Golden-record fields a rectification may change (see sql/gdpr/01_overrides.sql).
pub const RECTIFIABLE_FIELDS: [&str; 13] = [
    "civility",
    "first_name",
    "last_name",
    "birth_date",
    "email",
    "phone_e164",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country_iso2",
    "preferred_language",
    "preferred_store_id",
];

pub async fn open_session(location: &str) -> Result<AmigoSession, String> {
    let lake = Lake::open(location).await.map_err(|e| e.to_string())?;
    AmigoSession::open(lake)
        .await
        .map_err(|e| format!("opening lake {location}: {}", root_message(&e)))
}

/// A correction asked for by a rectification.
#[derive(Debug, Clone)]
pub struct Correction {
    pub field: String,
    pub value: String,
}

/// Records a request after checking it names exactly one customer; returns its id.
pub async fn request(
    session: &AmigoSession,
    kind: Kind,
    identifier: &Identifier,
    correction: Option<&Correction>,
    requested_by: &str,
) -> Result<String, String> {
    match (kind, correction) {
        (Kind::Rectify, None) => {
            return Err("a rectify request needs --field and --value".to_owned());
        }
        (Kind::Rectify, Some(c)) if !RECTIFIABLE_FIELDS.contains(&c.field.as_str()) => {
            return Err(format!(
                "--field {:?} cannot be rectified (fields: {})",
                c.field,
                RECTIFIABLE_FIELDS.join(", ")
            ));
        }
        (Kind::Rectify, Some(_)) => {}
        (_, Some(_)) => return Err("--field and --value are for rectify requests".to_owned()),
        (_, None) => {}
    }
    let unified_id = subject::resolve(session, identifier).await?;
    requests::create(
        session,
        kind,
        identifier,
        &unified_id,
        correction.map(|c| c.field.as_str()),
        correction.map(|c| c.value.as_str()),
        requested_by,
    )
    .await
}

/// Executes a request; returns what was done, for the terminal. On a failure after checks
/// passed, the request is marked `failed` with the reason.
pub async fn execute(location: &str, request_id: &str, out: &Path) -> Result<String, String> {
    let session = open_session(location).await?;
    let request = requests::load(&session, request_id).await?;
    match request.status.as_str() {
        "executed" => return Err(format!("request {request_id} was already executed")),
        "failed" => {
            return Err(format!(
                "request {request_id} failed before; make a new request"
            ));
        }
        "approved" => {}
        _ if request.kind == Kind::Erase => {
            return Err(format!(
                "erasure request {request_id} is {}: it must be approved first (amigo gdpr \
                 approve {request_id} --by NAME); nothing was changed",
                request.status
            ));
        }
        _ => {}
    }
    let subject = Subject::load(&session, &request.unified_id).await?;
    let result = match request.kind {
        Kind::Access | Kind::Portability => bundle(&session, &request, &subject, out)
            .await
            .map(|(summary, outcome)| (summary, outcome, session)),
        Kind::Rectify => rectify(&session, &request)
            .await
            .map(|(summary, outcome)| (summary, outcome, session)),
        Kind::Erase => erase_and_rebuild(location, session, &request, &subject).await,
    };
    match result {
        Ok((summary, outcome, session)) => {
            requests::finish(&session, request_id, "executed", &outcome).await?;
            Ok(summary)
        }
        Err(e) => {
            // Best effort: the reason is what matters to the caller.
            if let Ok(session) = open_session(location).await {
                let _ = requests::finish(&session, request_id, "failed", &e).await;
            }
            Err(e)
        }
    }
}

async fn bundle(
    session: &AmigoSession,
    request: &Request,
    subject: &Subject,
    out: &Path,
) -> Result<(String, String), String> {
    let portable = request.kind == Kind::Portability;
    let matcher = subject
        .matcher(session, &[request.identifier.value().to_string()])
        .await?;
    let bundle = report::build(session, &request.request_id, subject, &matcher, portable).await?;
    let stem = format!("{}-{}", request.request_id, request.kind.name());
    let files = bundle.write(out, &stem, portable)?;
    let summary = format!(
        "{} report for {} written: {}",
        request.kind.name(),
        subject.unified_id,
        files.join(", ")
    );
    let outcome = json!({ "files": files }).to_string();
    Ok((summary, outcome))
}

async fn rectify(session: &AmigoSession, request: &Request) -> Result<(String, String), String> {
    let (Some(field), value) = (&request.field, &request.value) else {
        return Err(format!("request {} has no field", request.request_id));
    };
    // The overrides step creates unified.overrides when missing, and applies every override
    // to the golden records; run it around the new row.
    run_overrides(session).await?;
    sql::execute(
        session,
        &format!(
            "INSERT INTO unified.overrides VALUES ({}, {}, {}, {}, now(), {})",
            sql::lit(&request.unified_id),
            sql::lit(field),
            value
                .as_deref()
                .map(sql::lit)
                .unwrap_or_else(|| "NULL".to_string()),
            sql::lit(
                request
                    .approved_by
                    .as_deref()
                    .unwrap_or(&request.requested_by)
            ),
            sql::lit(&request.request_id),
        ),
    )
    .await?;
    run_overrides(session).await?;
    Ok((
        format!("{field} of {} corrected", request.unified_id),
        json!({ "field": field }).to_string(),
    ))
}

async fn run_overrides(session: &AmigoSession) -> Result<(), String> {
    for statement in split_statements(OVERRIDES_SQL) {
        sql::execute(session, &statement.sql)
            .await
            .map_err(|e| format!("sql/gdpr/01_overrides.sql:{}: {e}", statement.line))?;
    }
    Ok(())
}

async fn erase_and_rebuild(
    location: &str,
    session: AmigoSession,
    request: &Request,
    subject: &Subject,
) -> Result<(String, String, AmigoSession), String> {
    let matcher = subject
        .matcher(&session, &[request.identifier.value().to_string()])
        .await?;
    let outcome = erase::erase(&session, &request.request_id, subject, &matcher).await?;
    drop(session);
    // The unified tables and identity.* are rebuilt from what is left.
    let session = open_session(location).await?;
    crate::cli::resolve::resolve_all(&session)
        .await
        .map_err(|e| format!("erased, but rebuilding the unified tables failed: {e}"))?;
    let session = open_session(location).await?;
    let summary = format!(
        "erased: {} rows removed from {} tables ({} versions and {} files rewritten, {} scratch \
         tables deleted, {} identifiers suppressed); unified tables rebuilt",
        outcome.rows_removed,
        outcome.tables_changed,
        outcome.versions_rewritten,
        outcome.files_rewritten,
        outcome.scratch_tables_deleted,
        outcome.identifiers_suppressed
    );
    let outcome = serde_json::to_string(&outcome).map_err(|e| e.to_string())?;
    Ok((summary, outcome, session))
}
