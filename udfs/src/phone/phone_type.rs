//! `phone_type(phone [, default_region])`: what kind of line a phone number is.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::{PHONE_ARITIES, Row, for_each_phone, parse_phone_number};
use crate::common::{DOC_SECTION_PHONE, strings_return_type, strings_signature};

/// The type of `phone` as a lowercase word (see [`super::PhoneType::as_str`]), or `None` when
/// it is not a valid number or `default_region` is unknown.
pub fn phone_type(phone: &str, default_region: Option<&str>) -> Option<&'static str> {
    parse_phone_number(phone, default_region).map(|p| p.kind().as_str())
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_PHONE,
        "Returns the type of a phone number according to libphonenumber metadata, one of: \
         `mobile`, `fixed_line`, `fixed_line_or_mobile` (regions such as the US and Canada \
         where the number does not tell), `toll_free`, `premium_rate`, `shared_cost`, \
         `personal_number`, `voip`, `pager`, `uan` (universal access / company numbers), \
         `voicemail`. Returns NULL when the value is not a valid number (see \
         `normalize_phone`) or the region is unknown.",
        "phone_type(phone [, default_region])",
    )
    .with_sql_example(
        r#"```sql
> select phone_type('06 12 34 56 78', 'FR'), phone_type('+33 1 42 68 53 00');
+-----------------------------------------------+---------------------------------------+
| phone_type(Utf8("06 12 34 56 78"),Utf8("FR")) | phone_type(Utf8("+33 1 42 68 53 00")) |
+-----------------------------------------------+---------------------------------------+
| mobile                                        | fixed_line                            |
+-----------------------------------------------+---------------------------------------+
```"#,
    )
    .with_argument(
        "phone",
        "String expression: the phone number, in any common format.",
    )
    .with_argument(
        "default_region",
        "Optional string expression: ISO 3166 alpha-2 code (any case) of the region national \
         forms belong to; without it, or with '', only international forms parse.",
    )
    .with_related_udf("normalize_phone")
    .build()
});

/// The `phone_type` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PhoneTypeFunc {
    signature: Signature,
}

impl Default for PhoneTypeFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl PhoneTypeFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(PHONE_ARITIES),
        }
    }
}

impl ScalarUDFImpl for PhoneTypeFunc {
    fn name(&self) -> &str {
        "phone_type"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, PHONE_ARITIES, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let mut builder = StringBuilder::with_capacity(rows, rows * 10);
        let strings = for_each_phone(self.name(), &args.args, rows, |row| match row {
            Row::Valid(phone) => builder.append_value(phone.kind().as_str()),
            Row::Null | Row::Invalid => builder.append_null(),
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
    fn types() {
        let cases = [
            ("06 12 34 56 78", Some("FR"), Some("mobile")),
            ("07 81 23 45 67", Some("FR"), Some("mobile")),
            ("01 42 68 53 00", Some("FR"), Some("fixed_line")),
            ("0 800 12 34 56", Some("FR"), Some("toll_free")),
            ("09 70 12 34 56", Some("FR"), Some("voip")),
            ("+1 212 555 0100", None, Some("fixed_line_or_mobile")),
            ("+1 800 723 3456", None, Some("toll_free")),
            ("020 7946 0958", Some("GB"), Some("fixed_line")),
            ("07400 123456", Some("GB"), Some("mobile")),
            ("090-1234-5678", Some("JP"), Some("mobile")),
            ("03-1234-5678", Some("JP"), Some("fixed_line")),
            ("010-1234-5678", Some("KR"), Some("mobile")),
            ("+39 06 1234 5678", None, Some("fixed_line")),
            ("+39 312 345 6789", None, Some("mobile")),
            ("+800 1234 5678", None, Some("toll_free")),
            ("06 12 34 56", Some("FR"), None),
            ("06 12 34 56 78", Some("??"), None),
        ];
        for (phone, region, expected) in cases {
            assert_eq!(phone_type(phone, region), expected, "{phone:?} {region:?}");
        }
    }
}
