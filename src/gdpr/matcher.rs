//! Finding a person's rows in any table, whatever its columns: a row is the person's when one
//! of its text values (also inside structs and lists) is one of their identifiers (unified id,
//! source record id, email, phone, order id ...), or contains one of the longer ones (an email
//! inside a quarantined row's JSON, a phone inside free text).
//!
//! The same matcher finds what an access request reports and what an erasure removes, so the
//! two always agree. Comparison ignores ASCII case.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray};
use arrow::datatypes::DataType;
use memchr::memmem::Finder;

/// Text written in place of a redacted value.
pub const REDACTED: &str = "[erased]";

pub struct PersonMatcher {
    exact: HashSet<String>,
    contained: Vec<Finder<'static>>,
}

impl std::fmt::Debug for PersonMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the identifiers themselves.
        write!(
            f,
            "PersonMatcher({} identifiers, {} searched inside text)",
            self.exact.len(),
            self.contained.len()
        )
    }
}

impl PersonMatcher {
    /// `exact`: values that identify the person when a whole field equals them; `contained`:
    /// values specific enough to identify them anywhere inside a text (also matched exactly).
    pub fn new(
        exact: impl IntoIterator<Item = String>,
        contained: impl IntoIterator<Item = String>,
    ) -> Self {
        let contained: Vec<String> = contained
            .into_iter()
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let exact = exact
            .into_iter()
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .chain(contained.iter().cloned())
            .collect();
        Self {
            exact,
            contained: contained
                .into_iter()
                .map(|v| Finder::new(v.as_bytes()).into_owned())
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Whether a text names the person (one of their identifiers, or holds a longer one).
    pub fn mentions(&self, value: &str) -> bool {
        self.text_matches(value)
    }

    fn text_matches(&self, value: &str) -> bool {
        let lower = value.to_ascii_lowercase();
        if self.exact.contains(lower.trim()) {
            return true;
        }
        self.contained
            .iter()
            .any(|finder| finder.find(lower.as_bytes()).is_some())
    }

    /// True for each row that mentions the person.
    pub fn rows(&self, batch: &RecordBatch) -> BooleanArray {
        let mut mask = vec![false; batch.num_rows()];
        for column in batch.columns() {
            self.mark(column, &mut mask);
        }
        BooleanArray::from(mask)
    }

    /// Sets `mask[row]` for rows of `array` holding a matching text.
    fn mark(&self, array: &ArrayRef, mask: &mut [bool]) {
        match array.data_type() {
            DataType::Utf8 => {
                for (row, value) in array.as_string::<i32>().iter().enumerate() {
                    if !mask[row] && value.is_some_and(|v| self.text_matches(v)) {
                        mask[row] = true;
                    }
                }
            }
            DataType::LargeUtf8 => {
                for (row, value) in array.as_string::<i64>().iter().enumerate() {
                    if !mask[row] && value.is_some_and(|v| self.text_matches(v)) {
                        mask[row] = true;
                    }
                }
            }
            DataType::Utf8View => {
                for (row, value) in array.as_string_view().iter().enumerate() {
                    if !mask[row] && value.is_some_and(|v| self.text_matches(v)) {
                        mask[row] = true;
                    }
                }
            }
            DataType::Struct(_) => {
                let structs = array.as_struct();
                for child in structs.columns() {
                    let mut child_mask = vec![false; mask.len()];
                    self.mark(child, &mut child_mask);
                    for (row, hit) in child_mask.into_iter().enumerate() {
                        if hit && structs.is_valid(row) {
                            mask[row] = true;
                        }
                    }
                }
            }
            DataType::List(_) => {
                let lists = array.as_list::<i32>();
                for (row, item) in mask.iter_mut().enumerate() {
                    if *item || lists.is_null(row) {
                        continue;
                    }
                    let values = lists.value(row);
                    let mut inner = vec![false; values.len()];
                    self.mark(&values, &mut inner);
                    *item = inner.contains(&true);
                }
            }
            _ => {}
        }
    }

    /// The batch without the person's rows; `None` when it has none.
    pub fn drop_rows(&self, batch: &RecordBatch) -> Result<Option<RecordBatch>, String> {
        let hits = self.rows(batch);
        if hits.true_count() == 0 {
            return Ok(None);
        }
        let keep = arrow::compute::not(&hits).map_err(|e| e.to_string())?;
        arrow::compute::filter_record_batch(batch, &keep)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// The person's rows only (for an access report).
    pub fn keep_rows(&self, batch: &RecordBatch) -> Result<RecordBatch, String> {
        let hits = self.rows(batch);
        arrow::compute::filter_record_batch(batch, &hits).map_err(|e| e.to_string())
    }

    /// The batch with the `personal` columns of the person's rows replaced by [`REDACTED`] and
    /// every other value kept (an order's store, date and amounts); `None` when no row mentions
    /// them. Only for tables whose other columns hold nothing personal.
    pub fn anonymize(
        &self,
        batch: &RecordBatch,
        personal: &[&str],
    ) -> Result<Option<RecordBatch>, String> {
        let hits = self.rows(batch);
        if hits.true_count() == 0 {
            return Ok(None);
        }
        let schema = batch.schema();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            if !personal.contains(&field.name().as_str()) {
                columns.push(column.clone());
                continue;
            }
            let Some(strings) = column.as_string_opt::<i32>() else {
                return Err(format!(
                    "column {} ({}) cannot be anonymized: not text",
                    field.name(),
                    column.data_type()
                ));
            };
            let anonymized: StringArray = strings
                .iter()
                .enumerate()
                .map(|(row, v)| if hits.value(row) { Some(REDACTED) } else { v })
                .collect();
            columns.push(Arc::new(anonymized));
        }
        RecordBatch::try_new(schema, columns)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// The batch with the person's data replaced by [`REDACTED`], rows kept (an audit row
    /// stays, without the identifier): in the rows that mention them, every top-level text
    /// value that matches and every value of the `personal` columns. `None` when no row
    /// mentions them.
    pub fn redact(
        &self,
        batch: &RecordBatch,
        personal: &[&str],
    ) -> Result<Option<RecordBatch>, String> {
        let hits = self.rows(batch);
        if hits.true_count() == 0 {
            return Ok(None);
        }
        let schema = batch.schema();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(batch.num_columns());
        for (field, column) in schema.fields().iter().zip(batch.columns()) {
            if column.data_type() == &DataType::Utf8 {
                let forced = personal.contains(&field.name().as_str());
                let strings = column.as_string::<i32>();
                let redacted: StringArray = strings
                    .iter()
                    .enumerate()
                    .map(|(row, v)| {
                        v.map(|v| {
                            let mine = hits.value(row) && (forced || self.text_matches(v));
                            if mine { REDACTED } else { v }
                        })
                    })
                    .collect();
                columns.push(Arc::new(redacted));
                continue;
            }
            let mut mask = vec![false; batch.num_rows()];
            self.mark(column, &mut mask);
            if mask.contains(&true) {
                return Err(format!(
                    "column {} ({}) mentions the person and cannot be redacted",
                    field.name(),
                    column.data_type()
                ));
            }
            columns.push(column.clone());
        }
        RecordBatch::try_new(schema, columns)
            .map(Some)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StructArray};
    use arrow::datatypes::{Field, Schema};

    fn batch() -> RecordBatch {
        let ids = StringArray::from(vec![Some("U1"), Some("U2"), Some("U3"), None]);
        let notes = StringArray::from(vec![
            None,
            Some("{\"EMAIL\":\"Ann.Lee@Example.com\"}"),
            Some("nothing"),
            Some("x"),
        ]);
        let inner = StringArray::from(vec![None, None, None, Some("cegid:C1")]);
        let nested = StructArray::from(vec![(
            Arc::new(Field::new("record_id", DataType::Utf8, true)),
            Arc::new(inner) as ArrayRef,
        )]);
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("note", DataType::Utf8, true),
            Field::new("n", DataType::Int64, true),
            Field::new("p", nested.data_type().clone(), true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(ids),
                Arc::new(notes),
                Arc::new(Int64Array::from(vec![1, 2, 3, 4])),
                Arc::new(nested),
            ],
        )
        .expect("batch")
    }

    #[test]
    fn finds_exact_ids_emails_inside_text_and_values_in_structs() {
        let matcher = PersonMatcher::new(
            ["u1".to_string()],
            ["ann.lee@example.com".to_string(), "cegid:C1".to_string()],
        );
        let hits: Vec<bool> = matcher.rows(&batch()).iter().flatten().collect();
        assert_eq!(hits, [true, true, false, true]);
        let kept = matcher.drop_rows(&batch()).expect("drop").expect("changed");
        assert_eq!(kept.num_rows(), 1);
        let nobody = PersonMatcher::new(["zzz".to_string()], []);
        assert!(nobody.drop_rows(&batch()).expect("drop").is_none());
        // "U" alone is not "U1": exact values match whole fields only.
        let short = PersonMatcher::new(["u".to_string()], []);
        assert_eq!(short.rows(&batch()).true_count(), 0);
    }

    #[test]
    fn redaction_keeps_rows_and_replaces_values() {
        let matcher = PersonMatcher::new(["u2".to_string()], ["ann.lee@example.com".to_string()]);
        let mut plain = batch();
        plain.remove_column(3);
        let redacted = matcher
            .redact(&plain, &[])
            .expect("redact")
            .expect("changed");
        assert_eq!(redacted.num_rows(), 4);
        let ids: Vec<Option<&str>> = redacted.column(0).as_string::<i32>().iter().collect();
        assert_eq!(ids, [Some("U1"), Some(REDACTED), Some("U3"), None]);
        let notes = redacted.column(1).as_string::<i32>();
        assert_eq!(notes.value(1), REDACTED);
        assert_eq!(notes.value(2), "nothing");
        // A personal column is redacted in the person's rows only, whatever it holds.
        let matcher = PersonMatcher::new(["u3".to_string()], []);
        let redacted = matcher
            .redact(&plain, &["note"])
            .expect("redact")
            .expect("changed");
        let notes: Vec<Option<&str>> = redacted.column(1).as_string::<i32>().iter().collect();
        assert_eq!(
            notes,
            [
                None,
                Some("{\"EMAIL\":\"Ann.Lee@Example.com\"}"),
                Some(REDACTED),
                Some("x")
            ]
        );
        assert!(matcher.redact(&batch(), &[]).expect("redact").is_some());
        let nobody = PersonMatcher::new(["zzz".to_string()], []);
        assert!(nobody.redact(&plain, &["note"]).expect("redact").is_none());
        // Anonymizing replaces only the named columns of their rows.
        let anonymized = matcher
            .anonymize(&plain, &["id"])
            .expect("anonymize")
            .expect("changed");
        let ids: Vec<Option<&str>> = anonymized.column(0).as_string::<i32>().iter().collect();
        assert_eq!(ids, [Some("U1"), Some("U2"), Some(REDACTED), None]);
        assert_eq!(anonymized.column(1).as_string::<i32>().value(2), "nothing");
        assert!(matcher.anonymize(&plain, &["n"]).is_err());
    }
}
