//! Prepared statements: `?` and `$n` placeholders, parameter values bound through `DoPut`, and
//! the server-side registry of open statements.
//!
//! DataFusion understands `$1, $2, ...`; JDBC and ADBC send `?`. A statement using `?` is
//! rewritten to `$n` in textual order before planning (quotes, quoted identifiers and comments are
//! left alone). Parameter types are inferred where the statement fixes them (`id = ?` with an
//! integer `id`), otherwise they are taken from the values bound.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::logical_expr::LogicalPlan;
use tonic::Status;

/// Rewrites `?` placeholders to `$1, $2, ...` in order. A statement mixing both styles is refused.
pub fn number_placeholders(sql: &str) -> Result<String, String> {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 8);
    let mut question_marks = 0usize;
    let mut dollar_numbers = false;
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == quote {
                        // A doubled quote is an escaped quote inside the literal.
                        if bytes.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    if bytes[i] == b'\\' && quote == b'\'' {
                        i += 2;
                        continue;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'$' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                dollar_numbers = true;
                i += 1;
            }
            b'?' => {
                question_marks += 1;
                out.push_str(&sql[copied..i]);
                out.push_str(&format!("${question_marks}"));
                i += 1;
                copied = i;
            }
            _ => i += 1,
        }
    }
    if question_marks > 0 && dollar_numbers {
        return Err(
            "use either ? or $1, $2 ... placeholders in one statement, not both".to_string(),
        );
    }
    if question_marks == 0 {
        return Ok(sql.to_string());
    }
    out.push_str(&sql[copied.min(sql.len())..]);
    Ok(out)
}

/// The parameters of a planned statement, `$1 ... $n` in order, typed where the plan fixes the
/// type (`Null` where only the bound value will tell).
pub fn parameter_schema(plan: &LogicalPlan) -> datafusion::error::Result<Schema> {
    let fields = plan.get_parameter_fields()?;
    let mut numbered: Vec<(usize, String, DataType)> = fields
        .into_iter()
        .map(|(name, field)| {
            let index = name
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(usize::MAX);
            let data_type = field.map_or(DataType::Null, |f| f.data_type().clone());
            (index, name, data_type)
        })
        .collect();
    numbered.sort();
    Ok(Schema::new(
        numbered
            .into_iter()
            .map(|(_, name, data_type)| Field::new(name, data_type, true))
            .collect::<Vec<_>>(),
    ))
}

/// The values of row `row` of a bound parameter batch, as positional parameters. Values are cast
/// to the type the statement expects when it fixes one and the cast is possible.
pub fn row_values(
    batch: &RecordBatch,
    row: usize,
    expected: &Schema,
) -> Result<ParamValues, Status> {
    let mut values = Vec::with_capacity(batch.num_columns());
    for (i, column) in batch.columns().iter().enumerate() {
        let value = ScalarValue::try_from_array(column, row).map_err(|e| {
            Status::invalid_argument(format!("parameter {} cannot be read: {e}", i + 1))
        })?;
        let wanted = expected.fields().get(i).map(|f| f.data_type());
        let value = match wanted {
            Some(t) if t != &DataType::Null && t != &value.data_type() => {
                value.cast_to(t).unwrap_or(value)
            }
            _ => value,
        };
        values.push(value);
    }
    Ok(ParamValues::from(values))
}

/// An open prepared statement.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Who created it; nobody else can use it.
    pub owner: String,
    /// The statement, with `?` already numbered.
    pub sql: String,
    pub parameter_schema: SchemaRef,
    /// Bound parameter rows: the statement runs once per row.
    pub parameters: Option<RecordBatch>,
    last_used: Instant,
}

/// Open statements by handle. A statement unused for [`IDLE_LIMIT`] is closed, so clients that
/// never close theirs cannot grow the registry without bound.
pub struct Registry {
    statements: Mutex<HashMap<String, Prepared>>,
}

