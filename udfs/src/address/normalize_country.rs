//! `normalize_country(text)`: the ISO 3166-1 alpha-2 code of a country code or name.

use std::borrow::Cow;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::countries::COUNTRIES;
use crate::common::{
    DOC_SECTION_ADDRESS, map_to_utf8, one_string_return_type, one_string_signature,
};

/// Returns the ISO 3166-1 alpha-2 code (uppercase) of the country `text` names, or `None` when
/// it names none.
///
/// `text` may be an alpha-2 code (`fr`), an alpha-3 code (`FRA`, as Cegid exports write it),
/// or a name in English, French, German, Italian or Spanish, a local name (`Deutschland`,
/// `España`, `日本`, `대한민국`) or a usual alias (`UK`, `USA`, `Holland`, `Great Britain`,
/// `England` → `GB`). Matching ignores case, accents, spaces and punctuation (`U.S.A.`,
/// `Royaume Uni`, `COTE D'IVOIRE` all match). Every country of ISO 3166-1 is known, with at
/// least its English and French names (`udfs/data/countries.csv`).
pub fn normalize_country(text: &str) -> Option<&'static str> {
    COUNTRIES.lookup(text)
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_ADDRESS,
        "Returns the ISO 3166-1 alpha-2 code of a country given as an alpha-2 code, an alpha-3 \
         code (FRA, GBR, DEU, as Cegid exports write them) or a name in English, French, \
         German, Italian or Spanish, its local name (Deutschland, España, 日本, 대한민국) or a \
         usual alias (UK, USA, Great Britain, England → GB; États-Unis, United States of \
         America → US). Case, accents, spaces and punctuation are ignored. Returns NULL for \
         anything else. All 249 ISO 3166-1 countries and territories are known.",
        "normalize_country(country)",
    )
    .with_sql_example(
        r#"```sql
> select normalize_country('Royaume-Uni'), normalize_country('DEU'), normalize_country('日本');
+------------------------------------------+-----------------------------------+------------------------------------+
| normalize_country(Utf8("Royaume-Uni"))   | normalize_country(Utf8("DEU"))    | normalize_country(Utf8("日本"))    |
+------------------------------------------+-----------------------------------+------------------------------------+
| GB                                       | DE                                | JP                                 |
+------------------------------------------+-----------------------------------+------------------------------------+
```"#,
    )
    .with_argument(
        "country",
        "String expression: an ISO code or a country name.",
    )
    .with_related_udf("normalize_postcode")
    .build()
});

/// The `normalize_country` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizeCountryFunc {
    signature: Signature,
}

impl Default for NormalizeCountryFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizeCountryFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for NormalizeCountryFunc {
    fn name(&self) -> &str {
        "normalize_country"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, |text| {
            normalize_country(text).map(Cow::Borrowed)
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
    fn codes() {
        for (text, expected) in [
            ("FR", "FR"),
            ("fr", "FR"),
            (" FRA ", "FR"),
            ("GBR", "GB"),
            ("DEU", "DE"),
            ("che", "CH"),
            ("USA", "US"),
            ("KOR", "KR"),
        ] {
            assert_eq!(normalize_country(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn names_in_several_languages() {
        for (text, expected) in [
            ("France", "FR"),
            ("Allemagne", "DE"),
            ("Deutschland", "DE"),
            ("Germania", "DE"),
            ("Alemania", "DE"),
            ("ESPAÑA", "ES"),
            ("espana", "ES"),
            ("Spanien", "ES"),
            ("United Kingdom", "GB"),
            ("Royaume-Uni", "GB"),
            ("royaume uni", "GB"),
            ("UK", "GB"),
            ("U.K.", "GB"),
            ("Great Britain", "GB"),
            ("England", "GB"),
            ("Vereinigtes Königreich", "GB"),
            ("USA", "US"),
            ("U.S.A.", "US"),
            ("États-Unis", "US"),
            ("Etats Unis", "US"),
            ("United States of America", "US"),
            ("日本", "JP"),
            ("Japon", "JP"),
            ("대한민국", "KR"),
            ("Corée du Sud", "KR"),
            ("Côte d'Ivoire", "CI"),
            ("COTE D IVOIRE", "CI"),
            ("Ivory Coast", "CI"),
            ("Bosnia & Herzegovina", "BA"),
            ("Trinidad & Tobago", "TT"),
            ("Suisse", "CH"),
            ("Svizzera", "CH"),
            ("Schweiz", "CH"),
            ("Pays-Bas", "NL"),
            ("Holland", "NL"),
            ("Россия", "RU"),
            ("Ελλάδα", "GR"),
            ("Guyane", "GF"),
            ("Guyana", "GY"),
            ("Congo", "CG"),
            ("RDC", "CD"),
        ] {
            assert_eq!(normalize_country(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn unknown_is_none() {
        for text in [
            "",
            "  ",
            "XX",
            "ZZZ",
            "Atlantis",
            "Paris",
            "Virgin Islands",
            "F",
            "-",
        ] {
            assert_eq!(normalize_country(text), None, "{text:?}");
        }
        assert_eq!(normalize_country(&"France".repeat(100)), None);
    }
}
