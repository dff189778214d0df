//! Who a request is about: an email, phone or id resolved to unified customers, and the
//! identifiers that find their rows anywhere in the lake.
//!
//! Emails and phones are compared normalized (`normalize_email`, `normalize_phone` to E.164,
//! with the record's country or France as the region), against every source record and the
//! golden records, so any spelling a source holds finds the person.

use std::collections::BTreeSet;

use super::matcher::PersonMatcher;
use super::sql::{collect, in_list, lit, table_exists, texts};
use crate::script::split_statements;
use crate::session::AmigoSession;

/// The lookup, kept as SQL a DPO can also run over the server (see the file).
const FIND_SUBJECT_SQL: &str = include_str!("../../sql/gdpr/find_subject.sql");

/// How a person is named in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    Email(String),
    Phone(String),
    /// A unified id, or a source record id (`cegid:C000102307`).
    Id(String),
}

impl Identifier {
    pub fn kind(&self) -> &'static str {
        match self {
            Identifier::Email(_) => "email",
            Identifier::Phone(_) => "phone",
            Identifier::Id(_) => "id",
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Identifier::Email(v) | Identifier::Phone(v) | Identifier::Id(v) => v,
        }
    }

    pub fn parse(kind: &str, value: &str) -> Result<Self, String> {
        match kind {
            "email" => Ok(Identifier::Email(value.to_string())),
            "phone" => Ok(Identifier::Phone(value.to_string())),
            "id" => Ok(Identifier::Id(value.to_string())),
            other => Err(format!("unknown identifier kind {other:?}")),
        }
    }
}

impl std::fmt::Display for Identifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind(), self.value())
    }
}

/// Checks the tables a lookup needs exist.
fn require_resolved(session: &AmigoSession) -> Result<(), String> {
    for table in [
        "raw.customer_records",
        "unified.customer_links",
        "unified.customers",
    ] {
        if !table_exists(session, table) {
            return Err(format!(
                "the lake has no {table}: run `amigo resolve` before GDPR requests"
            ));
        }
    }
    Ok(())
}

/// The one unified id an identifier names. No match and several matches are errors that say
/// so (with the ids, so the requester can pick one with `--id`).
pub async fn resolve(session: &AmigoSession, identifier: &Identifier) -> Result<String, String> {
    require_resolved(session)?;
    let value = lit(identifier.value());
    match identifier {
        Identifier::Email(_) => {
            let check = collect(session, &format!("SELECT normalize_email({value})")).await?;
            if texts(&check, 0)?.is_empty() {
                return Err(format!(
                    "--email {:?} is not an email address",
                    identifier.value()
                ));
            }
        }
        Identifier::Phone(_) => {
            let check = collect(session, &format!("SELECT normalize_phone({value}, 'FR')")).await?;
            if texts(&check, 0)?.is_empty() {
                return Err(format!(
                    "--phone {:?} is not a phone number (use E.164, +33612345678, or a French \
                     national number)",
                    identifier.value()
                ));
            }
        }
        Identifier::Id(_) => {}
    }
    // The query's only statement, with the identifier as a literal for $1.
    let Some(statement) = split_statements(FIND_SUBJECT_SQL).into_iter().next() else {
        return Err("internal: sql/gdpr/find_subject.sql holds no statement".to_owned());
    };
    let sql = statement.sql.replace("$1", &value);
    let ids: BTreeSet<String> = texts(&collect(session, &sql).await?, 0)?
        .into_iter()
        .collect();
    let ids: Vec<String> = ids.into_iter().collect();
    match ids.as_slice() {
        [] => Err(format!("no customer matches {identifier}")),
        [one] => Ok(one.clone()),
        several => Err(format!(
            "{identifier} is ambiguous: it matches {} customers ({}); name one with --id",
            several.len(),
            several.join(", ")
        )),
    }
}

/// A resolved person: their unified id and source records.
#[derive(Debug, Clone)]
pub struct Subject {
    pub unified_id: String,
    /// `source_system:source_id` of every source record linked to them.
    pub record_ids: Vec<String>,
}

