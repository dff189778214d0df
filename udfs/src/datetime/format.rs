//! The `format` argument of the date functions: a chrono strftime pattern, or `iso8601`.

use chrono::format::{Item, Numeric, Parsed, StrftimeItems};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

/// Longest value read, in bytes; longer values are not dates (NULL).
pub const MAX_DATE_INPUT_LEN: usize = 64;

/// A parsed `format` argument.
#[derive(Clone, Debug, PartialEq)]
pub enum DateFormat {
    /// RFC 3339 / ISO 8601 extended format, see [`read_iso8601`].
    Iso8601,
    /// A chrono strftime pattern, parsed once.
    Pattern(Vec<Item<'static>>),
}

/// What a value says: a date and time as written, and the UTC offset it carries, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reading {
    pub local: NaiveDateTime,
    /// Seconds east of UTC.
    pub offset: Option<i32>,
}

impl DateFormat {
    /// Parses a format: `iso8601` (any case) or a chrono strftime pattern that gives a year
    /// (or `%s`); the error says what is wrong.
    pub fn parse(format: &str) -> Result<Self, String> {
        if format.trim().eq_ignore_ascii_case("iso8601") {
            return Ok(Self::Iso8601);
        }
        let items = StrftimeItems::new(format)
            .parse_to_owned()
            .map_err(|_| format!("'{format}' is not a valid strftime pattern"))?;
        let gives_a_date = items.iter().any(|item| {
            matches!(
                item,
                Item::Numeric(
                    Numeric::Year
                        | Numeric::YearDiv100
                        | Numeric::YearMod100
                        | Numeric::IsoYear
                        | Numeric::IsoYearDiv100
                        | Numeric::IsoYearMod100
                        | Numeric::Timestamp,
                    _
                )
            )
        });
        if !gives_a_date {
            return Err(format!(
                "'{format}' has no year (%Y, %y, %G...) nor timestamp (%s)"
            ));
        }
        Ok(Self::Pattern(items))
    }

    /// Reads `text` (trimmed) with this format. A value without time of day is at midnight;
    /// a Unix timestamp (`%s`) is read as UTC unless an offset is given too. `None` when the
    /// value does not match or is no real date (February 30th).
    pub fn read(&self, text: &str) -> Option<Reading> {
        let text = text.trim();
        if text.len() > MAX_DATE_INPUT_LEN {
            return None;
        }
        match self {
            Self::Iso8601 => read_iso8601(text),
            Self::Pattern(items) => read_pattern(text, items),
        }
    }
}

