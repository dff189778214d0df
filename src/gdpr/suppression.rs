//! The suppression list: salted hashes of erased people's identifiers, so that a later ingest
//! of the same source export does not bring them back.
//!
//! `unified.suppression_list` holds one row per identifier (kind `email`: the normalized email;
//! `phone`: the E.164 number), as `sha256(salt 0x1f kind 0x1f value)` in hex: the list does not
//! say who was erased, but a row carrying the same identifier is recognised. The salt is drawn
//! once per lake and kept in `unified.suppression_salt`, so hashes from one lake mean nothing in
//! another.

use std::collections::HashSet;

use arrow::array::{Array, AsArray};
use sha2::{Digest, Sha256};

use amigo_udfs::email::normalize_email;
use amigo_udfs::phone::normalize_phone;

use crate::ingest::mapping::PersonRef;
use crate::session::{AmigoSession, Outcome, root_message};

pub const LIST_TABLE: &str = "unified.suppression_list";
pub const SALT_TABLE: &str = "unified.suppression_salt";

/// The identifiers a suppression list knows, loaded for ingest.
#[derive(Debug, Clone, Default)]
pub struct Suppression {
    salt: String,
    hashes: HashSet<String>,
}

impl Suppression {
    /// Loads the lake's list; an empty one when the lake never erased anyone.
    pub async fn load(session: &AmigoSession) -> Result<Self, String> {
        let ctx = session.context();
        if !ctx.table_exist(LIST_TABLE).unwrap_or(false)
            || !ctx.table_exist(SALT_TABLE).unwrap_or(false)
        {
            return Ok(Self::default());
        }
        let salt = read_salt(session).await?.unwrap_or_default();
        let mut hashes = HashSet::new();
        for batch in collect(session, &format!("SELECT hash FROM {LIST_TABLE}")).await? {
            let column = batch.column(0).as_string::<i32>();
            hashes.extend(column.iter().flatten().map(str::to_string));
        }
        Ok(Self { salt, hashes })
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// A list holding these identifiers (kind, value), as [`add`] would store them.
    pub fn from_identifiers(salt: &str, identifiers: &[(&str, &str)]) -> Self {
        Self {
            salt: salt.to_owned(),
            hashes: identifiers
                .iter()
                .map(|(kind, value)| salted_hash(salt, kind, value))
                .collect(),
        }
    }

    /// Whether an identifier of this kind (`email`, `phone`: E.164, `record`:
    /// `source_system:source_id`) is suppressed.
    pub fn contains(&self, kind: &str, value: &str) -> bool {
        !self.hashes.is_empty() && self.hashes.contains(&salted_hash(&self.salt, kind, value))
    }

    /// Whether a row as received (a JSON object of its values, or a line of text) holds a
    /// suppressed email or phone, or a suppressed record id when `person` says which system
    /// the row's ids are in. For rows ingest could not type (quarantined): each value is
    /// normalized here as the mappings' derived columns would have.
    pub fn mentioned_in(&self, row: &str, person: Option<&PersonRef>) -> bool {
        if self.hashes.is_empty() {
            return false;
        }
        let values = row_values(row);
        let systems: Vec<&str> = match person {
            Some(PersonRef {
                system: Some(system),
                ..
            }) => vec![system.as_str()],
            // The system is one of the row's values (a `source_system` column).
            Some(_) => values.iter().map(String::as_str).collect(),
            None => Vec::new(),
        };
        values.iter().any(|value| {
            let value = value.trim();
            if value.contains('@') {
                if let Some(email) = normalize_email(value)
                    && self.contains("email", &email)
                {
                    return true;
                }
            } else if value.bytes().filter(u8::is_ascii_digit).count() >= 6
                && PHONE_REGIONS.iter().any(|region| {
                    normalize_phone(value, Some(region))
                        .is_some_and(|phone| self.contains("phone", &phone))
                })
            {
                return true;
            }
            systems
                .iter()
                .any(|system| self.contains("record", &format!("{system}:{value}")))
        })
    }
}

/// Regions tried for a phone number written without its country code, in a row that could
/// not be typed (so without the row's country): the brand's markets.
const PHONE_REGIONS: [&str; 10] = ["FR", "GB", "US", "DE", "IT", "ES", "BE", "CH", "JP", "CN"];

/// The values of a row as received: the strings of a JSON object (nested ones too), or the
/// fields of a delimited line.
fn row_values(row: &str) -> Vec<String> {
    fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            other => out.push(other.to_string()),
        }
    }
    let mut out = Vec::new();
    if let Ok(value @ serde_json::Value::Object(_)) = serde_json::from_str(row) {
        strings(&value, &mut out);
        return out;
    }
    row.split([',', ';', '\t', '|', '"', '\n'])
        .map(str::to_owned)
        .collect()
}

