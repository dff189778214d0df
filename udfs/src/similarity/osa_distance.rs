//! `osa_distance(a, b)`: the optimal string alignment distance (restricted Damerau-Levenshtein).

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS_QUADRATIC;
use super::edit_distance;
use super::scratch::{Scratch, exceeds_chars, with_symbols};
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_i64, strings_return_type, strings_signature,
};

/// The optimal string alignment distance between `a` and `b` in characters: insertions,
/// deletions, substitutions and transpositions of two adjacent characters, with no
/// substring edited more than once, so `"CA"` to `"ABC"` is 3 (2 for
/// [`damerau_levenshtein`](super::damerau_levenshtein())). `None` when a string is longer
/// than [`MAX_CHARS_QUADRATIC`] characters.
pub fn osa_distance(a: &str, b: &str) -> Option<usize> {
    osa_distance_with(&mut Scratch::new(), a, b)
}

/// [`osa_distance`] with caller-owned buffers.
pub fn osa_distance_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<usize> {
    if exceeds_chars(a, MAX_CHARS_QUADRATIC) || exceeds_chars(b, MAX_CHARS_QUADRATIC) {
        return None;
    }
    let Scratch { encoder, rows, .. } = scratch;
    Some(with_symbols!(encoder, a, b, |x, y, _k| edit_distance::osa(
        x, y, rows
    )))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the optimal string alignment distance between two strings (restricted \
         Damerau-Levenshtein): insertions, deletions, substitutions and transpositions of two \
         adjacent characters, with no substring edited twice, counted in Unicode characters. \
         `CA` to `ABC` is 3 (2 for `damerau_levenshtein`). Int64. NULL for strings longer than \
         4096 characters.",
        "osa_distance(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select osa_distance('CA', 'ABC');
+--------------------------------------+
| osa_distance(Utf8("CA"),Utf8("ABC")) |
+--------------------------------------+
| 3                                    |
+--------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("damerau_levenshtein")
    .with_related_udf("osa_similarity")
    .build()
});

/// The `osa_distance` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct OsaDistanceFunc {
    signature: Signature,
}

impl Default for OsaDistanceFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl OsaDistanceFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for OsaDistanceFunc {
    fn name(&self) -> &str {
        "osa_distance"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut scratch = Scratch::new();
        map_strings_to_i64(self.name(), &args.args, args.number_rows, |v| {
            osa_distance_with(&mut scratch, v[0], v[1]).map(|d| d as i64)
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
    fn reference_values() {
        // Wikipedia, "Optimal string alignment distance": CA -> ABC needs 3 edits.
        assert_eq!(osa_distance("CA", "ABC"), Some(3));
        assert_eq!(osa_distance("ab", "ba"), Some(1));
        assert_eq!(osa_distance("kitten", "sitting"), Some(3));
        assert_eq!(osa_distance("", "abc"), Some(3));
        assert_eq!(osa_distance("", ""), Some(0));
        assert_eq!(osa_distance("Mülller", "Müller"), Some(1));
    }

    #[test]
    fn long_strings_are_capped() {
        let long = "x".repeat(MAX_CHARS_QUADRATIC + 1);
        assert_eq!(osa_distance(&long, "x"), None);
    }
}
