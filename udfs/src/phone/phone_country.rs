//! `phone_country(phone [, default_region])`: the region a phone number belongs to.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::{PHONE_ARITIES, Row, for_each_phone, parse_phone_number};
use crate::common::{DOC_SECTION_PHONE, strings_return_type, strings_signature};

/// The ISO 3166 alpha-2 code of the region `phone` belongs to (`"GB"`, `"GG"` or `"JE"` for
/// +44, `"US"` or `"CA"` for +1), or `None` when it is not a valid number, is non-geographic
/// (+800, +870, +881...) or `default_region` is unknown.
pub fn phone_country(phone: &str, default_region: Option<&str>) -> Option<&'static str> {
    parse_phone_number(phone, default_region)?.region()
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_PHONE,
        "Returns the ISO 3166 alpha-2 code of the region a phone number belongs to, from the \
         number itself: '+44 7911 123456' is a Guernsey mobile (GG), '+1 416...' is Canadian \
         (CA), whatever the default region. Returns NULL when the value is not a valid number \
         (see `normalize_phone`), for non-geographic numbers (+800 international freephone, \
         +870 Inmarsat, +881 and +882 satellite and international networks) and when the \
         region is unknown.",
        "phone_country(phone [, default_region])",
    )
    .with_sql_example(
        r#"```sql
> select phone_country('+1 416 555 0100'), phone_country('06 12 34 56 78', 'FR');
+----------------------------------------+--------------------------------------------------+
| phone_country(Utf8("+1 416 555 0100")) | phone_country(Utf8("06 12 34 56 78"),Utf8("FR")) |
+----------------------------------------+--------------------------------------------------+
| CA                                     | FR                                               |
+----------------------------------------+--------------------------------------------------+
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

/// The `phone_country` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PhoneCountryFunc {
    signature: Signature,
}

impl Default for PhoneCountryFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl PhoneCountryFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(PHONE_ARITIES),
        }
    }
}

impl ScalarUDFImpl for PhoneCountryFunc {
    fn name(&self) -> &str {
        "phone_country"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, PHONE_ARITIES, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let mut builder = StringBuilder::with_capacity(rows, rows * 2);
        let strings = for_each_phone(self.name(), &args.args, rows, |row| match row {
            Row::Valid(phone) => builder.append_option(phone.region()),
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
    fn region_of_the_number_not_of_the_default() {
        let cases = [
            ("06 12 34 56 78", Some("FR"), Some("FR")),
            ("+33 6 12 34 56 78", Some("US"), Some("FR")),
            ("+1 212 555 0100", None, Some("US")),
            ("+1 416 555 0100", Some("US"), Some("CA")),
            ("(416) 555-0100", Some("US"), Some("CA")),
            ("+44 20 7946 0958", None, Some("GB")),
            // 07911 is a Guernsey mobile range, 07700 900 a Jersey one (libphonenumber).
            ("07911 123456", Some("GB"), Some("GG")),
            ("+262 692 12 34 56", Some("FR"), Some("RE")),
            ("+39 06 1234 5678", None, Some("IT")),
            ("+81 90 1234 5678", None, Some("JP")),
            ("010-1234-5678", Some("kr"), Some("KR")),
            // Non-geographic: valid, but no country.
            ("+800 1234 5678", None, None),
            ("0692 12 34 56", Some("FR"), None),
            ("06 12 34 56 78", None, None),
            ("06 12 34 56 78", Some("ZZ"), None),
        ];
        for (phone, region, expected) in cases {
            assert_eq!(
                phone_country(phone, region),
                expected,
                "{phone:?} {region:?}"
            );
        }
    }
}
