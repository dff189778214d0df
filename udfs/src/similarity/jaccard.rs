//! `jaccard(a, b)`: the Jaccard index of the sets of characters of two strings (DuckDB's
//! `jaccard`).

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::ngram_jaccard::ngram_jaccard_with;
use super::scratch::{Scratch, exceeds_chars};
use super::sets::jaccard_index;
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// `|A ∩ B| / |A ∪ B|` where `A` and `B` are the sets of distinct characters of `a` and `b`
/// (case-sensitive), in [0, 1]; 0 when either string is empty (DuckDB raises an error
/// there). `None` when a string is longer than [`MAX_CHARS`] characters.
pub fn jaccard(a: &str, b: &str) -> Option<f64> {
    jaccard_with(&mut Scratch::new(), a, b)
}

/// [`jaccard`] with caller-owned buffers.
pub fn jaccard_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    if a.is_ascii() && b.is_ascii() {
        if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
            return None;
        }
        // ASCII characters fit a 128-bit set: no sorting needed.
        let set = |s: &str| s.bytes().fold(0u128, |set, c| set | 1 << c);
        let (x, y) = (set(a), set(b));
        let common = (x & y).count_ones() as usize;
        return Some(jaccard_index(
            x.count_ones() as usize,
            y.count_ones() as usize,
            common,
        ));
    }
    ngram_jaccard_with(scratch, a, b, 1)
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Jaccard index of the sets of distinct characters of two strings, \
         `|A ∩ B| / |A ∪ B|`, between 0 and 1, as DuckDB's `jaccard` (case-sensitive; Unicode \
         characters, where DuckDB uses bytes). 0 when a string is empty (DuckDB raises an \
         error). See `ngram_jaccard` for n-grams and `token_jaccard` for words. NULL for \
         strings longer than 16384 characters.",
        "jaccard(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select jaccard('duck', 'luck');
+------------------------------------+
| jaccard(Utf8("duck"),Utf8("luck")) |
+------------------------------------+
| 0.6                                |
+------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("ngram_jaccard")
    .with_related_udf("token_jaccard")
    .build()
});

/// The `jaccard` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JaccardFunc {
    signature: Signature,
}

impl Default for JaccardFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl JaccardFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for JaccardFunc {
    fn name(&self) -> &str {
        "jaccard"
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
            jaccard_with(&mut scratch, v[0], v[1])
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
    fn character_sets() {
        // DuckDB documentation: jaccard('duck', 'luck') = 0.6.
        assert_eq!(jaccard("duck", "luck"), Some(0.6));
        assert_eq!(jaccard("aab", "abb"), Some(1.0));
        assert_eq!(jaccard("abc", "ABC"), Some(0.0));
        assert_eq!(jaccard("", ""), Some(0.0));
        assert_eq!(jaccard("a", ""), Some(0.0));
    }

    #[test]
    fn unicode_characters() {
        // {é, t} vs {e, t}: one common character out of three.
        assert_eq!(jaccard("été", "ete"), Some(1.0 / 3.0));
        assert_eq!(jaccard("東京", "京都"), Some(1.0 / 3.0));
        // The general path agrees with the ASCII bit set.
        let mut s = Scratch::new();
        assert_eq!(
            ngram_jaccard_with(&mut s, "duck", "luck", 1),
            jaccard("duck", "luck")
        );
    }
}
