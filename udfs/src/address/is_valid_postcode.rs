//! `is_valid_postcode(code, country)`: is a postcode valid in its country's format?

use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::BooleanBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::normalize_postcode::{CountryFormat, country_format, for_each_postcode, normalize_with};
use crate::common::{DOC_SECTION_ADDRESS, StringArgs, strings_return_type, strings_signature};

/// Is `code` a valid postcode of `country`? `None` when the country or its format is unknown,
/// since then nothing can be said. Valid means [`normalize_postcode`](super::normalize_postcode)
/// accepts it: a missing separator or a lost leading zero does not make a code invalid.
pub fn is_valid_postcode(code: &str, country: &str) -> Option<bool> {
    is_valid_with(code, country_format(country))
}

fn is_valid_with(code: &str, format: CountryFormat) -> Option<bool> {
    match format {
        CountryFormat::Known(_) => Some(normalize_with(code, format).is_some()),
        CountryFormat::Unknown => None,
    }
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_ADDRESS,
        "Returns true when a postcode is valid in its country's format (normalize_postcode \
         gives a value), false when it is not, and NULL when the country or its postcode \
         format is unknown. A missing separator, a different case or a leading zero lost by a \
         spreadsheet does not make a postcode invalid.",
        "is_valid_postcode(postcode, country)",
    )
    .with_sql_example(
        r#"```sql
> select is_valid_postcode('sw1a 1aa', 'GB'), is_valid_postcode('96000', 'FR'), is_valid_postcode('1010', 'AR');
+----------------------------------------------------+-------------------------------------------------+------------------------------------------------+
| is_valid_postcode(Utf8("sw1a 1aa"),Utf8("GB"))     | is_valid_postcode(Utf8("96000"),Utf8("FR"))     | is_valid_postcode(Utf8("1010"),Utf8("AR"))     |
+----------------------------------------------------+-------------------------------------------------+------------------------------------------------+
| true                                               | false                                           | NULL                                           |
+----------------------------------------------------+-------------------------------------------------+------------------------------------------------+
```"#,
    )
    .with_argument("postcode", "String expression: the postcode as entered.")
    .with_argument(
        "country",
        "String expression: the country, as an ISO 3166-1 alpha-2 or alpha-3 code or a name.",
    )
    .with_related_udf("normalize_postcode")
    .build()
});

/// The `is_valid_postcode` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IsValidPostcodeFunc {
    signature: Signature,
}

impl Default for IsValidPostcodeFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl IsValidPostcodeFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
        }
    }
}

impl ScalarUDFImpl for IsValidPostcodeFunc {
    fn name(&self) -> &str {
        "is_valid_postcode"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let args = StringArgs::try_new(self.name(), &args.args, args.number_rows)?;
        let mut builder = BooleanBuilder::with_capacity(args.rows());
        for_each_postcode(&args, |row| {
            builder.append_option(row.and_then(|(code, format)| is_valid_with(code, format)))
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

    #[test]
    fn known_unknown_and_invalid() {
        assert_eq!(is_valid_postcode("sw1a 1aa", "GB"), Some(true));
        assert_eq!(is_valid_postcode("6000", "FR"), Some(true));
        assert_eq!(is_valid_postcode("96000", "FR"), Some(false));
        assert_eq!(is_valid_postcode("", "FR"), Some(false));
        assert_eq!(is_valid_postcode("K1A 0B6", "Canada"), Some(true));
        assert_eq!(is_valid_postcode("1010", "Argentina"), None);
        assert_eq!(is_valid_postcode("75001", "Atlantis"), None);
    }
}
