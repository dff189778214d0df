//! `normalize_postcode(code, country)`: the canonical form of a postcode in its country's
//! format.

use std::borrow::Cow;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::normalize_country::normalize_country;
use super::postcode_rules::{PostcodeRule, apply, rule_for};
use crate::common::{DOC_SECTION_ADDRESS, StringArgs, strings_return_type, strings_signature};

/// Longest postcode accepted, in bytes; longer values are not postcodes.
pub const MAX_POSTCODE_BYTES: usize = 32;

/// Returns the canonical form of postcode `code` in `country` (an ISO code or a name, see
/// [`normalize_country`](super::normalize_country)), or `None` when it is not a valid
/// postcode there.
///
/// Known formats: FR (5 digits, a lost leading zero restored: `6000` → `06000`), GB, GG, JE
/// and IM (`SW1A 1AA`), US and its territories (`12345` or `12345-6789`), DE, IT, ES, FI, MX,
/// KR (5 digits), BE, CH, AT, LU, LI, HU, SI, DK, NO, AU (4 digits), NL (`1234 AB`), JP
/// (`123-4567`), CA (`K1A 0B6`), PT (`1234-567`), BR (`12345-678`), PL (`12-345`), SE, GR, CZ,
/// SK (`123 45`), IN, RU, CN, BY, KZ (6 digits), MC and the French overseas territories. The
/// input may omit the separator or use a space or a hyphen, may carry a country prefix (`F-`,
/// `CH-`), and, where codes start with zeros, may have lost up to two leading zeros. For other
/// or unknown countries the value is trimmed, uppercased and its inner whitespace collapsed.
/// Values longer than [`MAX_POSTCODE_BYTES`] are `None`.
pub fn normalize_postcode<'a>(code: &'a str, country: &str) -> Option<Cow<'a, str>> {
    normalize_with(code, country_format(country))
}

/// What a country argument tells about the postcode format.
#[derive(Debug, Clone, Copy)]
pub(crate) enum CountryFormat {
    Known(PostcodeRule),
    Unknown,
}

pub(crate) fn country_format(country: &str) -> CountryFormat {
    match normalize_country(country).and_then(rule_for) {
        Some(rule) => CountryFormat::Known(rule),
        None => CountryFormat::Unknown,
    }
}

pub(crate) fn normalize_with(code: &str, format: CountryFormat) -> Option<Cow<'_, str>> {
    if code.len() > MAX_POSTCODE_BYTES {
        return None;
    }
    match format {
        CountryFormat::Known(rule) => apply(rule, code),
        CountryFormat::Unknown => generic(code),
    }
}

/// Trimmed, uppercased, inner whitespace collapsed to one space.
fn generic(code: &str) -> Option<Cow<'_, str>> {
    let trimmed = code.trim();
    if trimmed.is_empty() {
        return None;
    }
    let canonical = !trimmed.chars().any(char::is_lowercase)
        && !trimmed.contains(|c: char| c.is_whitespace() && c != ' ')
        && !trimmed.contains("  ");
    if canonical {
        return Some(Cow::Borrowed(trimmed));
    }
    let mut out = String::with_capacity(trimmed.len());
    for word in trimmed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_uppercase));
    }
    // Uppercasing can lengthen a value ('ῲ' → "ῺΙ"): past the limit it would not be its own
    // canonical form.
    (out.len() <= MAX_POSTCODE_BYTES).then_some(Cow::Owned(out))
}