/// `sha256(salt 0x1f kind 0x1f value)` as lowercase hex.
pub fn salted_hash(salt: &str, kind: &str, value: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt.as_bytes());
    hasher.update([0x1f]);
    hasher.update(kind.as_bytes());
    hasher.update([0x1f]);
    hasher.update(value.as_bytes());
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for byte in digest.iter() {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Creates the list and the lake's salt when missing; returns the salt.
pub async fn ensure(session: &AmigoSession) -> Result<String, String> {
    execute(
        session,
        &format!(
            "CREATE TABLE IF NOT EXISTS {LIST_TABLE} (
                hash       VARCHAR NOT NULL,
                kind       VARCHAR NOT NULL,
                request_id VARCHAR NOT NULL,
                added_at   TIMESTAMP NOT NULL
            )"
        ),
    )
    .await?;
    if session.context().table_exist(SALT_TABLE).unwrap_or(false)
        && let Some(salt) = read_salt(session).await?
    {
        return Ok(salt);
    }
    // Two random v4 uuids: 244 random bits from the OS generator.
    let salt = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    execute(
        session,
        &format!(
            "CREATE OR REPLACE TABLE {SALT_TABLE} AS SELECT '{salt}' AS salt, now() AS created_at"
        ),
    )
    .await?;
    Ok(salt)
}

/// Adds identifiers (kind, value) to the list, for a request.
pub async fn add(
    session: &AmigoSession,
    salt: &str,
    request_id: &str,
    identifiers: &[(String, String)],
) -> Result<usize, String> {
    let hashes: HashSet<(String, &str)> = identifiers
        .iter()
        .map(|(kind, value)| (salted_hash(salt, kind, value), kind.as_str()))
        .collect();
    if hashes.is_empty() {
        return Ok(0);
    }
    let rows: Vec<String> = hashes
        .iter()
        .map(|(hash, kind)| format!("('{hash}', '{kind}', '{request_id}', now())"))
        .collect();
    execute(
        session,
        &format!("INSERT INTO {LIST_TABLE} VALUES {}", rows.join(", ")),
    )
    .await?;
    Ok(hashes.len())
}

async fn read_salt(session: &AmigoSession) -> Result<Option<String>, String> {
    let batches = collect(session, &format!("SELECT salt FROM {SALT_TABLE} LIMIT 1")).await?;
    Ok(batches
        .first()
        .filter(|b| b.num_rows() > 0)
        .map(|b| b.column(0).as_string::<i32>())
        .filter(|c| c.is_valid(0))
        .map(|c| c.value(0).to_string()))
}

async fn execute(session: &AmigoSession, sql: &str) -> Result<(), String> {
    match session.execute(sql).await {
        Ok(Outcome::Done(_)) => Ok(()),
        Ok(Outcome::Rows(frame)) => frame
            .collect()
            .await
            .map(|_| ())
            .map_err(|e| root_message(&e)),
        Err(e) => Err(root_message(&e)),
    }
}

async fn collect(
    session: &AmigoSession,
    sql: &str,
) -> Result<Vec<arrow::array::RecordBatch>, String> {
    session
        .context()
        .sql(sql)
        .await
        .map_err(|e| root_message(&e))?
        .collect()
        .await
        .map_err(|e| root_message(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_depend_on_salt_kind_and_value() {
        let a = salted_hash("s1", "email", "ann@example.com");
        assert_eq!(a.len(), 64);
        assert_eq!(a, salted_hash("s1", "email", "ann@example.com"));
        assert_ne!(a, salted_hash("s2", "email", "ann@example.com"));
        assert_ne!(a, salted_hash("s1", "phone", "ann@example.com"));
        assert_ne!(a, salted_hash("s1", "email", "bob@example.com"));
        let list = Suppression {
            salt: "s1".into(),
            hashes: [a].into_iter().collect(),
        };
        assert!(list.contains("email", "ann@example.com"));
        assert!(!list.contains("email", "bob@example.com"));
    }

    #[test]
    fn quarantined_rows_are_recognised_by_any_spelling_and_by_record_id() {
        let list = Suppression::from_identifiers(
            "s",
            &[
                ("email", "ann.lee@example.com"),
                ("phone", "+33612345678"),
                ("record", "cegid:C42"),
            ],
        );
        assert!(list.mentioned_in(r#"{"EMAIL":" Ann.Lee@Example.COM ","X":"1"}"#, None));
        assert!(list.mentioned_in("C9;Lee;06 12 34 56 78;bad date", None));
        assert!(!list.mentioned_in("C9;Lee;06 12 34 56 79;bad date", None));
        let cegid = PersonRef {
            system: Some("cegid".into()),
            system_column: None,
            id: "code_client".into(),
        };
        assert!(list.mentioned_in(r#"{"CODE_CLIENT":"C42"}"#, Some(&cegid)));
        assert!(!list.mentioned_in(r#"{"CODE_CLIENT":"C42"}"#, None));
        let by_column = PersonRef {
            system: None,
            system_column: Some("source_system".into()),
            id: "customer_source_id".into(),
        };
        assert!(list.mentioned_in("cegid,EV1,C42,sms,oops", Some(&by_column)));
        assert!(!list.mentioned_in("shopify,EV1,C42,sms,oops", Some(&by_column)));
    }
}
