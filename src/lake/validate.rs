//! Data checks for canonical tables: what a schema alone cannot say (NOT NULL, code values).

use std::collections::HashSet;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;

use crate::model::{ModelError, TableDef};

/// Checks one batch about to be written to a canonical table. `first_row` is the number of rows
/// already written, so the message points at the row in the whole write (1-based).
pub fn validate_batch(
    def: &TableDef,
    batch: &RecordBatch,
    first_row: u64,
) -> Result<(), ModelError> {
    let mismatch = |message: String| ModelError::Mismatch {
        table: def.table_name().to_string(),
        message,
    };
    for (column, array) in def.columns.iter().zip(batch.columns()) {
        if !column.nullable && array.null_count() > 0 {
            let row = (0..array.len()).find(|&i| array.is_null(i)).unwrap_or(0);
            return Err(mismatch(format!(
                "column {} is NOT NULL but row {} has no value",
                column.name,
                first_row + row as u64 + 1
            )));
        }
        if column.values.is_empty() || array.data_type() != &DataType::Utf8 {
            continue;
        }
        let allowed: HashSet<&str> = column.values.iter().map(String::as_str).collect();
        let strings = array.as_string::<i32>();
        for (row, value) in strings.iter().enumerate() {
            if let Some(value) = value
                && !allowed.contains(value)
            {
                return Err(mismatch(format!(
                    "column {} has {:?} at row {}; allowed values: {}",
                    column.name,
                    value,
                    first_row + row as u64 + 1,
                    column.values.join(", ")
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::StringArray;

    use super::*;
    use crate::lake::TableName;
    use crate::model::Model;

    fn stores_batch(
        region: Vec<Option<&str>>,
        city: Vec<Option<&str>>,
    ) -> (RecordBatch, &'static TableDef) {
        let def = Model::canonical()
            .expect("model")
            .table(&TableName::new("raw", "stores"))
            .expect("stores");
        let schema = def.arrow_schema();
        let n = region.len();
        let columns = schema
            .fields()
            .iter()
            .map(|f| -> Arc<dyn Array> {
                match f.name().as_str() {
                    "region" => Arc::new(StringArray::from(region.clone())),
                    "city" => Arc::new(StringArray::from(city.clone())),
                    _ => arrow::array::new_null_array(f.data_type(), n),
                }
            })
            .collect();
        let schema = Arc::new(arrow::datatypes::Schema::new(
            schema
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_nullable(true))
                .collect::<Vec<_>>(),
        ));
        (RecordBatch::try_new(schema, columns).expect("batch"), def)
    }

    #[test]
    fn null_in_not_null_column_names_column_and_row() {
        let (batch, def) = stores_batch(
            vec![Some("Europe"), Some("Asia")],
            vec![Some("Paris"), None],
        );
        let err = validate_batch(def, &batch, 10)
            .expect_err("null city")
            .to_string();
        // store_id is the first NOT NULL column and is all null here.
        assert!(
            err.contains("raw.stores") && err.contains("store_id") && err.contains("row 11"),
            "{err}"
        );
    }

    #[test]
    fn code_outside_values_is_rejected() {
        let def = Model::canonical()
            .expect("model")
            .table(&TableName::new("raw", "stores"))
            .expect("stores");
        let mut relaxed = def.clone();
        for c in &mut relaxed.columns {
            if c.name != "region" {
                c.nullable = true;
            }
        }
        let (batch, _) = stores_batch(
            vec![Some("Europe"), Some("Oceania")],
            vec![Some("Paris"), Some("Sydney")],
        );
        let err = validate_batch(&relaxed, &batch, 0)
            .expect_err("bad region")
            .to_string();
        assert!(
            err.contains("Oceania") && err.contains("row 2") && err.contains("Americas"),
            "{err}"
        );
        let (ok, _) = stores_batch(
            vec![Some("Europe"), Some("Asia")],
            vec![Some("Paris"), Some("Tokyo")],
        );
        validate_batch(&relaxed, &ok, 0).expect("valid");
    }
}
