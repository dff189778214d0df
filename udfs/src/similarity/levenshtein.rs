//! `levenshtein(a, b [, threshold])`: the Levenshtein edit distance, with Spark's optional
//! threshold. Replaces DataFusion's built-in `levenshtein` (same result types and values).

use std::sync::LazyLock;

use datafusion::arrow::datatypes::{DataType, Int32Type, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::args::{
    IntArg, map_strings_and_int, strings_and_int_return_type, strings_and_int_signature,
};
use super::edit_distance;
use super::scratch::{Scratch, exceeds_chars, with_symbols};
use crate::common::DOC_SECTION_SIMILARITY;

/// The Levenshtein distance between `a` and `b`: the fewest single-character insertions,
/// deletions and substitutions that turn one into the other, counted in Unicode characters.
/// `None` when either string is longer than [`MAX_CHARS`] characters.
pub fn levenshtein(a: &str, b: &str) -> Option<usize> {
    levenshtein_with(&mut Scratch::new(), a, b)
}

/// [`levenshtein`] with caller-owned buffers, for kernels that compare many pairs.
pub fn levenshtein_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<usize> {
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    if a == b {
        return Some(0);
    }
    let Scratch {
        encoder,
        pattern,
        words_a,
        words_b,
        ..
    } = scratch;
    Some(with_symbols!(encoder, a, b, |x, y, k| {
        edit_distance::levenshtein(x, y, k, pattern, words_a, words_b)
    }))
}

/// Spark's `levenshtein(a, b, threshold)`: the distance when it is at most `threshold`, -1
/// otherwise (so always -1 for a negative threshold).
pub fn levenshtein_within(scratch: &mut Scratch, a: &str, b: &str, threshold: i64) -> Option<i64> {
    let distance = levenshtein_with(scratch, a, b)? as i64;
    Some(if distance <= threshold { distance } else { -1 })
}

/// The result type of DataFusion's built-in `levenshtein`, kept by every function of the
/// Levenshtein family: Int64 when the strings coerce to LargeUtf8 (one is LargeUtf8 and none
/// is Utf8View), Int32 otherwise.
pub(crate) fn levenshtein_result_type(arg_types: &[DataType]) -> DataType {
    fn value_type(t: &DataType) -> &DataType {
        match t {
            DataType::Dictionary(_, v) => value_type(v),
            t => t,
        }
    }
    let strings = arg_types.iter().take(2).map(value_type);
    let any = |wanted: DataType| strings.clone().any(|t| *t == wanted);
    if any(DataType::LargeUtf8) && !any(DataType::Utf8View) {
        DataType::Int64
    } else {
        DataType::Int32
    }
}

/// Runs a distance kernel with the Levenshtein family's result type.
pub(crate) fn map_to_levenshtein_type(
    name: &str,
    args: &ScalarFunctionArgs,
    mut f: impl FnMut(&str, &str, Option<i64>) -> Option<i64>,
) -> Result<ColumnarValue> {
    let rows = args.number_rows;
    if args.return_field.data_type() == &DataType::Int64 {
        map_strings_and_int::<Int64Type, _>(name, &args.args, rows, f)
    } else {
        // Distances are bounded by MAX_CHARS, so they always fit.
        map_strings_and_int::<Int32Type, _>(name, &args.args, rows, |a, b, n| {
            f(a, b, n).map(|d| d as i32)
        })
    }
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Levenshtein distance between two strings: the fewest single-character \
         insertions, deletions and substitutions that turn one into the other, counted in \
         Unicode characters (case-sensitive). With a `threshold` (Spark's form), returns -1 when \
         the distance is greater than the threshold. Int32 (Int64 for LargeUtf8 arguments), as \
         DataFusion's built-in `levenshtein`, which this function replaces. Strings longer than \
         16384 characters give NULL.",
        "levenshtein(str1, str2[, threshold])",
    )
    .with_sql_example(
        r#"```sql
> select levenshtein('kitten', 'sitting'), levenshtein('kitten', 'sitting', 2);
+---------------------------------------------+------------------------------------------------------+
| levenshtein(Utf8("kitten"),Utf8("sitting")) | levenshtein(Utf8("kitten"),Utf8("sitting"),Int64(2)) |
+---------------------------------------------+------------------------------------------------------+
| 3                                           | -1                                                   |
+---------------------------------------------+------------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_argument(
        "threshold",
        "Optional integer: the largest distance of interest; larger distances give -1.",
    )
    .with_related_udf("levenshtein_less_equal")
    .with_related_udf("editdistance")
    .with_related_udf("levenshtein_similarity")
    .build()
});

/// The `levenshtein` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct LevenshteinFunc {
    signature: Signature,
}

