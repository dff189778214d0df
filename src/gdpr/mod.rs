//! GDPR rights over the lake: access, portability, rectification and erasure, each a request
//! recorded in `unified.gdpr_requests` ([`requests`]), resolved to one unified customer
//! ([`subject`]), then executed:
//! - access and portability write a bundle ([`report`]);
//! - rectification appends an override (`unified.overrides`) that `sql/gdpr/01_overrides.sql`
//!   applies over survivorship on every `amigo resolve`;
//! - erasure, once approved by someone other than the requester, removes the person from
//!   every table and version ([`erase`]) and suppresses their identifiers ([`suppression`]);
//! - opposition records opt-out events and rebuilds the consent tables at once.
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

/// Consent channels an opposition can name (`all`: every one), as in raw.consent_events.
pub const CHANNELS: [&str; 5] = ["email", "sms", "phone", "post", "analytics"];
/// Purposes an opposition can name; `marketing` when none is given.
pub const PURPOSES: [&str; 3] = ["marketing", "personalisation", "measurement"];

/// What a request asks beyond its kind and person.
#[derive(Debug, Clone, Default)]
pub struct Details {
    /// rectify: the field and its value.
    pub correction: Option<Correction>,
    /// oppose: the channel (a channel or `all`; default `all`).
    pub channel: Option<String>,
    /// oppose: the purpose (default `marketing`).
    pub purpose: Option<String>,
}

/// Checks what a request asks; returns the `field` and `value` stored with it.
fn check_details(
    kind: Kind,
    details: &Details,
) -> Result<(Option<String>, Option<String>), String> {
    let opposition = details.channel.is_some() || details.purpose.is_some();
    if kind != Kind::Oppose && opposition {
        return Err("--channel and --purpose are for oppose requests".to_owned());
    }
    match (kind, &details.correction) {
        (Kind::Rectify, None) => Err("a rectify request needs --field and --value".to_owned()),
        (Kind::Rectify, Some(c)) if !RECTIFIABLE_FIELDS.contains(&c.field.as_str()) => {
            Err(format!(
                "--field {:?} cannot be rectified (fields: {})",
                c.field,
                RECTIFIABLE_FIELDS.join(", ")
            ))
        }
        (Kind::Rectify, Some(c)) => Ok((Some(c.field.clone()), Some(c.value.clone()))),
        (_, Some(_)) => Err("--field and --value are for rectify requests".to_owned()),
        (Kind::Oppose, None) => {
            let channel = details.channel.as_deref().unwrap_or("all");
            if channel != "all" && !CHANNELS.contains(&channel) {
                return Err(format!(
                    "--channel {channel:?} is not a channel (channels: {}, or all)",
                    CHANNELS.join(", ")
                ));
            }
            let purpose = details.purpose.as_deref().unwrap_or("marketing");
            if !PURPOSES.contains(&purpose) {
                return Err(format!(
                    "--purpose {purpose:?} is not a purpose (purposes: {})",
                    PURPOSES.join(", ")
                ));
            }
            Ok((Some(channel.to_owned()), Some(purpose.to_owned())))
        }
        (_, None) => Ok((None, None)),
    }
}

