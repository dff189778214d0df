//! `jaro_winkler(a, b)`: the Jaro-Winkler similarity (DuckDB's `jaro_winkler_similarity`).

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::jaro::jaro_symbols;
use super::scratch::{Scratch, Symbol, exceeds_chars, with_symbols};
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// Weight of each common prefix character (Winkler's `p`).
pub const PREFIX_WEIGHT: f64 = 0.1;
/// Longest common prefix that counts (Winkler's `l`).
pub const MAX_PREFIX: usize = 4;
/// Jaro similarity above which the prefix bonus applies (Winkler's boost threshold).
pub const BOOST_THRESHOLD: f64 = 0.7;

/// The Jaro-Winkler similarity of `a` and `b`, in [0, 1], over Unicode characters:
/// `jw = j + l · 0.1 · (1 - j)` where `j` is [`jaro`](super::jaro()) and `l` the length of
/// the common prefix, at most 4, applied only when `j > 0.7` (as DuckDB, rapidfuzz and
/// Winkler 1990). `None` when a string is longer than [`MAX_CHARS`] characters.
pub fn jaro_winkler(a: &str, b: &str) -> Option<f64> {
    jaro_winkler_with(&mut Scratch::new(), a, b)
}

/// [`jaro_winkler`] with caller-owned buffers.
pub fn jaro_winkler_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    if a == b {
        // Frequent among candidate pairs, and a comparison of bytes is all it takes.
        return Some(if a.is_empty() { 0.0 } else { 1.0 });
    }
    let Scratch {
        encoder,
        pattern,
        words_a,
        words_b,
        ..
    } = scratch;
    Some(with_symbols!(encoder, a, b, |x, y, k| {
        let jaro = jaro_symbols(x, y, k, pattern, words_a, words_b);
        winkler_boost(jaro, x, y)
    }))
}

/// Adds Winkler's common-prefix bonus to a Jaro similarity.
pub(crate) fn winkler_boost<S: Symbol>(jaro: f64, a: &[S], b: &[S]) -> f64 {
    if jaro <= BOOST_THRESHOLD {
        return jaro;
    }
    let prefix = a
        .iter()
        .zip(b)
        .take(MAX_PREFIX)
        .take_while(|(x, y)| x == y)
        .count();
    jaro + prefix as f64 * PREFIX_WEIGHT * (1.0 - jaro)
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Jaro-Winkler similarity of two strings, between 0 and 1: the Jaro \
         similarity `j` (see `jaro`) raised for a common prefix of `l` characters (at most 4) \
         as `j + l * 0.1 * (1 - j)` when `j > 0.7`, as DuckDB's `jaro_winkler_similarity`. 0 \
         when a string is empty. Unicode characters, case-sensitive. NULL for strings longer \
         than 16384 characters. Snowflake's JAROWINKLER_SIMILARITY returns an integer 0-100 \
         instead; `round(jaro_winkler(a, b) * 100)` is the closest equivalent.",
        "jaro_winkler(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select jaro_winkler('MARTHA', 'MARHTA');
+---------------------------------------------+
| jaro_winkler(Utf8("MARTHA"),Utf8("MARHTA")) |
+---------------------------------------------+
| 0.9611111111111111                          |
+---------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("jaro")
    .build()
});

/// The `jaro_winkler` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JaroWinklerFunc {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for JaroWinklerFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl JaroWinklerFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
            aliases: vec!["jaro_winkler_similarity".to_owned()],
        }
    }
}

impl ScalarUDFImpl for JaroWinklerFunc {
    fn name(&self) -> &str {
        "jaro_winkler"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
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
            jaro_winkler_with(&mut scratch, v[0], v[1])
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < 5e-4)
    }

    #[test]
    fn published_reference_values() {
        // Winkler (1990), Table 1 (also Wikipedia, "Jaro–Winkler distance").
        assert!(close(jaro_winkler("MARTHA", "MARHTA"), 0.961));
        assert!(close(jaro_winkler("DWAYNE", "DUANE"), 0.84));
        assert!(close(jaro_winkler("DIXON", "DICKSONX"), 0.813));
        // DuckDB 1.x/2.0 gives exactly this for jaro_winkler_similarity('MARTHA', 'MARHTA').
        assert_eq!(jaro_winkler("MARTHA", "MARHTA"), Some(0.9611111111111111));
    }

    #[test]
    fn prefix_bonus_only_above_the_threshold() {
        // Jaro 0.5833 with a 2-character common prefix: no bonus (DuckDB gives 0.5833 too).
        assert_eq!(jaro_winkler("abcd", "abxyzuvw"), Some(7.0 / 12.0));
        // At most 4 prefix characters count.
        let j = (2.0 + 7.0 / 8.0) / 3.0;
        let expected = j + 4.0 * 0.1 * (1.0 - j);
        assert!(close(jaro_winkler("abcdefgh", "abcdefhg"), expected));
    }

    #[test]
    fn edge_cases() {
        assert_eq!(jaro_winkler("", ""), Some(0.0));
        assert_eq!(jaro_winkler("", "a"), Some(0.0));
        assert_eq!(jaro_winkler("same", "same"), Some(1.0));
        assert_eq!(jaro_winkler("Éric", "Éric"), Some(1.0));
        // The accented first letter is one character of the common prefix.
        assert!(jaro_winkler("Émilie", "Émily") > jaro_winkler("Emilie", "Émily"));
    }
}
