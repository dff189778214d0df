//! Small helpers to run the GDPR module's SQL on a session.

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};

use crate::session::{AmigoSession, Outcome, root_message};

/// A SQL string literal: quotes doubled, so any user text is a value, never SQL.
pub fn lit(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// `('a', 'b')` for an IN list; `(NULL)` when empty, which matches nothing.
pub fn in_list(values: &[String]) -> String {
    if values.is_empty() {
        return "(NULL)".to_string();
    }
    let items: Vec<String> = values.iter().map(|v| lit(v)).collect();
    format!("({})", items.join(", "))
}

pub async fn collect(session: &AmigoSession, sql: &str) -> Result<Vec<RecordBatch>, String> {
    session
        .context()
        .sql(sql)
        .await
        .map_err(|e| root_message(&e))?
        .collect()
        .await
        .map_err(|e| root_message(&e))
}

/// Runs a statement that changes the lake.
pub async fn execute(session: &AmigoSession, sql: &str) -> Result<(), String> {
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

/// Every value of column `index` as text (NULLs left out), whatever its type.
pub fn texts(batches: &[RecordBatch], index: usize) -> Result<Vec<String>, String> {
    let options = FormatOptions::default();
    let mut out = Vec::new();
    for batch in batches {
        let column = batch.column(index);
        let formatter =
            ArrayFormatter::try_new(column.as_ref(), &options).map_err(|e| e.to_string())?;
        for row in 0..column.len() {
            if column.is_valid(row) {
                out.push(formatter.value(row).to_string());
            }
        }
    }
    Ok(out)
}

pub fn table_exists(session: &AmigoSession, table: &str) -> bool {
    session.context().table_exist(table).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_cannot_escape() {
        assert_eq!(lit("o'brien"), "'o''brien'");
        assert_eq!(in_list(&[]), "(NULL)");
        assert_eq!(in_list(&["a".into(), "b'".into()]), "('a', 'b''')");
    }
}
