//! `token_set_ratio(a, b)`: rapidfuzz's `fuzz.token_set_ratio`, the similarity of two
//! strings' word sets that rewards one being contained in the other.

use std::cmp::Ordering;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::scratch::{Scratch, exceeds_chars};
use super::sets::{sort_dedup, tokens};
use super::token_sort_ratio::indel_distance;
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// rapidfuzz's `fuzz.token_set_ratio(a, b)` (without a processor), in [0, 100].
///
/// Both strings are split on whitespace into sets of distinct words; `I` is their
/// intersection and `A`, `B` the words of each not in the other, each sorted and joined with
/// spaces. 0 when either string has no word; 100 when `I` is not empty and `A` or `B` is.
/// Otherwise the best of: the ratio of `I + A` to `I + B`, computed as
/// `100 - 100 · indel(A, B) / (|I + A| + |I + B|)`, and, when `I` is not empty, the ratios of
/// `I` to `I + A` and of `I` to `I + B` (whose Indel distances are just the extra lengths).
/// Case-sensitive. `None` when a string is longer than [`MAX_CHARS`] characters.
pub fn token_set_ratio(a: &str, b: &str) -> Option<f64> {
    token_set_ratio_with(&mut Scratch::new(), a, b)
}

/// [`token_set_ratio`] with caller-owned buffers.
pub fn token_set_ratio_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    let (ra, rb) = (&mut scratch.ranges_a, &mut scratch.ranges_b);
    tokens(a, ra);
    tokens(b, rb);
    if ra.is_empty() || rb.is_empty() {
        // As fuzzywuzzy, whatever the other string.
        return Some(0.0);
    }
    sort_dedup(a, ra);
    sort_dedup(b, rb);

    // Merge the sorted sets: the length of the joined intersection, and the joined differences.
    let (mut only_a, mut only_b) = (
        std::mem::take(&mut scratch.text_a),
        std::mem::take(&mut scratch.text_b),
    );
    only_a.clear();
    only_b.clear();
    let push = |out: &mut String, word: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    };
    let (mut i, mut j) = (0, 0);
    let (mut common_words, mut common_chars) = (0, 0);
    while i < ra.len() || j < rb.len() {
        let x = ra.get(i).map(|&(s, e)| &a[s..e]);
        let y = rb.get(j).map(|&(s, e)| &b[s..e]);
        match (x, y) {
            (Some(x), Some(y)) if x == y => {
                common_words += 1;
                common_chars += x.chars().count();
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.cmp(y) == Ordering::Less => {
                push(&mut only_a, x);
                i += 1;
            }
            (Some(x), None) => {
                push(&mut only_a, x);
                i += 1;
            }
            (_, Some(y)) => {
                push(&mut only_b, y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    let score = if common_words > 0 && (only_a.is_empty() || only_b.is_empty()) {
        100.0
    } else {
        // Joined intersection: its words and the spaces between them.
        let sect = if common_words > 0 {
            common_chars + common_words - 1
        } else {
            0
        };
        let (_, distance) = indel_distance(scratch, &only_a, &only_b);
        let (ab, ba) = (only_a.chars().count(), only_b.chars().count());
        let sep = usize::from(sect > 0);
        let (sect_ab, sect_ba) = (sect + sep + ab, sect + sep + ba);
        let mut best = score_of(distance, sect_ab + sect_ba);
        if sect > 0 {
            best = best
                .max(score_of(sep + ab, sect + sect_ab))
                .max(score_of(sep + ba, sect + sect_ba));
        }
        best
    };
    (scratch.text_a, scratch.text_b) = (only_a, only_b);
    Some(score)
}

/// rapidfuzz's `norm_distance`: `100 - 100 · distance / lensum`, 100 when `lensum` is 0.
fn score_of(distance: usize, lensum: usize) -> f64 {
    if lensum == 0 {
        100.0
    } else {
        100.0 - 100.0 * distance as f64 / lensum as f64
    }
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns rapidfuzz's `token_set_ratio`, between 0 and 100: the strings are split on \
         whitespace into sets of words; 100 when the words of one are all in the other, \
         otherwise the best Indel ratio between the sorted common words alone or followed by \
         each string's other words (see `token_sort_ratio` for the ratio). 0 when a string has \
         no word. Case-sensitive, as rapidfuzz without a processor. NULL for strings longer \
         than 16384 characters.",
        "token_set_ratio(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select token_set_ratio('fuzzy was a bear', 'fuzzy fuzzy was a bear');
+--------------------------------------------------------------------------+
| token_set_ratio(Utf8("fuzzy was a bear"),Utf8("fuzzy fuzzy was a bear")) |
+--------------------------------------------------------------------------+
| 100.0                                                                    |
+--------------------------------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("token_sort_ratio")
    .with_related_udf("token_jaccard")
    .build()
});

/// The `token_set_ratio` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TokenSetRatioFunc {
    signature: Signature,
}

impl Default for TokenSetRatioFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenSetRatioFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for TokenSetRatioFunc {
    fn name(&self) -> &str {
        "token_set_ratio"
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
            token_set_ratio_with(&mut scratch, v[0], v[1])
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
    fn rapidfuzz_reference_values() {
        // rapidfuzz README / fuzzywuzzy README.
        assert_eq!(
            token_set_ratio("fuzzy was a bear", "fuzzy fuzzy was a bear"),
            Some(100.0)
        );
        // The SeatGeek fuzzywuzzy example; rapidfuzz 3.14 gives 90.9090909090909 (10/11).
        let score = token_set_ratio(
            "mariners vs angels",
            "los angeles angels of anaheim at seattle mariners",
        );
        assert!(
            score.is_some_and(|s| (s - 100.0 * 10.0 / 11.0).abs() < 1e-9),
            "{score:?}"
        );
        // rapidfuzz 3.14: 91.2280701754386.
        let score = token_set_ratio(
            "new york mets vs atlanta braves",
            "atlanta braves vs new york yankees",
        );
        assert!(
            score.is_some_and(|s| (s - 91.228_070_175_438_6).abs() < 1e-9),
            "{score:?}"
        );
        assert_eq!(token_set_ratio("", ""), Some(0.0));
        assert_eq!(token_set_ratio("a", " "), Some(0.0));
    }
}
