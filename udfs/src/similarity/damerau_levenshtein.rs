//! `damerau_levenshtein(a, b)`: the edit distance that also counts a transposition of two
//! adjacent characters as one edit (DuckDB's function of the same name).

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

/// The (unrestricted) Damerau-Levenshtein distance between `a` and `b` in characters: the
/// fewest insertions, deletions, substitutions and transpositions of adjacent characters,
/// where transposed characters may also be edited around (Lowrance and Wagner 1975), so
/// `"CA"` to `"ABC"` is 2. `None` when a string is longer than [`MAX_CHARS_QUADRATIC`]
/// characters (the work is proportional to the product of the lengths).
pub fn damerau_levenshtein(a: &str, b: &str) -> Option<usize> {
    damerau_levenshtein_with(&mut Scratch::new(), a, b)
}

/// [`damerau_levenshtein`] with caller-owned buffers.
pub fn damerau_levenshtein_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<usize> {
    if exceeds_chars(a, MAX_CHARS_QUADRATIC) || exceeds_chars(b, MAX_CHARS_QUADRATIC) {
        return None;
    }
    let Scratch {
        encoder,
        rows,
        last_row,
        ..
    } = scratch;
    Some(with_symbols!(encoder, a, b, |x, y, k| {
        edit_distance::damerau_levenshtein(x, y, k, rows, last_row)
    }))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Damerau-Levenshtein distance between two strings: the fewest insertions, \
         deletions, substitutions and transpositions of two adjacent characters, counted in \
         Unicode characters; transposed characters may also be edited, so `CA` to `ABC` is 2 \
         (see `osa_distance` for the restricted variant, 3 there). Int64. NULL for strings \
         longer than 4096 characters.",
        "damerau_levenshtein(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select damerau_levenshtein('CA', 'ABC');
+---------------------------------------------+
| damerau_levenshtein(Utf8("CA"),Utf8("ABC")) |
+---------------------------------------------+
| 2                                           |
+---------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("osa_distance")
    .with_related_udf("damerau_levenshtein_similarity")
    .build()
});

/// The `damerau_levenshtein` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DamerauLevenshteinFunc {
    signature: Signature,
}

impl Default for DamerauLevenshteinFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl DamerauLevenshteinFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for DamerauLevenshteinFunc {
    fn name(&self) -> &str {
        "damerau_levenshtein"
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
            damerau_levenshtein_with(&mut scratch, v[0], v[1]).map(|d| d as i64)
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
        // Wikipedia, "Damerau–Levenshtein distance": CA -> AC -> ABC.
        assert_eq!(damerau_levenshtein("CA", "ABC"), Some(2));
        assert_eq!(damerau_levenshtein("ab", "ba"), Some(1));
        assert_eq!(damerau_levenshtein("kitten", "sitting"), Some(3));
        assert_eq!(damerau_levenshtein("", "abc"), Some(3));
        assert_eq!(damerau_levenshtein("", ""), Some(0));
        // "ont" -> "not" is one transposition.
        assert_eq!(damerau_levenshtein("Dupont", "Dupnot"), Some(1));
        assert_eq!(damerau_levenshtein("Jérôme", "Jéôrme"), Some(1));
    }

    #[test]
    fn long_strings_are_capped() {
        let long = "ab".repeat(MAX_CHARS_QUADRATIC / 2);
        assert_eq!(damerau_levenshtein(&long, &long), Some(0));
        assert_eq!(damerau_levenshtein(&format!("{long}a"), "a"), None);
    }
}