pub const IDLE_LIMIT: Duration = Duration::from_secs(3600);

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    pub fn new() -> Self {
        Self {
            statements: Mutex::new(HashMap::new()),
        }
    }

    pub fn open(&self, owner: &str, sql: String, parameter_schema: SchemaRef) -> String {
        let handle = uuid::Uuid::new_v4().simple().to_string();
        let now = Instant::now();
        let mut statements = self.lock();
        statements.retain(|_, p| now.duration_since(p.last_used) < IDLE_LIMIT);
        statements.insert(
            handle.clone(),
            Prepared {
                owner: owner.to_string(),
                sql,
                parameter_schema,
                parameters: None,
                last_used: now,
            },
        );
        handle
    }

    /// The statement `handle`, if it exists and belongs to `user`.
    pub fn get(&self, handle: &[u8], user: &str) -> Result<Prepared, Status> {
        let key = std::str::from_utf8(handle).map_err(|_| not_found())?;
        let mut statements = self.lock();
        let prepared = statements
            .get_mut(key)
            .filter(|p| p.owner == user)
            .ok_or_else(not_found)?;
        prepared.last_used = Instant::now();
        Ok(prepared.clone())
    }

    pub fn bind(&self, handle: &[u8], user: &str, parameters: RecordBatch) -> Result<(), Status> {
        let key = std::str::from_utf8(handle).map_err(|_| not_found())?;
        let mut statements = self.lock();
        let prepared = statements
            .get_mut(key)
            .filter(|p| p.owner == user)
            .ok_or_else(not_found)?;
        prepared.parameters = Some(parameters);
        prepared.last_used = Instant::now();
        Ok(())
    }

    pub fn close(&self, handle: &[u8], user: &str) -> Result<(), Status> {
        let key = std::str::from_utf8(handle).map_err(|_| not_found())?;
        let mut statements = self.lock();
        match statements.get(key) {
            Some(p) if p.owner == user => {
                statements.remove(key);
                Ok(())
            }
            _ => Err(not_found()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Prepared>> {
        self.statements.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn not_found() -> Status {
    Status::not_found("no such prepared statement (it was closed, expired, or is another user's)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_marks_are_numbered_in_order() {
        assert_eq!(
            number_placeholders("SELECT * FROM t WHERE a = ? AND b > ?").as_deref(),
            Ok("SELECT * FROM t WHERE a = $1 AND b > $2")
        );
    }

    #[test]
    fn quotes_and_comments_are_left_alone() {
        let sql = "SELECT '?', 'it''s ?', \"col?\" -- why?\n, ? /* ? */ FROM t";
        assert_eq!(
            number_placeholders(sql).as_deref(),
            Ok("SELECT '?', 'it''s ?', \"col?\" -- why?\n, $1 /* ? */ FROM t")
        );
    }

    #[test]
    fn dollar_placeholders_pass_through_and_mixing_is_refused() {
        assert_eq!(
            number_placeholders("SELECT $1, $2").as_deref(),
            Ok("SELECT $1, $2")
        );
        assert!(number_placeholders("SELECT $1, ?").is_err());
    }

    #[test]
    fn unterminated_input_does_not_panic() {
        for sql in ["SELECT '", "SELECT /*", "SELECT \"?", "?", "'\\"] {
            let _ = number_placeholders(sql);
        }
        assert_eq!(number_placeholders("?").as_deref(), Ok("$1"));
    }

    #[test]
    fn statements_belong_to_their_owner() {
        let registry = Registry::new();
        let handle = registry.open("ana", "SELECT 1".into(), Arc::new(Schema::empty()));
        assert!(registry.get(handle.as_bytes(), "ana").is_ok());
        assert_eq!(
            registry
                .get(handle.as_bytes(), "bob")
                .map(|_| ())
                .unwrap_err()
                .code(),
            tonic::Code::NotFound
        );
        assert!(registry.close(handle.as_bytes(), "bob").is_err());
        assert!(registry.close(handle.as_bytes(), "ana").is_ok());
        assert!(registry.get(handle.as_bytes(), "ana").is_err());
    }

    use std::sync::Arc;
}
