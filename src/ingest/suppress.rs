//! Ingest's side of GDPR erasure: rows of erased people are skipped, not loaded, so that
//! loading an old export again does not bring them back (see [`crate::gdpr::suppression`]).
//!
//! A row is an erased person's when its normalized email (`email_normalized`) or phone
//! (`phone_e164`) is on the suppression list, or when the customer record it is about (the
//! mapping's `person`, such as a ticket's `cegid:<code_client>`) is. A row that would be
//! quarantined is skipped too when one of its values is a suppressed email or phone: the
//! quarantine keeps a row's content, so it would bring the person back as well. Skipped rows
//! are counted in `raw.ingest_log.rows_suppressed`.

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::datatypes::SchemaRef;

use super::Quarantined;
use super::mapping::PersonRef;
use crate::gdpr::suppression::Suppression;

/// Rows taken out of a batch by the suppression list, by how they were counted.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Skipped {
    pub loaded: u64,
    pub updated: u64,
}

/// Identifier columns checked against the suppression list: the derived columns source
/// mappings give every person's email and phone (`normalize_email`, `normalize_phone`), with
/// the kind of identifier each holds.
const CONTACT_COLUMNS: [(&str, &str); 2] = [("email_normalized", "email"), ("phone_e164", "phone")];

/// Where a row's customer record id is, in the stored schema.
#[derive(Debug, Clone)]
pub(super) struct PersonColumns {
    system: System,
    id: usize,
}

#[derive(Debug, Clone)]
enum System {
    Fixed(String),
    Column(usize),
}

impl PersonColumns {
    pub fn new(person: &PersonRef, schema: &SchemaRef) -> Result<Self, String> {
        let index = |name: &str| {
            schema
                .index_of(name)
                .map_err(|_| format!("person: no column {name}"))
        };
        let system = match (&person.system, &person.system_column) {
            (Some(system), _) => System::Fixed(system.clone()),
            (None, Some(column)) => System::Column(index(column)?),
            (None, None) => return Err("person: no system".to_owned()),
        };
        Ok(Self {
            system,
            id: index(&person.id)?,
        })
    }

    /// `system:id` of a row, when both are present and text.
    fn record_id(&self, batch: &RecordBatch, row: usize) -> Option<String> {
        let id = text_at(batch, self.id, row)?;
        let system = match &self.system {
            System::Fixed(system) => system.as_str(),
            System::Column(index) => text_at(batch, *index, row)?,
        };
        Some(format!("{system}:{id}"))
    }
}

fn text_at(batch: &RecordBatch, column: usize, row: usize) -> Option<&str> {
    let values = batch.column(column).as_string_opt::<i32>()?;
    values.is_valid(row).then(|| values.value(row))
}

/// Takes out the rows of erased people; `updates` says which rows are new versions of known
/// records (for the counts).
pub(super) fn suppress(
    schema: &SchemaRef,
    person: Option<&PersonColumns>,
    suppression: &Suppression,
    (batch, updates): (RecordBatch, Vec<bool>),
) -> Result<(RecordBatch, Skipped), String> {
    let mut skipped = Skipped::default();
    if suppression.is_empty() {
        return Ok((batch, skipped));
    }
    let mut keep = vec![true; batch.num_rows()];
    for (column, kind) in CONTACT_COLUMNS {
        let Ok(index) = schema.index_of(column) else {
            continue;
        };
        let Some(values) = batch.column(index).as_string_opt::<i32>() else {
            continue;
        };
        for (row, value) in values.iter().enumerate() {
            if let Some(value) = value
                && suppression.contains(kind, value)
            {
                keep[row] = false;
            }
        }
    }
    if let Some(person) = person {
        for (row, kept) in keep.iter_mut().enumerate() {
            if *kept
                && let Some(record) = person.record_id(&batch, row)
                && suppression.contains("record", &record)
            {
                *kept = false;
            }
        }
    }
    for (row, kept) in keep.iter().enumerate() {
        if !kept {
            if updates.get(row).copied().unwrap_or(false) {
                skipped.updated += 1;
            } else {
                skipped.loaded += 1;
            }
        }
    }
    if skipped.loaded + skipped.updated == 0 {
        return Ok((batch, skipped));
    }
    let keep = BooleanArray::from(keep);
    let batch = arrow::compute::filter_record_batch(&batch, &keep).map_err(|e| e.to_string())?;
    Ok((batch, skipped))
}

/// Removes the quarantined rows that hold a suppressed email or phone, or the record id of an
/// erased person; returns how many went.
pub(super) fn suppress_quarantined(
    suppression: &Suppression,
    person: Option<&PersonRef>,
    rows: &mut Vec<Quarantined>,
) -> u64 {
    if suppression.is_empty() {
        return 0;
    }
    let before = rows.len();
    rows.retain(|row| !suppression.mentioned_in(&row.record, person));
    (before - rows.len()) as u64
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::StringArray;
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn rows_of_suppressed_emails_phones_and_records_are_skipped() {
        let schema: SchemaRef = Arc::new(Schema::new(vec![
            Field::new("code_client", DataType::Utf8, true),
            Field::new("email_normalized", DataType::Utf8, true),
            Field::new("phone_e164", DataType::Utf8, true),
        ]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(StringArray::from(vec!["C1", "C2", "C3", "C4"])),
                Arc::new(StringArray::from(vec![
                    Some("ann@example.com"),
                    None,
                    None,
                    Some("bob@example.com"),
                ])),
                Arc::new(StringArray::from(vec![
                    None,
                    Some("+33612345678"),
                    None,
                    None,
                ])),
            ],
        )
        .expect("batch");
        let suppression = Suppression::from_identifiers(
            "salt",
            &[
                ("email", "ann@example.com"),
                ("phone", "+33612345678"),
                ("record", "cegid:C3"),
            ],
        );
        let person = PersonColumns::new(
            &PersonRef {
                system: Some("cegid".into()),
                system_column: None,
                id: "code_client".into(),
            },
            &schema,
        )
        .expect("person");
        let (kept, skipped) = suppress(
            &schema,
            Some(&person),
            &suppression,
            (batch.clone(), vec![false, true, false, false]),
        )
        .expect("suppress");
        assert_eq!(kept.num_rows(), 1);
        assert_eq!(kept.column(0).as_string::<i32>().value(0), "C4");
        assert_eq!((skipped.loaded, skipped.updated), (2, 1));
        // Without the person columns, the record id is not seen.
        let (kept, _) = suppress(&schema, None, &suppression, (batch, vec![])).expect("suppress");
        assert_eq!(kept.num_rows(), 2);
    }
}
