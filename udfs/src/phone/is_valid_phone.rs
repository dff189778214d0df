//! `is_valid_phone(phone [, default_region])`: whether a value is a valid phone number.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::BooleanBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::{PHONE_ARITIES, Row, for_each_phone, parse_phone_number};
use crate::common::{DOC_SECTION_PHONE, strings_return_type, strings_signature};

/// Is `phone` a valid number (libphonenumber's `isValidNumber`) once parsed with
/// `default_region`? `false` for an unknown region.
pub fn is_valid_phone(phone: &str, default_region: Option<&str>) -> bool {
    parse_phone_number(phone, default_region).is_some()
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_PHONE,
        "Returns true when the value parses (as `normalize_phone` does) to a valid number: \
         its length and leading digits match one of the number types of its region in \
         libphonenumber metadata. Returns false otherwise, including for an unknown region, \
         and NULL when an argument is NULL. A valid number may still be unassigned or \
         disconnected: nothing is checked over the network.",
        "is_valid_phone(phone [, default_region])",
    )
    .with_sql_example(
        r#"```sql
> select is_valid_phone('06 12 34 56 78', 'FR'), is_valid_phone('06 12 34 56', 'FR');
+---------------------------------------------------+------------------------------------------------+
| is_valid_phone(Utf8("06 12 34 56 78"),Utf8("FR")) | is_valid_phone(Utf8("06 12 34 56"),Utf8("FR")) |
+---------------------------------------------------+------------------------------------------------+
| true                                              | false                                          |
+---------------------------------------------------+------------------------------------------------+
```"#,
    )
    .with_argument("phone", "String expression: the value to check.")
    .with_argument(
        "default_region",
        "Optional string expression: ISO 3166 alpha-2 code (any case) of the region national \
         forms belong to; without it, or with '', only international forms parse.",
    )
    .with_related_udf("normalize_phone")
    .build()
});

/// The `is_valid_phone` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IsValidPhoneFunc {
    signature: Signature,
}

impl Default for IsValidPhoneFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl IsValidPhoneFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(PHONE_ARITIES),
        }
    }
}

impl ScalarUDFImpl for IsValidPhoneFunc {
    fn name(&self) -> &str {
        "is_valid_phone"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, PHONE_ARITIES, DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut builder = BooleanBuilder::with_capacity(args.number_rows);
        let strings = for_each_phone(self.name(), &args.args, args.number_rows, |row| {
            builder.append_option(match row {
                Row::Null => None,
                Row::Invalid => Some(false),
                Row::Valid(_) => Some(true),
            })
        })?;
        strings.finish(Arc::new(builder.finish()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity() {
        assert!(is_valid_phone("06 12 34 56 78", Some("FR")));
        assert!(is_valid_phone("+33 6 12 34 56 78", None));
        assert!(is_valid_phone("+33 6 12 34 56 78", Some("")));
        assert!(is_valid_phone("0033 6 12 34 56 78", None));
        assert!(!is_valid_phone("06 12 34 56 78", None));
        assert!(!is_valid_phone("06 12 34 56 78", Some("XX")));
        assert!(!is_valid_phone("06 12 34 56", Some("FR")));
        // A French number is not a valid number of Réunion, and the reverse.
        assert!(!is_valid_phone("0692 12 34 56", Some("FR")));
        assert!(is_valid_phone("0692 12 34 56", Some("RE")));
        assert!(!is_valid_phone("", Some("FR")));
        assert!(!is_valid_phone(&"0".repeat(10_000), Some("FR")));
    }
}
