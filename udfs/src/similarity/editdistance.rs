//! `editdistance(a, b [, max_distance])`: Snowflake's name for the Levenshtein distance, with
//! Snowflake's optional cap.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::args::{IntArg, strings_and_int_return_type, strings_and_int_signature};
use super::levenshtein::{levenshtein_result_type, levenshtein_with, map_to_levenshtein_type};
use super::scratch::Scratch;
use crate::common::DOC_SECTION_SIMILARITY;

/// Snowflake's `EDITDISTANCE(a, b, max_distance)`: the Levenshtein distance, but never more
/// than `max_distance`; a negative maximum counts as 0. Same as
/// `LEAST(levenshtein(a, b), GREATEST(max_distance, 0))`. `None` when a string is too long
/// for [`levenshtein`](super::levenshtein()).
pub fn editdistance_capped(
    scratch: &mut Scratch,
    a: &str,
    b: &str,
    max_distance: i64,
) -> Option<i64> {
    let distance = levenshtein_with(scratch, a, b)? as i64;
    Some(distance.min(max_distance.max(0)))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Snowflake's EDITDISTANCE: the Levenshtein distance between two strings (see \
         `levenshtein`). With `max_distance`, returns at most that value, as \
         `LEAST(levenshtein(str1, str2), max_distance)`; a negative maximum gives 0. Same result \
         types as `levenshtein`.",
        "editdistance(str1, str2[, max_distance])",
    )
    .with_sql_example(
        r#"```sql
> select editdistance('kitten', 'sitting'), editdistance('kitten', 'sitting', 2);
+----------------------------------------------+-------------------------------------------------------+
| editdistance(Utf8("kitten"),Utf8("sitting")) | editdistance(Utf8("kitten"),Utf8("sitting"),Int64(2)) |
+----------------------------------------------+-------------------------------------------------------+
| 3                                            | 2                                                     |
+----------------------------------------------+-------------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_argument(
        "max_distance",
        "Optional integer: the largest value returned.",
    )
    .with_related_udf("levenshtein")
    .build()
});

/// The `editdistance` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EditDistanceFunc {
    signature: Signature,
}

impl Default for EditDistanceFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl EditDistanceFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_and_int_signature(IntArg::Optional),
        }
    }
}

impl ScalarUDFImpl for EditDistanceFunc {
    fn name(&self) -> &str {
        "editdistance"
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
            "max_distance",
            output,
        )
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut scratch = Scratch::new();
        map_to_levenshtein_type(self.name(), &args, |a, b, max| match max {
            None => levenshtein_with(&mut scratch, a, b).map(|d| d as i64),
            Some(max) => editdistance_capped(&mut scratch, a, b, max),
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
    fn snowflake_cap() {
        // Snowflake documentation: the cap is LEAST(distance, max), and -1 behaves as 0.
        let mut s = Scratch::new();
        assert_eq!(editdistance_capped(&mut s, "kitten", "sitting", 2), Some(2));
        assert_eq!(editdistance_capped(&mut s, "kitten", "sitting", 5), Some(3));
        assert_eq!(
            editdistance_capped(&mut s, "kitten", "sitting", -1),
            Some(0)
        );
        assert_eq!(editdistance_capped(&mut s, "same", "same", 3), Some(0));
    }
}