impl Default for LevenshteinFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl LevenshteinFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_and_int_signature(IntArg::Optional),
        }
    }
}

impl ScalarUDFImpl for LevenshteinFunc {
    fn name(&self) -> &str {
        "levenshtein"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let output = levenshtein_result_type(arg_types);
        strings_and_int_return_type(
            self.name(),
            arg_types,
            IntArg::Optional,
            "threshold",
            output,
        )
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut scratch = Scratch::new();
        map_to_levenshtein_type(self.name(), &args, |a, b, threshold| match threshold {
            None => levenshtein_with(&mut scratch, a, b).map(|d| d as i64),
            Some(t) => levenshtein_within(&mut scratch, a, b, t),
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
        // Levenshtein (1966); the DataFusion, DuckDB and PostgreSQL documentation example.
        assert_eq!(levenshtein("kitten", "sitting"), Some(3));
        assert_eq!(levenshtein("", ""), Some(0));
        assert_eq!(levenshtein("", "abc"), Some(3));
        assert_eq!(levenshtein("abc", ""), Some(3));
        assert_eq!(levenshtein("MARTHA", "MARHTA"), Some(2));
    }

    #[test]
    fn counts_characters_not_bytes() {
        // DuckDB, which counts bytes, says 2 here; DataFusion's built-in says 1.
        assert_eq!(levenshtein("héllo", "hello"), Some(1));
        assert_eq!(levenshtein("東京都", "京都"), Some(1));
        assert_eq!(levenshtein("Zoë", "Zoe\u{308}"), Some(2));
    }

    #[test]
    fn spark_threshold() {
        let mut s = Scratch::new();
        assert_eq!(levenshtein_within(&mut s, "kitten", "sitting", 3), Some(3));
        assert_eq!(levenshtein_within(&mut s, "kitten", "sitting", 2), Some(-1));
        assert_eq!(levenshtein_within(&mut s, "", "", -1), Some(-1));
        assert_eq!(levenshtein_within(&mut s, "", "", 0), Some(0));
    }

    #[test]
    fn long_strings_are_capped() {
        let long = "a".repeat(MAX_CHARS);
        assert_eq!(levenshtein(&long, "b"), Some(MAX_CHARS));
        assert_eq!(levenshtein(&format!("{long}a"), "b"), None);
        let accented = "é".repeat(MAX_CHARS);
        assert_eq!(levenshtein(&accented, &long), Some(MAX_CHARS));
    }

    #[test]
    fn result_type_follows_datafusion() {
        use DataType::*;
        let dict = |v: DataType| Dictionary(Box::new(Int32), Box::new(v));
        assert_eq!(levenshtein_result_type(&[Utf8, Utf8]), Int32);
        assert_eq!(levenshtein_result_type(&[LargeUtf8, Utf8]), Int64);
        assert_eq!(levenshtein_result_type(&[LargeUtf8, Utf8View]), Int32);
        assert_eq!(
            levenshtein_result_type(&[dict(LargeUtf8), Utf8, Int64]),
            Int64
        );
        assert_eq!(levenshtein_result_type(&[Null, Null]), Int32);
    }
}
