//! `parse_timestamp_utc(text, format [, timezone])`: an instant read from text, in UTC.

use std::sync::{Arc, LazyLock};

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::{GapInfo, TZ_VARIANTS, Tz};
use datafusion::arrow::array::TimestampMicrosecondBuilder;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::{ArgValues, DateFormat, Reading};
use crate::common::{DOC_SECTION_DATETIME, StringArgs, strings_return_type, strings_signature};

const ARITIES: &[usize] = &[2, 3];

/// The instant `text` denotes, read with `format` (a chrono strftime pattern or `iso8601`). A
/// value without UTC offset is local time in `timezone` (an IANA name; UTC when `None` or
/// empty), a value without time of day is at local midnight. `None` when the value does not
/// match, or the format or time zone is invalid.
pub fn parse_timestamp_utc(
    text: &str,
    format: &str,
    timezone: Option<&str>,
) -> Option<DateTime<Utc>> {
    let reading = DateFormat::parse(format).ok()?.read(text)?;
    let zone = parse_time_zone(timezone.unwrap_or("")).ok()?;
    DateTime::from_timestamp_micros(to_utc_micros(reading, zone)?)
}

/// An IANA time zone name (`Europe/Paris`), exact or in another case; the empty string is
/// UTC.
pub fn parse_time_zone(name: &str) -> Result<Tz, String> {
    let name = name.trim();
    if name.is_empty() {
        return Ok(Tz::UTC);
    }
    name.parse::<Tz>()
        .ok()
        .or_else(|| {
            TZ_VARIANTS
                .iter()
                .find(|tz| tz.name().eq_ignore_ascii_case(name))
                .copied()
        })
        .ok_or_else(|| {
            format!("unknown time zone '{name}' (expected an IANA name such as 'Europe/Paris')")
        })
}

