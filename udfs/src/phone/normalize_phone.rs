//! `normalize_phone(phone [, default_region])`: a phone number in E.164 form.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::{PHONE_ARITIES, Row, for_each_phone, parse_phone_number};
use crate::common::{DOC_SECTION_PHONE, strings_return_type, strings_signature};

/// The E.164 form of `phone` (`+33612345678`), or `None` when it is not a valid number or
/// `default_region` is not a known ISO 3166 alpha-2 code (`None` or `""`: no default region).
/// The [module documentation](super) lists the forms accepted.
pub fn normalize_phone(phone: &str, default_region: Option<&str>) -> Option<String> {
    parse_phone_number(phone, default_region).map(|p| p.e164())
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_PHONE,
        "Returns a phone number in E.164 form (`+33612345678`), parsed with libphonenumber \
         metadata. National forms need the default region; international forms (`+33 6...`, \
         `0033 6...`, `+33 (0)6...`) parse without it and are read with the rules of their \
         own country. A leading apostrophe or text before the first digit is ignored, as is \
         a trailing `.0` (float exports). Returns NULL when the value is not a valid number \
         (libphonenumber's isValidNumber), is longer than 128 bytes, or the region is unknown.",
        "normalize_phone(phone [, default_region])",
    )
    .with_sql_example(
        r#"```sql
> select normalize_phone('06 12 34 56 78', 'FR'), normalize_phone('+44 (0)20 7946 0958');
+----------------------------------------------------+----------------------------------------------+
| normalize_phone(Utf8("06 12 34 56 78"),Utf8("FR")) | normalize_phone(Utf8("+44 (0)20 7946 0958")) |
+----------------------------------------------------+----------------------------------------------+
| +33612345678                                       | +442079460958                                |
+----------------------------------------------------+----------------------------------------------+
```"#,
    )
    .with_argument("phone", "String expression: the phone number, in any common format.")
    .with_argument(
        "default_region",
        "Optional string expression: ISO 3166 alpha-2 code (any case) of the region national \
         forms belong to; without it, or with '', only international forms parse.",
    )
    .with_related_udf("is_valid_phone")
    .with_related_udf("phone_country")
    .with_related_udf("phone_type")
    .build()
});

/// The `normalize_phone` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizePhoneFunc {
    signature: Signature,
}

impl Default for NormalizePhoneFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizePhoneFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(PHONE_ARITIES),
        }
    }
}

impl ScalarUDFImpl for NormalizePhoneFunc {
    fn name(&self) -> &str {
        "normalize_phone"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, PHONE_ARITIES, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        // "+" and up to 3 + 17 digits; most numbers take 12 or 13 bytes.
        let mut builder = StringBuilder::with_capacity(rows, rows * 13);
        let mut e164 = String::with_capacity(24);
        let strings = for_each_phone(self.name(), &args.args, rows, |row| match row {
            Row::Valid(phone) => {
                e164.clear();
                phone.write_e164(&mut e164);
                builder.append_value(&e164);
            }
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

    fn norm(phone: &str, region: &str) -> Option<String> {
        normalize_phone(phone, Some(region))
    }

    #[test]
    fn french_formats() {
        for phone in [
            "06 12 34 56 78",
            "06.12.34.56.78",
            "06-12-34-56-78",
            "0612345678",
            "+33 6 12 34 56 78",
            "+33612345678",
            "+33 (0)6 12 34 56 78",
            "+33(0)612345678",
            "0033 6 12 34 56 78",
            "0033 (0)6 12 34 56 78",
            // Stored as a number: the trunk 0 lost, or the calling code without "+".
            "612345678",
            "33612345678",
            "612345678.0",
            // Spreadsheet exports and surrounding noise.
            "'+33612345678",
            "'0612345678",
            "Tel: 06 12 34 56 78",
            " \t06\u{a0}12\u{202f}34 56 78 ",
        ] {
            assert_eq!(
                norm(phone, "FR").as_deref(),
                Some("+33612345678"),
                "{phone:?}"
            );
        }
        // Fixed line, toll free.
        assert_eq!(
            norm("01 42 68 53 00", "fr").as_deref(),
            Some("+33142685300")
        );
        assert_eq!(
            norm("0 800 12 34 56", "FR").as_deref(),
            Some("+33800123456")
        );
    }

    #[test]
    fn international_numbers_ignore_the_default_region() {
        for region in ["", "FR", "US", "JP"] {
            assert_eq!(
                norm("+33 (0)6 12 34 56 78", region).as_deref(),
                Some("+33612345678"),
                "{region}"
            );
            // The Italian leading 0 is part of the number.
            assert_eq!(
                norm("+39 06 1234 5678", region).as_deref(),
                Some("+390612345678"),
                "{region}"
            );
        }
        assert_eq!(
            normalize_phone("+44 (0)20 7946 0958", None).as_deref(),
            Some("+442079460958")
        );
        assert_eq!(
            norm("0039 06 1234 5678", "FR").as_deref(),
            Some("+390612345678")
        );
    }

    #[test]
    fn other_countries() {
        let cases = [
            ("020 7946 0958", "GB", "+442079460958"),
            ("07400 123456", "GB", "+447400123456"),
            ("+44 7400 123456", "", "+447400123456"),
            ("(212) 555-0100", "US", "+12125550100"),
            ("212.555.0100", "US", "+12125550100"),
            ("1 (212) 555-0100", "US", "+12125550100"),
            ("+1 212-555-0100", "", "+12125550100"),
            ("011 33 6 12 34 56 78", "US", "+33612345678"),
            ("03-1234-5678", "JP", "+81312345678"),
            ("090-1234-5678", "JP", "+819012345678"),
            ("+81 90-1234-5678", "", "+819012345678"),
            ("010-1234-5678", "KR", "+821012345678"),
            ("02-312-3456", "KR", "+8223123456"),
            ("+82 10-1234-5678", "", "+821012345678"),
            ("030 123456", "DE", "+4930123456"),
            ("+49 (0)30 123456", "", "+4930123456"),
            ("+41 (0)44 668 18 00", "", "+41446681800"),
            ("06 1234 5678", "IT", "+390612345678"),
            // Italian mobiles may begin with 39, the calling code: libphonenumber keeps them.
            ("392 123 4567", "IT", "+393921234567"),
            ("39 392 123 4567", "IT", "+393921234567"),
            ("0692 12 34 56", "RE", "+262692123456"),
            ("(11) 91234-5678", "BR", "+5511912345678"),
            ("+800 1234 5678", "", "+80012345678"),
        ];
        for (phone, region, expected) in cases {
            assert_eq!(
                norm(phone, region).as_deref(),
                Some(expected),
                "{phone:?} {region}"
            );
        }
    }

    #[test]
    fn invalid_numbers_and_regions() {
        for (phone, region) in [
            ("06 12 34 56 78", ""),
            ("06 12 34 56 78", "XX"),
            ("06 12 34 56 78", "FRA"),
            ("06 12 34 56 7", "FR"),
            ("06 12 34 56 789", "FR"),
            ("0692 12 34 56", "FR"),
            ("+33 12", ""),
            ("+999 123456789", ""),
            ("+0033612345678", ""),
            ("", "FR"),
            ("   ", "FR"),
            ("not a phone", "FR"),
            ("marie@example.com", "FR"),
            ("0612345678 / 0712345678", "FR"),
        ] {
            assert_eq!(norm(phone, region), None, "{phone:?} {region}");
        }
        // The length limit applies once trimmed: fixed-width CHAR columns pad with spaces.
        let padded = format!("+33 6 12 34 56 78{}", " ".repeat(200));
        assert_eq!(norm(&padded, "FR").as_deref(), Some("+33612345678"));
        assert_eq!(
            norm(&format!("+33 6 12 34 56 78 {}", "x".repeat(200)), "FR"),
            None
        );
    }
}
