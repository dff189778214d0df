//! `parse_date(text, format)`: a calendar date read from text.

use std::sync::{Arc, LazyLock};

use chrono::NaiveDate;
use datafusion::arrow::array::Date32Builder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::{ArgValues, DateFormat};
use crate::common::{DOC_SECTION_DATETIME, StringArgs, strings_return_type, strings_signature};

const ARITIES: &[usize] = &[2];

/// The calendar date `text` gives, read with `format` (a chrono strftime pattern or
/// `iso8601`), as written: a time of day or UTC offset in the value is ignored, nothing is
/// converted between time zones. `None` when the value does not match or the format is
/// invalid.
pub fn parse_date(text: &str, format: &str) -> Option<NaiveDate> {
    Some(DateFormat::parse(format).ok()?.read(text)?.local.date())
}

/// Days since 1970-01-01 (Arrow's `Date32`).
fn days_since_epoch(date: NaiveDate) -> Option<i32> {
    i32::try_from((date - NaiveDate::from_ymd_opt(1970, 1, 1)?).num_days()).ok()
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_DATETIME,
        "Reads a calendar date from text (a birth date shipped as '12/03/1985'). `format` is a \
         chrono strftime pattern ('%d/%m/%Y', '%Y%m%d') or 'iso8601' ('1985-03-12', or a full \
         RFC 3339 timestamp). The date is taken as written: a time of day or offset in the \
         value is ignored, no time zone conversion. Returns NULL when the value does not match \
         the format or is no real date. A constant invalid format is an error; one read from a \
         column gives NULL.",
        "parse_date(text, format)",
    )
    .with_sql_example(
        r#"```sql
> select parse_date('12/03/1985', '%d/%m/%Y');
+-------------------------------------------------+
| parse_date(Utf8("12/03/1985"),Utf8("%d/%m/%Y")) |
+-------------------------------------------------+
| 1985-03-12                                      |
+-------------------------------------------------+
```"#,
    )
    .with_argument("text", "String expression: the date to read.")
    .with_argument(
        "format",
        "String expression: a chrono strftime pattern, or 'iso8601'.",
    )
    .with_related_udf("parse_timestamp_utc")
    .build()
});

/// The `parse_date` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseDateFunc {
    signature: Signature,
}

impl Default for ParseDateFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl ParseDateFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(ARITIES),
        }
    }
}

impl ScalarUDFImpl for ParseDateFunc {
    fn name(&self) -> &str {
        "parse_date"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, ARITIES, DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let strings = StringArgs::try_new(name, &args.args, args.number_rows)?;
        let mut formats = ArgValues::new(name, &strings, 1, "format", DateFormat::parse)?;
        let mut builder = Date32Builder::with_capacity(strings.rows());
        for row in 0..strings.rows() {
            let date = match (
                strings.get(0, row),
                formats.get(&strings, row, DateFormat::parse),
            ) {
                (Some(text), Some(format)) => format.read(text).map(|r| r.local.date()),
                _ => None,
            };
            builder.append_option(date.and_then(days_since_epoch));
        }
        strings.finish(Arc::new(builder.finish()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str, format: &str) -> Option<String> {
        parse_date(text, format).map(|d| d.to_string())
    }

    #[test]
    fn birth_dates() {
        assert_eq!(
            date("12/03/1985", "%d/%m/%Y").as_deref(),
            Some("1985-03-12")
        );
        assert_eq!(
            date(" 1985-03-12 ", "iso8601").as_deref(),
            Some("1985-03-12")
        );
        assert_eq!(date("19850312", "%Y%m%d").as_deref(), Some("1985-03-12"));
        // As written: the offset does not move the date.
        assert_eq!(
            date("1985-03-12T23:30:00-05:00", "iso8601").as_deref(),
            Some("1985-03-12")
        );
        assert_eq!(date("29/02/2023", "%d/%m/%Y"), None);
        assert_eq!(date("12/03/1985", "%Y-%m-%d"), None);
        assert_eq!(date("12/03/1985", "%d/%m"), None);
    }

    #[test]
    fn epoch_days() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).and_then(days_since_epoch);
        assert_eq!(day(1970, 1, 1), Some(0));
        assert_eq!(day(1969, 12, 31), Some(-1));
        assert_eq!(day(2024, 5, 1), Some(19844));
    }
}
