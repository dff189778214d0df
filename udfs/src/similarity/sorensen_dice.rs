//! `sorensen_dice(a, b [, n])`: the Sørensen-Dice coefficient of the sets of character
//! n-grams.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::DEFAULT_NGRAM;
use super::args::{
    IntArg, map_strings_and_int, strings_and_int_return_type, strings_and_int_signature,
};
use super::ngram_jaccard::ngram_overlap;
use super::scratch::Scratch;
use crate::common::DOC_SECTION_SIMILARITY;

/// `2 |A ∩ B| / (|A| + |B|)` where `A` and `B` are the sets of character `n`-grams of `a` and
/// `b`, with the same grams as [`ngram_jaccard`](super::ngram_jaccard()); in [0, 1], 0 when
/// either string is empty. `None` for an invalid `n` or a string that is too long.
pub fn sorensen_dice(a: &str, b: &str, n: i64) -> Option<f64> {
    sorensen_dice_with(&mut Scratch::new(), a, b, n)
}

/// [`sorensen_dice`] with caller-owned buffers.
pub fn sorensen_dice_with(scratch: &mut Scratch, a: &str, b: &str, n: i64) -> Option<f64> {
    let (a_set, b_set, common) = ngram_overlap(scratch, a, b, n)?;
    Some(if a_set == 0 || b_set == 0 {
        0.0
    } else {
        2.0 * common as f64 / (a_set + b_set) as f64
    })
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Sørensen-Dice coefficient `2 |A ∩ B| / (|A| + |B|)` of the sets of \
         character n-grams of two strings (default n = 2, bigrams; the same grams as \
         `ngram_jaccard`), between 0 and 1. 0 when a string is empty; NULL when n is outside \
         1..=32 or a string is longer than 16384 characters.",
        "sorensen_dice(str1, str2[, n])",
    )
    .with_sql_example(
        r#"```sql
> select sorensen_dice('night', 'nacht');
+--------------------------------------------+
| sorensen_dice(Utf8("night"),Utf8("nacht")) |
+--------------------------------------------+
| 0.25                                       |
+--------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_argument(
        "n",
        "Optional integer, the n-gram length: 2 by default, from 1 to 32.",
    )
    .with_related_udf("ngram_jaccard")
    .build()
});

/// The `sorensen_dice` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SorensenDiceFunc {
    signature: Signature,
}

impl Default for SorensenDiceFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl SorensenDiceFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_and_int_signature(IntArg::Optional),
        }
    }
}

impl ScalarUDFImpl for SorensenDiceFunc {
    fn name(&self) -> &str {
        "sorensen_dice"
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
            |a, b, n| sorensen_dice_with(&mut scratch, a, b, n.unwrap_or(DEFAULT_NGRAM)),
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
    fn dice_of_bigram_sets() {
        // Wikipedia, "Sørensen–Dice coefficient": night/nacht share 1 of 4 + 4 bigrams.
        assert_eq!(sorensen_dice("night", "nacht", 2), Some(0.25));
        assert_eq!(sorensen_dice("same", "same", 2), Some(1.0));
        assert_eq!(sorensen_dice("", "a", 2), Some(0.0));
        assert_eq!(sorensen_dice("a", "a", 0), None);
    }
}