impl Subject {
    pub async fn load(session: &AmigoSession, unified_id: &str) -> Result<Self, String> {
        require_resolved(session)?;
        let batches = collect(
            session,
            &format!(
                "SELECT record_id FROM unified.customer_links WHERE unified_id = {} ORDER BY record_id",
                lit(unified_id)
            ),
        )
        .await?;
        let record_ids = texts(&batches, 0)?;
        if record_ids.is_empty() {
            return Err(format!(
                "customer {unified_id} is no longer in unified.customer_links (merged or erased?)"
            ));
        }
        Ok(Self {
            unified_id: unified_id.to_string(),
            record_ids,
        })
    }

    /// The SQL condition "this source record is theirs", over a table with `source_system`
    /// and the given source id column.
    pub fn owns_record(&self, id_column: &str) -> String {
        format!(
            "source_system || ':' || {id_column} IN {}",
            in_list(&self.record_ids)
        )
    }

    /// Every identifier of the person the lake holds: ids, record ids, emails and phones (as
    /// stored and normalized), order ids. Ids and contacts are also looked for inside texts.
    pub async fn matcher(
        &self,
        session: &AmigoSession,
        also: &[String],
    ) -> Result<PersonMatcher, String> {
        let mut exact: Vec<String> = Vec::new();
        let mut contained: Vec<String> = also.to_vec();
        contained.push(self.unified_id.clone());
        contained.extend(self.record_ids.iter().cloned());
        let owned = self.owns_record("source_id");
        let region = "coalesce(normalize_country(country), 'FR')";
        let records = collect(
            session,
            &format!(
                "SELECT source_id, email, normalize_email(email), email_canonical(email), phone,
                        normalize_phone(phone, {region})
                 FROM raw.customer_records WHERE {owned}"
            ),
        )
        .await?;
        for column in 0..6 {
            for value in texts(&records, column)? {
                // Short source ids (a number) are matched as whole fields only.
                if column == 0 && value.len() < 8 {
                    exact.push(value);
                } else {
                    contained.push(value);
                }
            }
        }
        let golden = collect(
            session,
            &format!(
                "SELECT email, phone_e164 FROM unified.customers WHERE unified_id = {}",
                lit(&self.unified_id)
            ),
        )
        .await?;
        contained.extend(texts(&golden, 0)?);
        contained.extend(texts(&golden, 1)?);
        if table_exists(session, "raw.orders") {
            let orders = collect(
                session,
                &format!(
                    "SELECT order_id FROM raw.orders WHERE {}",
                    self.owns_record("customer_source_id")
                ),
            )
            .await?;
            exact.extend(texts(&orders, 0)?);
        }
        Ok(PersonMatcher::new(exact, contained))
    }

    /// Normalized emails and E.164 phones, for the suppression list.
    pub async fn contact_identifiers(
        &self,
        session: &AmigoSession,
    ) -> Result<Vec<(String, String)>, String> {
        let owned = self.owns_record("source_id");
        let region = "coalesce(normalize_country(country), 'FR')";
        let sql = format!(
            "SELECT kind, CAST(value AS VARCHAR) AS value FROM (
                SELECT 'email' AS kind, normalize_email(email) AS value FROM raw.customer_records WHERE {owned}
                UNION SELECT 'phone', normalize_phone(phone, {region}) FROM raw.customer_records WHERE {owned}
                UNION SELECT 'email', normalize_email(email) FROM unified.customers WHERE unified_id = {id}
                UNION SELECT 'phone', phone_e164 FROM unified.customers WHERE unified_id = {id}
             ) WHERE value IS NOT NULL",
            id = lit(&self.unified_id)
        );
        let batches = collect(session, &sql).await?;
        let mut out: Vec<(String, String)> = texts(&batches, 0)?
            .into_iter()
            .zip(texts(&batches, 1)?)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }
}
