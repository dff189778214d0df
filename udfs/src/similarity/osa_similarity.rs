//! `osa_similarity(a, b)`: the optimal string alignment distance normalized to a similarity
//! in [0, 1].

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::normalized_similarity;
use super::osa_distance::osa_distance_with;
use super::scratch::Scratch;
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// `1 - osa_distance(a, b) / max(chars(a), chars(b))`, 1.0 for two empty strings. `None`
/// when a string is too long for [`osa_distance`](super::osa_distance()).
pub fn osa_similarity(a: &str, b: &str) -> Option<f64> {
    osa_similarity_with(&mut Scratch::new(), a, b)
}

/// [`osa_similarity`] with caller-owned buffers.
pub fn osa_similarity_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    let distance = osa_distance_with(scratch, a, b)?;
    Some(normalized_similarity(distance, a, b))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the optimal string alignment distance normalized to a similarity between 0 \
         and 1: `1 - osa_distance(str1, str2) / max(length(str1), length(str2))`, lengths in \
         characters; 1 for two empty strings. NULL for strings longer than 4096 characters.",
        "osa_similarity(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select osa_similarity('Martha', 'Marhta');
+-----------------------------------------------+
| osa_similarity(Utf8("Martha"),Utf8("Marhta")) |
+-----------------------------------------------+
| 0.8333333333333334                            |
+-----------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("osa_distance")
    .build()
});

/// The `osa_similarity` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct OsaSimilarityFunc {
    signature: Signature,
}

impl Default for OsaSimilarityFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl OsaSimilarityFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for OsaSimilarityFunc {
    fn name(&self) -> &str {
        "osa_similarity"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut scratch = Scratch::new();
        map_strings_to_f64(self.name(), &args.args, args.number_rows, |v| {
            osa_similarity_with(&mut scratch, v[0], v[1])
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalized_by_the_longer_string() {
        assert_eq!(osa_similarity("CA", "ABC"), Some(0.0));
        assert_eq!(osa_similarity("Martha", "Marhta"), Some(1.0 - 1.0 / 6.0));
        assert_eq!(osa_similarity("", ""), Some(1.0));
    }
}
