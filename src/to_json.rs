//! `to_json(value)`: any value (a struct, a list of structs, a number ...) as JSON text, with
//! null fields written out (`"email":null`), so a log can hold whole records in a VARCHAR
//! column that every reader, and the GDPR matcher, can search. SQL NULL in, NULL out.
//!
//! It lives in the server crate, not in amigo-udfs: it needs arrow's JSON writer, which the
//! function library does not depend on.

use std::sync::{Arc, LazyLock};

use arrow::array::{Array, ArrayRef, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::json::writer::{LineDelimited, WriterBuilder};
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

pub const NAME: &str = "to_json";

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        datafusion::logical_expr::DocSection {
            include: true,
            label: "Other Functions",
            description: None,
        },
        "Returns a value as JSON text: a struct as an object with every field (nulls written \
         out), a list as an array, scalars as JSON scalars. NULL for NULL.",
        "to_json(value)",
    )
    .with_argument("value", "Any expression.")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ToJson {
    signature: Signature,
}

impl ToJson {
    pub fn udf() -> ScalarUDF {
        ScalarUDF::new_from_impl(Self {
            signature: Signature::any(1, Volatility::Immutable),
        })
    }
}

impl ScalarUDFImpl for ToJson {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return exec_err!("{NAME} takes one argument");
        };
        let is_scalar = matches!(value, ColumnarValue::Scalar(_));
        let array = value.to_array(args.number_rows)?;
        let json = to_json_array(&array)?;
        if is_scalar {
            Ok(ColumnarValue::Scalar(
                datafusion::common::ScalarValue::try_from_array(&json, 0)?,
            ))
        } else {
            Ok(ColumnarValue::Array(json))
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

/// Each value of `array` as JSON text. The JSON writer writes rows of a batch, so the values
/// go in as the one column `v` of a batch and come out as the value of `"v"` in each line.
fn to_json_array(array: &ArrayRef) -> Result<ArrayRef> {
    let mut out = StringBuilder::with_capacity(array.len(), array.len() * 64);
    if array.data_type() == &DataType::Null {
        (0..array.len()).for_each(|_| out.append_null());
        return Ok(Arc::new(out.finish()));
    }
    let schema = Arc::new(Schema::new(vec![Field::new(
        "v",
        array.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(schema, vec![array.clone()])?;
    let mut buffer = Vec::new();
    {
        let mut writer = WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, LineDelimited>(&mut buffer);
        writer.write(&batch)?;
        writer.finish()?;
    }
    let text = String::from_utf8(buffer)
        .map_err(|e| datafusion::error::DataFusionError::Execution(format!("{NAME}: {e}")))?;
    for (row, line) in text.lines().enumerate() {
        if array.is_null(row) {
            out.append_null();
            continue;
        }
        let Some(value) = line
            .strip_prefix("{\"v\":")
            .and_then(|rest| rest.strip_suffix('}'))
        else {
            return exec_err!("{NAME}: unexpected JSON writer output");
        };
        out.append_value(value);
    }
    Ok(Arc::new(out.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray, StructArray};

    #[test]
    fn structs_keep_null_fields_and_null_rows_stay_null() -> Result<()> {
        let structs: ArrayRef = Arc::new(StructArray::try_new(
            vec![
                Field::new("name", DataType::Utf8, true),
                Field::new("n", DataType::Int64, true),
            ]
            .into(),
            vec![
                Arc::new(StringArray::from(vec![Some("Anne \"A\""), None, Some("x")])),
                Arc::new(Int64Array::from(vec![Some(1), Some(2), None])),
            ],
            Some(vec![true, true, false].into()),
        )?);
        let json = to_json_array(&structs)?;
        let json = json
            .as_any()
            .downcast_ref::<StringArray>()
            .expect("strings");
        assert_eq!(json.value(0), r#"{"name":"Anne \"A\"","n":1}"#);
        assert_eq!(json.value(1), r#"{"name":null,"n":2}"#);
        assert!(json.is_null(2));
        Ok(())
    }
}