/// Calls `f` for each row with the postcode and its country's format, `None` when either is
/// null. The country is looked up once when it is the same for every row.
pub(crate) fn for_each_postcode<'a>(
    args: &'a StringArgs,
    mut f: impl FnMut(Option<(&'a str, CountryFormat)>),
) {
    let fixed = args.constant(1).map(|c| c.map(country_format));
    for row in 0..args.rows() {
        let format = match fixed {
            Some(format) => format,
            None => args.get(1, row).map(country_format),
        };
        f(args.get(0, row).zip(format));
    }
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_ADDRESS,
        "Returns a postcode in the canonical form of its country, or NULL when it is not valid \
         there. The country is an ISO code or a name (as normalize_country reads it). Known \
         formats: FR (5 digits; a leading zero lost by a spreadsheet is restored, 6000 → \
         06000), GB/GG/JE/IM (SW1A 1AA, checked against the British pattern), US and \
         territories (ZIP or ZIP+4), DE, IT, ES, FI, MX, KR (5 digits), BE, CH, AT, LU, LI, \
         HU, SI, DK, NO, AU (4 digits), NL (1234 AB), JP (123-4567), CA (K1A 0B6), PT \
         (1234-567), BR (12345-678), PL (12-345), SE, GR, CZ, SK (123 45), IN, RU, CN, BY, KZ \
         (6 digits), MC and French overseas territories. Separators may be missing, spaces or \
         hyphens; a country prefix (F-75001, CH-8001) is removed. For any other or unknown \
         country, the value is trimmed, uppercased and its inner spaces collapsed. Values \
         longer than 32 bytes are NULL.",
        "normalize_postcode(postcode, country)",
    )
    .with_sql_example(
        r#"```sql
> select normalize_postcode('6000', 'FR'), normalize_postcode('sw1a1aa', 'GBR'),
         normalize_postcode('1234ab', 'Pays-Bas'), normalize_postcode('75001', 'DE');
+------------------------------------------------+-----------------------------------------------------+-------------------------------------------------------+------------------------------------------------+
| normalize_postcode(Utf8("6000"),Utf8("FR"))    | normalize_postcode(Utf8("sw1a1aa"),Utf8("GBR"))     | normalize_postcode(Utf8("1234ab"),Utf8("Pays-Bas"))   | normalize_postcode(Utf8("75001"),Utf8("DE"))   |
+------------------------------------------------+-----------------------------------------------------+-------------------------------------------------------+------------------------------------------------+
| 06000                                          | SW1A 1AA                                            | 1234 AB                                               | 75001                                          |
+------------------------------------------------+-----------------------------------------------------+-------------------------------------------------------+------------------------------------------------+
```"#,
    )
    .with_argument("postcode", "String expression: the postcode as entered.")
    .with_argument(
        "country",
        "String expression: the country, as an ISO 3166-1 alpha-2 or alpha-3 code or a name.",
    )
    .with_related_udf("is_valid_postcode")
    .with_related_udf("normalize_country")
    .build()
});

/// The `normalize_postcode` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizePostcodeFunc {
    signature: Signature,
}

impl Default for NormalizePostcodeFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizePostcodeFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for NormalizePostcodeFunc {
    fn name(&self) -> &str {
        "normalize_postcode"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let args = StringArgs::try_new(self.name(), &args.args, args.number_rows)?;
        let mut builder = StringBuilder::with_capacity(args.rows(), args.rows() * 8);
        for_each_postcode(&args, |row| {
            match row.and_then(|(code, format)| normalize_with(code, format)) {
                Some(code) => builder.append_value(code),
                None => builder.append_null(),
            }
        });
        args.finish(Arc::new(builder.finish()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(code: &str, country: &str) -> Option<String> {
        normalize_postcode(code, country).map(Cow::into_owned)
    }

    #[test]
    fn france() {
        assert_eq!(norm("75001", "FR").as_deref(), Some("75001"));
        assert_eq!(norm(" 75 001 ", "France").as_deref(), Some("75001"));
        // Nice lost its leading zero in a spreadsheet.
        assert_eq!(norm("6000", "FR").as_deref(), Some("06000"));
        assert_eq!(norm("F-75001", "FRA").as_deref(), Some("75001"));
        assert_eq!(norm("20000", "FR").as_deref(), Some("20000"));
        assert_eq!(norm("97400", "FR").as_deref(), Some("97400"));
        assert_eq!(norm("97400", "Réunion").as_deref(), Some("97400"));
        for bad in [
            "750011",
            "600",
            "7500A",
            "96000",
            "00100",
            "",
            "75001 Paris",
        ] {
            assert_eq!(norm(bad, "FR"), None, "{bad:?}");
        }
    }

    #[test]
    fn great_britain() {
        for (raw, expected) in [
            ("sw1a1aa", "SW1A 1AA"),
            ("SW1A 1AA", "SW1A 1AA"),
            ("m1 1ae", "M1 1AE"),
            ("B33 8TH", "B33 8TH"),
            ("cr26xh", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("W1A 0AX", "W1A 0AX"),
            ("EC1A 1BB", "EC1A 1BB"),
            ("gir 0aa", "GIR 0AA"),
        ] {
            assert_eq!(norm(raw, "GB").as_deref(), Some(expected), "{raw:?}");
        }
        assert_eq!(norm("GY1 1AA", "Guernsey").as_deref(), Some("GY1 1AA"));
        // Q first, I in second position, C/I/K/M/O/V in the inward code, wrong lengths.
        for bad in [
            "QA1 1AA",
            "AI1 1AA",
            "SW1A 1AC",
            "SW1A1A",
            "SW1A 1AAA",
            "123 456",
        ] {
            assert_eq!(norm(bad, "UK"), None, "{bad:?}");
        }
    }

    #[test]
    fn other_known_countries() {
        for (raw, country, expected) in [
            ("90210", "US", "90210"),
            ("902101234", "USA", "90210-1234"),
            ("90210 1234", "US", "90210-1234"),
            ("2134", "US", "02134"),
            ("10115", "DE", "10115"),
            ("D-10115", "Deutschland", "10115"),
            ("1067", "DE", "01067"),
            ("100", "IT", "00100"),
            ("28001", "ES", "28001"),
            ("1000", "BE", "1000"),
            ("CH-8001", "CH", "8001"),
            ("1234ab", "NL", "1234 AB"),
            ("1234 - AB", "Nederland", "1234 AB"),
            ("1234567", "JP", "123-4567"),
            ("〒１２３－４５６７", "日本", "123-4567"),
            ("03187", "KR", "03187"),
            ("k1a0b6", "CA", "K1A 0B6"),
            ("1000-001", "PT", "1000-001"),
            ("00950", "PL", "00-950"),
            ("11434", "SE", "114 34"),
        ] {
            assert_eq!(
                norm(raw, country).as_deref(),
                Some(expected),
                "{raw:?} {country}"
            );
        }
        for (bad, country) in [
            ("53000", "ES"),
            ("00100", "DE"),
            ("0999", "BE"),
            ("1234 SA", "NL"),
            ("0123 AB", "NL"),
            ("123456", "KR"),
            ("D1A 0B6", "CA"),
            ("W1A 0B6", "CA"),
            ("1234", "JP"),
            ("90", "US"),
            // Zeros are restored in the ZIP, never in the ZIP+4 form.
            ("9021012", "US"),
        ] {
            assert_eq!(norm(bad, country), None, "{bad:?} {country}");
        }
    }

    #[test]
    fn unknown_countries_are_trimmed_and_uppercased() {
        assert_eq!(norm(" ab  12\t3 ", "Atlantis").as_deref(), Some("AB 12 3"));
        assert_eq!(norm("1010", "Argentina").as_deref(), Some("1010"));
        assert!(matches!(
            normalize_postcode("AB 12", "ZZ"),
            Some(Cow::Borrowed("AB 12"))
        ));
        assert_eq!(norm("   ", "ZZ"), None);
        assert_eq!(norm(&"9".repeat(40), "ZZ"), None);
    }

    #[test]
    fn borrows_when_canonical() {
        assert!(matches!(
            normalize_postcode("SW1A 1AA", "GB"),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(
            normalize_postcode("75001", "FR"),
            Some(Cow::Borrowed(_))
        ));
    }
}