fn read_pattern(text: &str, items: &[Item<'static>]) -> Option<Reading> {
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
    if parsed.timestamp().is_some() {
        let offset = parsed.offset().unwrap_or(0);
        let local = parsed.to_naive_datetime_with_offset(offset).ok()?;
        return Some(Reading {
            local,
            offset: Some(offset),
        });
    }
    let date = parsed.to_naive_date().ok()?;
    let has_time = parsed.hour_div_12().is_some()
        || parsed.hour_mod_12().is_some()
        || parsed.minute().is_some()
        || parsed.second().is_some()
        || parsed.nanosecond().is_some();
    let time = if has_time {
        parsed.to_naive_time().ok()?
    } else {
        NaiveTime::MIN
    };
    Some(Reading {
        local: date.and_time(time),
        offset: parsed.offset(),
    })
}

/// Reads RFC 3339 / ISO 8601 extended format: `YYYY-MM-DD`, optionally followed by `T`, `t`
/// or a space and `HH:MM`, `:SS`, a fraction (`.` or `,`, digits beyond nanoseconds ignored),
/// then optionally an offset: `Z`, `z`, `±HH:MM`, `±HHMM` or `±HH`, which may follow a space.
/// A second of 60 is a leap second, as in chrono. An offset needs a time of day.
pub fn read_iso8601(text: &str) -> Option<Reading> {
    let mut cursor = Cursor(text.as_bytes());
    let year = cursor.digits(4)?;
    cursor.expect(b'-')?;
    let month = cursor.digits(2)?;
    cursor.expect(b'-')?;
    let day = cursor.digits(2)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    if cursor.is_empty() {
        return Some(Reading {
            local: date.and_time(NaiveTime::MIN),
            offset: None,
        });
    }
    if !matches!(cursor.next()?, b'T' | b't' | b' ') {
        return None;
    }
    let hour = cursor.digits(2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2)?;
    let (mut second, mut nano) = (0, 0);
    if cursor.peek() == Some(b':') {
        cursor.next();
        second = cursor.digits(2)?;
        if matches!(cursor.peek(), Some(b'.' | b',')) {
            cursor.next();
            nano = cursor.fraction()?;
        }
    }
    if second == 60 {
        (second, nano) = (59, nano + 1_000_000_000);
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nano)?;
    if cursor.peek() == Some(b' ') {
        cursor.next();
    }
    let offset = match cursor.next() {
        None => None,
        Some(b'Z' | b'z') => Some(0),
        Some(sign @ (b'+' | b'-')) => {
            let hours = cursor.digits(2)?;
            if cursor.peek() == Some(b':') {
                cursor.next();
            }
            let minutes = if cursor.is_empty() {
                0
            } else {
                cursor.digits(2)?
            };
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = (hours * 3600 + minutes * 60) as i32;
            Some(if sign == b'-' { -seconds } else { seconds })
        }
        Some(_) => return None,
    };
    cursor.is_empty().then_some(Reading {
        local: date.and_time(time),
        offset,
    })
}

/// A forward-only reader over ASCII bytes.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    fn next(&mut self) -> Option<u8> {
        let (&first, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(first)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// Exactly `n` decimal digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let mut value = 0;
        for _ in 0..n {
            let digit = self.next().filter(u8::is_ascii_digit)?;
            value = value * 10 + u32::from(digit - b'0');
        }
        Some(value)
    }

    /// One or more digits of a fraction of a second, as nanoseconds.
    fn fraction(&mut self) -> Option<u32> {
        let count = self.0.iter().take_while(|b| b.is_ascii_digit()).count();
        if count == 0 {
            return None;
        }
        let mut nanos = 0;
        for i in 0..9 {
            let digit = if i < count { self.0[i] - b'0' } else { 0 };
            nanos = nanos * 10 + u32::from(digit);
        }
        self.0 = &self.0[count..];
        Some(nanos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> Option<(String, Option<i32>)> {
        read_iso8601(text).map(|r| (r.local.to_string(), r.offset))
    }

    fn owned(local: &str, offset: Option<i32>) -> Option<(String, Option<i32>)> {
        Some((local.to_owned(), offset))
    }

    #[test]
    fn iso8601_forms() {
        assert_eq!(iso("2024-05-01"), owned("2024-05-01 00:00:00", None));
        assert_eq!(iso("2024-05-01T10:22"), owned("2024-05-01 10:22:00", None));
        assert_eq!(
            iso("2024-05-01 10:22:03"),
            owned("2024-05-01 10:22:03", None)
        );
        assert_eq!(
            iso("2024-05-01t10:22:03Z"),
            owned("2024-05-01 10:22:03", Some(0))
        );
        assert_eq!(
            iso("2024-05-01T10:22:03.123456789+02:00"),
            owned("2024-05-01 10:22:03.123456789", Some(7200))
        );
        assert_eq!(
            iso("2024-05-01T10:22:03,5-0330"),
            owned("2024-05-01 10:22:03.500", Some(-12600))
        );
        assert_eq!(
            iso("2024-05-01 10:22:03.1234567891234 +02"),
            owned("2024-05-01 10:22:03.123456789", Some(7200))
        );
        // A leap second, as chrono represents it.
        assert!(iso("2016-12-31T23:59:60Z").is_some());
    }

    #[test]
    fn iso8601_rejects() {
        for bad in [
            "",
            "2024",
            "2024-5-1",
            "2024-02-30",
            "2024-05-01T",
            "2024-05-01T10",
            "2024-05-01T24:00:00",
            "2024-05-01T10:60",
            "2024-05-01T10:22:03.",
            "2024-05-01T10:22:03+2",
            "2024-05-01T10:22:03+24:00",
            "2024-05-01T10:22:03Zjunk",
            "2024-05-01Z",
            "01/05/2024",
            "２０２４-05-01",
        ] {
            assert_eq!(iso(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn patterns() -> Result<(), String> {
        let read = |format: &str, text: &str| -> Result<Option<String>, String> {
            Ok(DateFormat::parse(format)?
                .read(text)
                .map(|r| format!("{} {:?}", r.local, r.offset)))
        };
        assert_eq!(
            read("%d/%m/%Y", " 01/05/2024 ")?.as_deref(),
            Some("2024-05-01 00:00:00 None")
        );
        assert_eq!(
            read("%d/%m/%Y %H:%M:%S", "01/05/2024 10:22:03")?.as_deref(),
            Some("2024-05-01 10:22:03 None")
        );
        assert_eq!(
            read("%Y-%m-%d %H:%M:%S %z", "2024-05-01 10:22:03 +0200")?.as_deref(),
            Some("2024-05-01 10:22:03 Some(7200)")
        );
        assert_eq!(
            read("%s", "1714558923")?.as_deref(),
            Some("2024-05-01 10:22:03 Some(0)")
        );
        assert_eq!(read("%d/%m/%Y", "31/02/2024")?, None);
        assert_eq!(read("%d/%m/%Y", "2024-05-01")?, None);
        assert_eq!(DateFormat::parse("ISO8601"), Ok(DateFormat::Iso8601));
        Ok(())
    }

    #[test]
    fn invalid_formats() {
        for bad in ["%Q", "%", "", "%H:%M", "%d/%m"] {
            assert!(DateFormat::parse(bad).is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn iso8601_reads_what_chrono_writes(
            seconds in -62_135_596_800i64..253_402_300_799,
            nanos in 0u32..1_000_000_000,
            offset_minutes in -1439i32..=1439,
        ) {
            use chrono::{DateTime, FixedOffset, SecondsFormat};
            let (Some(instant), Some(offset)) = (
                DateTime::from_timestamp(seconds, nanos),
                FixedOffset::east_opt(offset_minutes * 60),
            ) else {
                return Ok(());
            };
            let local = instant.with_timezone(&offset);
            let text = local.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            let reading = read_iso8601(&text);
            proptest::prop_assert_eq!(
                reading,
                Some(Reading { local: local.naive_local(), offset: Some(offset_minutes * 60) }),
                "{}", text
            );
        }

        #[test]
        fn any_format_string_parses_or_fails_cleanly(format in "\\PC*") {
            if let Ok(format) = DateFormat::parse(&format) {
                let _ = format.read("2024-05-01 10:22:03 +0200");
            }
        }
    }
}
