//! `damerau_levenshtein_similarity(a, b)`: the Damerau-Levenshtein distance normalized to a
//! similarity in [0, 1].

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::damerau_levenshtein::damerau_levenshtein_with;
use super::normalized_similarity;
use super::scratch::Scratch;
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// `1 - damerau_levenshtein(a, b) / max(chars(a), chars(b))`, 1.0 for two empty strings.
/// `None` when a string is too long for
/// [`damerau_levenshtein`](super::damerau_levenshtein()).
pub fn damerau_levenshtein_similarity(a: &str, b: &str) -> Option<f64> {
    damerau_levenshtein_similarity_with(&mut Scratch::new(), a, b)
}

/// [`damerau_levenshtein_similarity`] with caller-owned buffers.
pub fn damerau_levenshtein_similarity_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    let distance = damerau_levenshtein_with(scratch, a, b)?;
    Some(normalized_similarity(distance, a, b))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Damerau-Levenshtein distance normalized to a similarity between 0 and 1: \
         `1 - damerau_levenshtein(str1, str2) / max(length(str1), length(str2))`, lengths in \
         characters; 1 for two empty strings. NULL for strings longer than 4096 characters.",
        "damerau_levenshtein_similarity(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select damerau_levenshtein_similarity('Dupont', 'Dupnot');
+---------------------------------------------------------------+
| damerau_levenshtein_similarity(Utf8("Dupont"),Utf8("Dupnot")) |
+---------------------------------------------------------------+
| 0.8333333333333334                                            |
+---------------------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("damerau_levenshtein")
    .build()
});

/// The `damerau_levenshtein_similarity` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DamerauLevenshteinSimilarityFunc {
    signature: Signature,
}

impl Default for DamerauLevenshteinSimilarityFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl DamerauLevenshteinSimilarityFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for DamerauLevenshteinSimilarityFunc {
    fn name(&self) -> &str {
        "damerau_levenshtein_similarity"
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
            damerau_levenshtein_similarity_with(&mut scratch, v[0], v[1])
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
        assert_eq!(
            damerau_levenshtein_similarity("CA", "ABC"),
            Some(1.0 - 2.0 / 3.0)
        );
        assert_eq!(damerau_levenshtein_similarity("", ""), Some(1.0));
        assert_eq!(damerau_levenshtein_similarity("a", ""), Some(0.0));
        assert_eq!(
            damerau_levenshtein_similarity("Dupont", "Dupnot"),
            Some(1.0 - 1.0 / 6.0)
        );
    }
}
