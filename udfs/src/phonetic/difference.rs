//! `difference(a, b)`: how many of the four Soundex characters of two names agree (PostgreSQL
//! fuzzystrmatch, SQL Server).

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{ArrayRef, Int32Builder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::soundex::{SoundexCode, soundex};
use crate::common::{DOC_SECTION_PHONETIC, StringArgs, strings_return_type, strings_signature};

/// Returns the number of positions (0 to 4) where the Soundex codes of `a` and `b` have the
/// same character: 4 when they sound alike to Soundex, 0 when nothing matches. `None` when
/// either has no Latin letter (no Soundex code).
pub fn difference(a: &str, b: &str) -> Option<i32> {
    Some(matching_positions(&soundex(a)?, &soundex(b)?))
}

fn matching_positions(a: &SoundexCode, b: &SoundexCode) -> i32 {
    a.bytes().zip(b.bytes()).filter(|(x, y)| x == y).count() as i32
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_PHONETIC,
        "Returns how many of the four characters of the Soundex codes of two strings agree, as \
         an Int32 from 0 (nothing in common) to 4 (same code), like PostgreSQL's \
         fuzzystrmatch. Returns NULL when either string has no Latin letter (PostgreSQL \
         compares empty codes). The codes are those of `soundex`.",
        "difference(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select difference('Anne', 'Andrew'), difference('Smith', 'Smyth');
+-----------------------------------------+-----------------------------------------+
| difference(Utf8("Anne"),Utf8("Andrew")) | difference(Utf8("Smith"),Utf8("Smyth")) |
+-----------------------------------------+-----------------------------------------+
| 2                                       | 4                                       |
+-----------------------------------------+-----------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression: the first name.")
    .with_argument("str2", "String expression: the second name.")
    .with_related_udf("soundex")
    .build()
});

/// The `difference` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DifferenceFunc {
    signature: Signature,
}

impl Default for DifferenceFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl DifferenceFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for DifferenceFunc {
    fn name(&self) -> &str {
        "difference"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Int32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let strings = StringArgs::try_new(self.name(), &args.args, args.number_rows)?;
        // `difference(name, 'Smith')`: code the constant side once for the whole batch.
        let constant_code = |arg: usize| strings.constant(arg).map(|s| s.and_then(soundex));
        let (left_constant, right_constant) = (constant_code(0), constant_code(1));
        let code_at = |arg: usize, constant: Option<Option<SoundexCode>>, row: usize| {
            constant.unwrap_or_else(|| strings.get(arg, row).and_then(soundex))
        };
        let mut builder = Int32Builder::with_capacity(strings.rows());
        for row in 0..strings.rows() {
            let a = code_at(0, left_constant, row);
            let b = code_at(1, right_constant, row);
            builder.append_option(a.zip(b).map(|(a, b)| matching_positions(&a, &b)));
        }
        strings.finish(Arc::new(builder.finish()) as ArrayRef)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgresql_examples() {
        // PostgreSQL fuzzystrmatch documentation examples, values from PostgreSQL 15.
        assert_eq!(difference("Anne", "Ann"), Some(4));
        assert_eq!(difference("Anne", "Andrew"), Some(2));
        assert_eq!(difference("Anne", "Margaret"), Some(0));
    }

    #[test]
    fn symmetric_and_bounded() {
        assert_eq!(difference("Smith", "Smyth"), Some(4));
        assert_eq!(difference("Dupont", "Dupond"), Some(4));
        assert_eq!(
            difference("Martin", "Bernard"),
            difference("Bernard", "Martin")
        );
        assert_eq!(difference("Robert", "Rubin"), Some(2));
    }

    #[test]
    fn no_code_is_none() {
        assert_eq!(difference("", "Ann"), None);
        assert_eq!(difference("Ann", "Иван"), None);
        assert_eq!(difference("", ""), None);
    }
}
