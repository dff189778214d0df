//! `ngram_jaccard(a, b [, n])`: the Jaccard index of the sets of character n-grams.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::args::{
    IntArg, map_strings_and_int, strings_and_int_return_type, strings_and_int_signature,
};
use super::scratch::{Scratch, exceeds_chars};
use super::sets::{count_common, jaccard_index, ngrams, sort_dedup};
use super::{DEFAULT_NGRAM, MAX_CHARS, MAX_NGRAM};
use crate::common::DOC_SECTION_SIMILARITY;

/// `|A ∩ B| / |A ∪ B|` where `A` and `B` are the sets of character `n`-grams of `a` and `b`
/// (case-sensitive; a non-empty string shorter than `n` is its own single gram), in [0, 1];
/// 0 when either string is empty. `None` when `n` is outside 1..=[`MAX_NGRAM`] or a string
/// is longer than [`MAX_CHARS`] characters.
pub fn ngram_jaccard(a: &str, b: &str, n: i64) -> Option<f64> {
    ngram_jaccard_with(&mut Scratch::new(), a, b, n)
}

/// [`ngram_jaccard`] with caller-owned buffers.
pub fn ngram_jaccard_with(scratch: &mut Scratch, a: &str, b: &str, n: i64) -> Option<f64> {
    let (a_set, b_set, common) = ngram_overlap(scratch, a, b, n)?;
    Some(jaccard_index(a_set, b_set, common))
}

/// Sizes of the two n-gram sets and of their intersection.
pub(crate) fn ngram_overlap(
    scratch: &mut Scratch,
    a: &str,
    b: &str,
    n: i64,
) -> Option<(usize, usize, usize)> {
    let n = usize::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_NGRAM).contains(n))?;
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    let (ra, rb) = (&mut scratch.ranges_a, &mut scratch.ranges_b);
    ngrams(a, n, ra);
    ngrams(b, n, rb);
    sort_dedup(a, ra);
    sort_dedup(b, rb);
    Some((ra.len(), rb.len(), count_common(a, ra, b, rb)))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Jaccard index `|A ∩ B| / |A ∪ B|` of the sets of character n-grams of two \
         strings (default n = 2, bigrams), between 0 and 1. Case-sensitive, Unicode \
         characters, no padding; a non-empty string shorter than n is one gram. 0 when a \
         string is empty; NULL when n is outside 1..=32 or a string is longer than 16384 \
         characters.",
        "ngram_jaccard(str1, str2[, n])",
    )
    .with_sql_example(
        r#"```sql
> select ngram_jaccard('night', 'nacht'), ngram_jaccard('night', 'nacht', 1);
+--------------------------------------------+-----------------------------------------------------+
| ngram_jaccard(Utf8("night"),Utf8("nacht")) | ngram_jaccard(Utf8("night"),Utf8("nacht"),Int64(1)) |
+--------------------------------------------+-----------------------------------------------------+
| 0.14285714285714285                        | 0.42857142857142855                                 |
+--------------------------------------------+-----------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_argument(
        "n",
        "Optional integer, the n-gram length: 2 by default, from 1 to 32.",
    )
    .with_related_udf("jaccard")
    .with_related_udf("sorensen_dice")
    .with_related_udf("trigram_similarity")
    .build()
});

/// The `ngram_jaccard` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NgramJaccardFunc {
    signature: Signature,
}

impl Default for NgramJaccardFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NgramJaccardFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_and_int_signature(IntArg::Optional),
        }
    }
}

impl ScalarUDFImpl for NgramJaccardFunc {
    fn name(&self) -> &str {
        "ngram_jaccard"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_and_int_return_type(
            self.name(),
            arg_types,
            IntArg::Optional,
            "n",
            DataType::Float64,
        )
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut scratch = Scratch::new();
        map_strings_and_int::<Float64Type, _>(
            self.name(),
            &args.args,
            args.number_rows,
            |a, b, n| ngram_jaccard_with(&mut scratch, a, b, n.unwrap_or(DEFAULT_NGRAM)),
        )
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigram_and_unigram_sets() {
        // night: {ni, ig, gh, ht}; nacht: {na, ac, ch, ht}: 1 common out of 7.
        assert_eq!(ngram_jaccard("night", "nacht", 2), Some(1.0 / 7.0));
        // {n, i, g, h, t} vs {n, a, c, h, t}: 3 common out of 7.
        assert_eq!(ngram_jaccard("night", "nacht", 1), Some(3.0 / 7.0));
        assert_eq!(ngram_jaccard("abab", "abab", 2), Some(1.0));
        assert_eq!(ngram_jaccard("a", "a", 3), Some(1.0));
        assert_eq!(ngram_jaccard("ab", "abc", 3), Some(0.0));
        assert_eq!(ngram_jaccard("", "", 2), Some(0.0));
    }

    #[test]
    fn invalid_n_gives_none() {
        assert_eq!(ngram_jaccard("a", "a", 0), None);
        assert_eq!(ngram_jaccard("a", "a", -3), None);
        assert_eq!(ngram_jaccard("a", "a", MAX_NGRAM as i64 + 1), None);
        assert!(ngram_jaccard("a", "a", MAX_NGRAM as i64).is_some());
    }

    #[test]
    fn unicode_grams() {
        // {hé, él, ll, lo} vs {he, el, ll, lo}: 2 common out of 6.
        assert_eq!(ngram_jaccard("héllo", "hello", 2), Some(2.0 / 6.0));
    }
}