/// Records a request after checking it names exactly one customer; returns its id.
pub async fn request(
    session: &AmigoSession,
    kind: Kind,
    identifier: &Identifier,
    details: &Details,
    requested_by: &str,
) -> Result<String, String> {
    if requested_by.trim().is_empty() {
        return Err("--by must name who records the request".to_owned());
    }
    let (field, value) = check_details(kind, details)?;
    let unified_id = subject::resolve(session, identifier).await?;
    requests::create(
        session,
        kind,
        identifier,
        &unified_id,
        field.as_deref(),
        value.as_deref(),
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
    if request.kind == Kind::Erase {
        // Refused before anything changes, so the request stays approved and can run later.
        let matcher = subject
            .matcher(&session, &[request.identifier.value().to_string()])
            .await?;
        erase::check_erasable(&session, &matcher).await?;
    }
    let result = match request.kind {
        Kind::Access | Kind::Portability => bundle(&session, &request, &subject, out)
            .await
            .map(|(summary, outcome)| (summary, outcome, session)),
        Kind::Rectify => rectify(&session, &request)
            .await
            .map(|(summary, outcome)| (summary, outcome, session)),
        Kind::Erase => erase_and_rebuild(location, session, &request, &subject).await,
        Kind::Oppose => oppose(&session, &request, &subject)
            .await
            .map(|(summary, outcome)| (summary, outcome, session)),
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

/// An opposition: one opt-out event per source record of the person and channel, in
/// raw.consent_events (collection point `gdpr_opposition`, the request id in the event id),
/// then the consent tables rebuilt, so every audience drops them at once. The history keeps
/// their earlier consents: "was this person contactable on date X" still answers for the past.
async fn oppose(
    session: &AmigoSession,
    request: &Request,
    subject: &Subject,
) -> Result<(String, String), String> {
    const EVENTS: &str = "raw.consent_events";
    if !sql::table_exists(session, EVENTS) {
        return Err(format!(
            "the lake has no {EVENTS}: an opposition is recorded there"
        ));
    }
    let channel = request.field.as_deref().unwrap_or("all");
    let channels: Vec<&str> = if channel == "all" {
        CHANNELS.to_vec()
    } else {
        vec![channel]
    };
    let purpose = request.value.as_deref().unwrap_or("marketing");
    let mut rows = Vec::new();
    for record in &subject.record_ids {
        let Some((system, source_id)) = record.split_once(':') else {
            return Err(format!(
                "record id {record:?} is not source_system:source_id"
            ));
        };
        for channel in &channels {
            rows.push(format!(
                "({}, {}, {}, {}, {}, 'opt_out', now(), 'gdpr_opposition')",
                sql::lit(system),
                sql::lit(&format!("GDPR-{}-{}", request.request_id, rows.len() + 1)),
                sql::lit(source_id),
                sql::lit(channel),
                sql::lit(purpose),
            ));
        }
    }
    sql::execute(
        session,
        &format!(
            "INSERT INTO {EVENTS} (source_system, event_id, customer_source_id, channel, purpose, \
             status, recorded_at, collection_point) VALUES {}",
            rows.join(", ")
        ),
    )
    .await?;
    crate::cli::resolve::run_consent(session)
        .await
        .map_err(|e| format!("opt-outs recorded, but rebuilding the consent tables failed: {e}"))?;
    Ok((
        format!(
            "{} opted out of {} ({}) on {} source record(s); consent state rebuilt",
            subject.unified_id,
            purpose,
            channels.join(", "),
            subject.record_ids.len()
        ),
        json!({ "channels": channels, "purpose": purpose, "events": rows.len() }).to_string(),
    ))
}

async fn run_overrides(session: &AmigoSession) -> Result<(), String> {
    ensure_correction_input(session).await?;
    for statement in split_statements(OVERRIDES_SQL) {
        sql::execute(session, &statement.sql)
            .await
            .map_err(|e| format!("sql/gdpr/01_overrides.sql:{}: {e}", statement.line))?;
    }
    Ok(())
}

/// The overrides step corrects `identity.customers_before_corrections`, the golden records
/// survivorship made; a lake resolved before that view existed gets it as `unified.customers`.
pub(crate) async fn ensure_correction_input(session: &AmigoSession) -> Result<(), String> {
    let exists = |table: &str| session.context().table_exist(table).unwrap_or(false);
    if exists("identity.customers_before_corrections") || !exists("unified.customers") {
        return Ok(());
    }
    session
        .execute(
            "CREATE VIEW identity.customers_before_corrections AS SELECT * FROM unified.customers",
        )
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "creating identity.customers_before_corrections: {}",
                root_message(&e)
            )
        })
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
        "erased: {} rows removed and {} anonymized in {} tables ({} versions and {} files \
         rewritten, {} scratch tables deleted, {} identifiers suppressed); unified tables rebuilt",
        outcome.rows_removed,
        outcome.rows_anonymized,
        outcome.tables_changed,
        outcome.versions_rewritten,
        outcome.files_rewritten,
        outcome.scratch_tables_deleted,
        outcome.identifiers_suppressed
    );
    let outcome = serde_json::to_string(&outcome).map_err(|e| e.to_string())?;
    Ok((summary, outcome, session))
}
