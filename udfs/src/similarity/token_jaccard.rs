//! `token_jaccard(a, b)`: the Jaccard index of the sets of whitespace-separated words.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::scratch::{Scratch, exceeds_chars};
use super::sets::{count_common, jaccard_index, sort_dedup, tokens};
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// `|A ∩ B| / |A ∪ B|` where `A` and `B` are the sets of whitespace-separated tokens of `a`
/// and `b` (case-sensitive), in [0, 1]; 0 when either has no token. `None` when a string is
/// longer than [`MAX_CHARS`] characters.
pub fn token_jaccard(a: &str, b: &str) -> Option<f64> {
    token_jaccard_with(&mut Scratch::new(), a, b)
}

/// [`token_jaccard`] with caller-owned buffers.
pub fn token_jaccard_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    let (ra, rb) = (&mut scratch.ranges_a, &mut scratch.ranges_b);
    tokens(a, ra);
    tokens(b, rb);
    sort_dedup(a, ra);
    sort_dedup(b, rb);
    Some(jaccard_index(
        ra.len(),
        rb.len(),
        count_common(a, ra, b, rb),
    ))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Jaccard index `|A ∩ B| / |A ∪ B|` of the sets of words of two strings, \
         words being separated by any Unicode whitespace; between 0 and 1, word order and \
         repetitions ignored, case-sensitive (apply `lower` first to ignore case). 0 when a \
         string has no word; NULL for strings longer than 16384 characters.",
        "token_jaccard(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select token_jaccard('Jean Pierre Dupont', 'Dupont Jean');
+---------------------------------------------------------------+
| token_jaccard(Utf8("Jean Pierre Dupont"),Utf8("Dupont Jean")) |
+---------------------------------------------------------------+
| 0.6666666666666666                                            |
+---------------------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("jaccard")
    .with_related_udf("token_set_ratio")
    .build()
});

/// The `token_jaccard` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TokenJaccardFunc {
    signature: Signature,
}

impl Default for TokenJaccardFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenJaccardFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for TokenJaccardFunc {
    fn name(&self) -> &str {
        "token_jaccard"
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
            token_jaccard_with(&mut scratch, v[0], v[1])
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
    fn word_sets() {
        assert_eq!(
            token_jaccard("Jean Pierre Dupont", "Dupont  Jean"),
            Some(2.0 / 3.0)
        );
        assert_eq!(token_jaccard("a a b", "b a"), Some(1.0));
        assert_eq!(token_jaccard("Jean", "jean"), Some(0.0));
        assert_eq!(token_jaccard("  ", "a"), Some(0.0));
        assert_eq!(token_jaccard("", ""), Some(0.0));
        assert_eq!(token_jaccard("José\u{a0}Ángel", "Ángel José"), Some(1.0));
    }
}