/// Microseconds since the Unix epoch of `reading`: its own offset when it has one, else its
/// local time in `zone`. Around DST changes a local time takes the offset in effect just
/// before the change (as PostgreSQL does): a time skipped by the spring change (02:30 in
/// Paris on 2024-03-31) is moved forward by the gap (03:30 CEST), and a time that occurs twice
/// in the autumn is the earlier of the two (summer time).
pub fn to_utc_micros(reading: Reading, zone: Tz) -> Option<i64> {
    let local = reading.local;
    let offset_seconds = match reading.offset {
        Some(offset) => offset,
        None => match zone.offset_from_local_datetime(&local) {
            LocalResult::Single(offset) | LocalResult::Ambiguous(offset, _) => {
                offset.fix().local_minus_utc()
            }
            LocalResult::None => GapInfo::new(&local, &zone)?
                .begin?
                .1
                .fix()
                .local_minus_utc(),
        },
    };
    let utc: NaiveDateTime =
        local.checked_sub_signed(TimeDelta::try_seconds(i64::from(offset_seconds))?)?;
    Some(utc.and_utc().timestamp_micros())
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_DATETIME,
        "Reads a date and time from text and returns the instant as a UTC timestamp \
         (microseconds). `format` is a chrono strftime pattern ('%d/%m/%Y', \
         '%d/%m/%Y %H:%M:%S', '%Y-%m-%d %H:%M:%S %z') or 'iso8601' (RFC 3339 / ISO 8601: \
         '2024-05-01', '2024-05-01T10:22:03Z', '2024-05-01 10:22:03.5+02:00'...). A value \
         with a UTC offset uses it; one without is local time in `timezone` (default UTC); a \
         date alone is local midnight. A local time skipped by a DST change is moved forward \
         by the gap, one that occurs twice is the earlier (the offset in effect before the \
         change, as in PostgreSQL). Returns NULL when the value does not match the format or \
         is no real date. A constant invalid format or time zone is an error; one read from a \
         column gives NULL.",
        "parse_timestamp_utc(text, format [, timezone])",
    )
    .with_sql_example(
        r#"```sql
> select parse_timestamp_utc('01/05/2024 10:22', '%d/%m/%Y %H:%M', 'Europe/Paris');
+-------------------------------------------------------------------------------------------+
| parse_timestamp_utc(Utf8("01/05/2024 10:22"),Utf8("%d/%m/%Y %H:%M"),Utf8("Europe/Paris")) |
+-------------------------------------------------------------------------------------------+
| 2024-05-01T08:22:00Z                                                                      |
+-------------------------------------------------------------------------------------------+
```"#,
    )
    .with_argument("text", "String expression: the date and time to read.")
    .with_argument(
        "format",
        "String expression: a chrono strftime pattern, or 'iso8601'.",
    )
    .with_argument(
        "timezone",
        "Optional string expression: IANA time zone ('Europe/Paris') of values without UTC \
         offset; UTC when omitted or ''.",
    )
    .with_related_udf("parse_date")
    .build()
});

/// The `parse_timestamp_utc` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ParseTimestampUtcFunc {
    signature: Signature,
}

impl Default for ParseTimestampUtcFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl ParseTimestampUtcFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(ARITIES),
        }
    }
}

impl ScalarUDFImpl for ParseTimestampUtcFunc {
    fn name(&self) -> &str {
        "parse_timestamp_utc"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(
            self.name(),
            arg_types,
            ARITIES,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        )
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let strings = StringArgs::try_new(name, &args.args, args.number_rows)?;
        let mut formats = ArgValues::new(name, &strings, 1, "format", DateFormat::parse)?;
        let mut zones = if strings.arity() == 3 {
            ArgValues::new(name, &strings, 2, "timezone", parse_time_zone)?
        } else {
            ArgValues::Constant(Some(Tz::UTC))
        };
        let mut builder =
            TimestampMicrosecondBuilder::with_capacity(strings.rows()).with_timezone("UTC");
        for row in 0..strings.rows() {
            let reading = match (
                strings.get(0, row),
                formats.get(&strings, row, DateFormat::parse),
            ) {
                (Some(text), Some(format)) => format.read(text),
                _ => None,
            };
            let zone = zones.get(&strings, row, parse_time_zone).copied();
            builder.append_option(reading.zip(zone).and_then(|(r, z)| to_utc_micros(r, z)));
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

    fn utc(text: &str, format: &str, zone: Option<&str>) -> Option<String> {
        parse_timestamp_utc(text, format, zone).map(|t| t.to_rfc3339())
    }

    #[test]
    fn formats_sources_use() {
        assert_eq!(
            utc("01/05/2024", "%d/%m/%Y", None).as_deref(),
            Some("2024-05-01T00:00:00+00:00")
        );
        assert_eq!(
            utc("01/05/2024", "%d/%m/%Y", Some("Europe/Paris")).as_deref(),
            Some("2024-04-30T22:00:00+00:00")
        );
        assert_eq!(
            utc(
                "01/05/2024 10:22:03",
                "%d/%m/%Y %H:%M:%S",
                Some("Europe/Paris")
            )
            .as_deref(),
            Some("2024-05-01T08:22:03+00:00")
        );
        // Shopify: the offset in the value wins over the time zone.
        assert_eq!(
            utc(
                "2024-05-01 10:22:03 +0200",
                "%Y-%m-%d %H:%M:%S %z",
                Some("America/New_York")
            )
            .as_deref(),
            Some("2024-05-01T08:22:03+00:00")
        );
        assert_eq!(
            utc("2024-05-01T10:22:03.5Z", "iso8601", Some("Asia/Tokyo")).as_deref(),
            Some("2024-05-01T10:22:03.500+00:00")
        );
        assert_eq!(
            utc("2024-05-01 10:22:03", "ISO8601", Some("Asia/Tokyo")).as_deref(),
            Some("2024-05-01T01:22:03+00:00")
        );
        assert_eq!(
            utc("2024-05-01", "iso8601", Some("europe/paris")).as_deref(),
            Some("2024-04-30T22:00:00+00:00")
        );
    }

    #[test]
    fn daylight_saving_changes() {
        // Spring forward in Paris: 02:00 to 03:00 on 2024-03-31; 02:30 is moved to 03:30 CEST.
        assert_eq!(
            utc("2024-03-31 02:30", "%Y-%m-%d %H:%M", Some("Europe/Paris")).as_deref(),
            Some("2024-03-31T01:30:00+00:00")
        );
        assert_eq!(
            utc("2024-03-31 03:30", "%Y-%m-%d %H:%M", Some("Europe/Paris")).as_deref(),
            Some("2024-03-31T01:30:00+00:00")
        );
        // Fall back: 02:30 happens twice on 2024-10-27; the earlier one is CEST (+02:00).
        assert_eq!(
            utc("2024-10-27 02:30", "%Y-%m-%d %H:%M", Some("Europe/Paris")).as_deref(),
            Some("2024-10-27T00:30:00+00:00")
        );
        // Samoa skipped 2011-12-30 entirely (UTC-10 to UTC+14).
        assert_eq!(
            utc("2011-12-30 12:00", "%Y-%m-%d %H:%M", Some("Pacific/Apia")).as_deref(),
            Some("2011-12-30T22:00:00+00:00")
        );
    }

    #[test]
    fn invalid_values_formats_and_zones() {
        assert_eq!(utc("31/02/2024", "%d/%m/%Y", None), None);
        assert_eq!(utc("hello", "%d/%m/%Y", None), None);
        assert_eq!(utc("", "iso8601", None), None);
        assert_eq!(utc("01/05/2024", "%Q", None), None);
        assert_eq!(utc("01/05/2024", "%d/%m/%Y", Some("Europe/Pariss")), None);
        assert_eq!(utc(&"1".repeat(10_000), "%s", None), None);
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert_eq!(parse_time_zone(" "), Ok(Tz::UTC));
    }

    const ZONES: &[&str] = &[
        "Europe/Paris",
        "America/New_York",
        "America/Sao_Paulo",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "Asia/Kolkata",
        "UTC",
    ];

    proptest::proptest! {
        #[test]
        fn never_panics(
            text in proptest::prop_oneof![
                "\\PC*",
                "[0-9:/ .Tt+Zz,-]{0,40}",
                "\\PC{2000,10000}",
            ],
            format in proptest::sample::select(&[
                "iso8601", "%d/%m/%Y", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S %z", "%s", "%y%j",
            ][..]),
            zone in proptest::sample::select(ZONES),
        ) {
            let _ = parse_timestamp_utc(&text, format, Some(zone));
            let _ = super::super::parse_date(&text, format);
        }

        /// A local time read back gives the same local time, at the earliest instant that has
        /// it: the later one of an autumn overlap is read as the earlier.
        #[test]
        fn local_times_read_back(
            seconds in -2_208_988_800i64..4_102_444_800,
            zone in proptest::sample::select(ZONES),
        ) {
            let Ok(zone) = parse_time_zone(zone) else {
                return Err(proptest::test_runner::TestCaseError::fail("zone"));
            };
            let Some(instant) = DateTime::from_timestamp(seconds, 0) else {
                return Ok(());
            };
            let local = instant.with_timezone(&zone).naive_local();
            let micros = to_utc_micros(Reading { local, offset: None }, zone);
            let back = micros.and_then(DateTime::from_timestamp_micros);
            proptest::prop_assert!(back.is_some_and(|b| b <= instant), "{local} {back:?}");
            proptest::prop_assert_eq!(back.map(|b| b.with_timezone(&zone).naive_local()), Some(local));
        }
    }
}
