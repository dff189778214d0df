//! `token_sort_ratio(a, b)`: rapidfuzz's `fuzz.token_sort_ratio`, the similarity of two
//! strings with their words sorted.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::edit_distance::lcs_length;
use super::scratch::{Scratch, exceeds_chars, with_symbols};
use super::sets::tokens;
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// rapidfuzz's `fuzz.token_sort_ratio(a, b)` (without a processor), in [0, 100]: both
/// strings are split on whitespace, their words sorted and joined with single spaces, and
/// compared with rapidfuzz's `ratio`, `100 · (1 - indel / (|x| + |y|))` where `indel` is the
/// fewest character insertions and deletions (100 for two empty strings). Case-sensitive.
/// `None` when a string is longer than [`MAX_CHARS`] characters.
pub fn token_sort_ratio(a: &str, b: &str) -> Option<f64> {
    token_sort_ratio_with(&mut Scratch::new(), a, b)
}

/// [`token_sort_ratio`] with caller-owned buffers.
pub fn token_sort_ratio_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    join_sorted_tokens(a, &mut scratch.ranges_a, &mut scratch.text_a);
    join_sorted_tokens(b, &mut scratch.ranges_b, &mut scratch.text_b);
    let (x, y) = (
        std::mem::take(&mut scratch.text_a),
        std::mem::take(&mut scratch.text_b),
    );
    let ratio = indel_ratio(scratch, &x, &y);
    // Give the buffers back for the next row.
    (scratch.text_a, scratch.text_b) = (x, y);
    Some(ratio)
}

/// The words of `s`, sorted, joined with single spaces into `out`.
fn join_sorted_tokens(s: &str, ranges: &mut Vec<(usize, usize)>, out: &mut String) {
    tokens(s, ranges);
    ranges.sort_unstable_by(|x, y| s[x.0..x.1].cmp(&s[y.0..y.1]));
    out.clear();
    for (i, &(start, end)) in ranges.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&s[start..end]);
    }
}

/// rapidfuzz's `ratio`: the normalized Indel similarity of `x` and `y` times 100.
pub(crate) fn indel_ratio(scratch: &mut Scratch, x: &str, y: &str) -> f64 {
    let (lensum, distance) = indel_distance(scratch, x, y);
    if lensum == 0 {
        return 100.0;
    }
    (1.0 - distance as f64 / lensum as f64) * 100.0
}

/// `(chars(x) + chars(y), indel distance)`, the distance being
/// `chars(x) + chars(y) - 2 · lcs(x, y)`.
pub(crate) fn indel_distance(scratch: &mut Scratch, x: &str, y: &str) -> (usize, usize) {
    let Scratch {
        encoder,
        pattern,
        words_a,
        ..
    } = scratch;
    with_symbols!(encoder, x, y, |p, q, k| {
        let lensum = p.len() + q.len();
        (lensum, lensum - 2 * lcs_length(p, q, k, pattern, words_a))
    })
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns rapidfuzz's `token_sort_ratio`, between 0 and 100: the words of both strings \
         (split on whitespace) are sorted and joined with single spaces, then compared as \
         `100 * (1 - indel / total_length)` with `indel` the fewest character insertions and \
         deletions; 100 for two strings without words. Case-sensitive, as rapidfuzz without a \
         processor (apply `lower` first to ignore case). NULL for strings longer than 16384 \
         characters.",
        "token_sort_ratio(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select token_sort_ratio('fuzzy wuzzy was a bear', 'wuzzy fuzzy was a bear');
+---------------------------------------------------------------------------------+
| token_sort_ratio(Utf8("fuzzy wuzzy was a bear"),Utf8("wuzzy fuzzy was a bear")) |
+---------------------------------------------------------------------------------+
| 100.0                                                                           |
+---------------------------------------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("token_set_ratio")
    .build()
});

/// The `token_sort_ratio` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TokenSortRatioFunc {
    signature: Signature,
}

impl Default for TokenSortRatioFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl TokenSortRatioFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for TokenSortRatioFunc {
    fn name(&self) -> &str {
        "token_sort_ratio"
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
            token_sort_ratio_with(&mut scratch, v[0], v[1])
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
            token_sort_ratio("fuzzy wuzzy was a bear", "wuzzy fuzzy was a bear"),
            Some(100.0)
        );
        // rapidfuzz documentation of fuzz.ratio: "this is a test" vs "this is a test!" is
        // 96.55 (no reordering happens here, so token_sort_ratio equals ratio).
        let score = token_sort_ratio("this is a test", "this is a test!").unwrap_or(0.0);
        assert!((score - 96.551_724_137_931_03).abs() < 1e-9, "{score}");
        // rapidfuzz 3.14: 62.06896551724138 (18 of 29 characters kept).
        let score = token_sort_ratio("new york mets", "new york yankees").unwrap_or(0.0);
        assert!((score - 100.0 * 18.0 / 29.0).abs() < 1e-9, "{score}");
        assert_eq!(token_sort_ratio("", ""), Some(100.0));
        assert_eq!(token_sort_ratio("abc", ""), Some(0.0));
    }

    #[test]
    fn words_are_sorted_and_whitespace_collapsed() {
        assert_eq!(token_sort_ratio("Dupont  Jean", "Jean Dupont"), Some(100.0));
        assert_eq!(
            token_sort_ratio("Dupont Jean", "jean dupont").map(|s| s < 100.0),
            Some(true)
        );
        assert_eq!(
            token_sort_ratio("Éloïse Martin", "Martin Éloïse"),
            Some(100.0)
        );
    }
}
