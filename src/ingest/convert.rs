//! Typed conversion of text values, as each mapped column declares: numbers with the source's
//! decimal separator, booleans from the source's words, dates and timestamps in the source's
//! formats, local times to UTC in the source's (or the row's store's) time zone.
//!
//! A value that does not convert gives the row an error naming the column, the value and what
//! was expected; the row is then quarantined, never loaded with a silently null value.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder,
    Int64Builder, StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::fixed_time::FixedPattern;
use super::mapping::{ColumnMapping, ColumnType, Format, ZoneSource};

/// Per-row zones of a lookup, by row.
pub type RowZones = Vec<Option<Tz>>;

/// A conversion failure: the row and why.
pub struct CellError {
    pub row: usize,
    pub reason: String,
}

/// Converts the texts of one column; `zones` gives the per-row zone of a `lookup:` timestamp.
pub fn convert_column(
    column: &ColumnMapping,
    format: &Format,
    texts: &StringArray,
    zones: Option<&RowZones>,
    errors: &mut Vec<CellError>,
) -> Result<ArrayRef, String> {
    let column_type = column.column_type()?;
    let rows = texts.len();
    let strip = column.strip_prefix.as_deref();
    let clean = |row: usize| -> Option<&str> {
        if texts.is_null(row) {
            return None;
        }
        let text = texts.value(row);
        let text = strip.and_then(|p| text.strip_prefix(p)).unwrap_or(text);
        (!text.is_empty()).then_some(text)
    };
    let mut fail = |row: usize, text: &str, expected: &str| {
        errors.push(CellError {
            row,
            reason: format!("cannot read {text:?} as {expected}"),
        });
    };
    Ok(match column_type {
        ColumnType::String => {
            if strip.is_none() {
                return Ok(Arc::new(texts.clone()));
            }
            let mut builder = StringBuilder::with_capacity(rows, texts.values().len());
            (0..rows).for_each(|row| builder.append_option(clean(row)));
            Arc::new(builder.finish())
        }
        ColumnType::Int => {
            let mut builder = Int64Builder::with_capacity(rows);
            for row in 0..rows {
                let value = clean(row).and_then(|t| match t.trim().parse::<i64>() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        fail(row, t, "an integer");
                        None
                    }
                });
                builder.append_option(value);
            }
            Arc::new(builder.finish())
        }
        ColumnType::Float => {
            let separator = format.decimal_separator();
            let mut builder = Float64Builder::with_capacity(rows);
            for row in 0..rows {
                let value = clean(row).and_then(|t| {
                    let parsed = if separator == b'.' {
                        t.trim().parse::<f64>().ok()
                    } else {
                        t.trim().replace(separator as char, ".").parse::<f64>().ok()
                    };
                    if parsed.is_none() {
                        fail(row, t, "a number");
                    }
                    parsed
                });
                builder.append_option(value);
            }
            Arc::new(builder.finish())
        }
        ColumnType::Decimal { precision, scale } => {
            let separator = format.decimal_separator();
            let mut builder = Decimal128Builder::with_capacity(rows);
            for row in 0..rows {
                let value = clean(row).and_then(|t| {
                    let parsed = parse_decimal(t.trim(), separator, precision, scale);
                    if let Err(expected) = &parsed {
                        fail(row, t, expected);
                    }
                    parsed.ok()
                });
                builder.append_option(value);
            }
            Arc::new(
                builder
                    .finish()
                    .with_precision_and_scale(precision, scale)
                    .map_err(|e| format!("column {}: {e}", column.name))?,
            )
        }
        ColumnType::Boolean => {
            let truthy = format.true_values();
            let falsy = format.false_values();
            let expected = format!("a boolean ({} or {})", truthy.join("/"), falsy.join("/"));
            let mut builder = BooleanBuilder::with_capacity(rows);
            for row in 0..rows {
                let value = clean(row).and_then(|t| {
                    let t = t.trim();
                    if truthy.iter().any(|w| w.eq_ignore_ascii_case(t)) {
                        Some(true)
                    } else if falsy.iter().any(|w| w.eq_ignore_ascii_case(t)) {
                        Some(false)
                    } else {
                        fail(row, t, &expected);
                        None
                    }
                });
                builder.append_option(value);
            }
            Arc::new(builder.finish())
        }
        ColumnType::Date => {
            let pattern = column.format.as_deref().unwrap_or("%Y-%m-%d");
            let pattern = if pattern == "iso8601" {
                "%Y-%m-%d"
            } else {
                pattern
            };
            let expected = format!("a date ({pattern})");
            let items = StrftimeItems::new(pattern)
                .parse_to_owned()
                .map_err(|e| format!("column {}: invalid date format: {e}", column.name))?;
            let fixed = FixedPattern::new(pattern).filter(|p| !p.has_time && !p.has_offset);
            let mut builder = Date32Builder::with_capacity(rows);
            for row in 0..rows {
                let value = clean(row).and_then(|t| {
                    if let Some(value) = fixed.as_ref().and_then(|p| p.parse(t.trim())) {
                        return Some(days_since_epoch(value.date));
                    }
                    let mut parsed = Parsed::new();
                    let date = chrono::format::parse(&mut parsed, t.trim(), items.iter())
                        .and_then(|()| parsed.to_naive_date());
                    match date {
                        Ok(date) => Some(days_since_epoch(date)),
                        Err(_) => {
                            fail(row, t, &expected);
                            None
                        }
                    }
                });
                builder.append_option(value);
            }
            Arc::new(builder.finish())
        }
        ColumnType::Timestamp => {
            let pattern = TimestampFormat::new(column.format.as_deref().unwrap_or("iso8601"))?;
            let fixed = match column.zone(format)? {
                Some(ZoneSource::Fixed(tz)) => Some(tz),
                _ => None,
            };
            let mut builder = TimestampMicrosecondBuilder::with_capacity(rows);
            // Order lines repeat their order's timestamps: the last value is remembered.
            let mut last: Option<(&str, Option<Tz>, i64)> = None;
            for row in 0..rows {
                let value = clean(row).and_then(|t| {
                    let zone = fixed.or_else(|| zones.and_then(|z| z[row]));
                    if let Some((text, at, micros)) = last
                        && text == t
                        && at == zone
                    {
                        return Some(micros);
                    }
                    match pattern.parse(t.trim(), zone) {
                        Ok(ts) => {
                            last = Some((t, zone, ts.timestamp_micros()));
                            Some(ts.timestamp_micros())
                        }
                        Err(reason) => {
                            errors.push(CellError {
                                row,
                                reason: format!("cannot read {t:?} as a timestamp: {reason}"),
                            });
                            None
                        }
                    }
                });
                builder.append_option(value);
            }
            Arc::new(builder.finish().with_timezone("UTC"))
        }
    })
}

fn days_since_epoch(date: NaiveDate) -> i32 {
    const EPOCH_DAYS_FROM_CE: i32 = 719_163;
    chrono::Datelike::num_days_from_ce(&date) - EPOCH_DAYS_FROM_CE
}

/// Parses a decimal written with `separator`, into an integer of `scale` decimals.
pub fn parse_decimal(text: &str, separator: u8, precision: u8, scale: i8) -> Result<i128, String> {
    let expected = || format!("a decimal({precision},{scale}) number");
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = match digits.split_once(separator as char) {
        Some((w, f)) => (w, f),
        None => (digits, ""),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction) {
        return Err(expected());
    }
    let scale = scale as usize;
    if fraction.len() > scale {
        return Err(format!("{} (more than {scale} decimals)", expected()));
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() + scale > precision as usize {
        return Err(format!("{} (too many digits)", expected()));
    }
    let mut value: i128 = 0;
    for b in whole.bytes().chain(fraction.bytes()) {
        value = value * 10 + i128::from(b - b'0');
    }
    for _ in fraction.len()..scale {
        value *= 10;
    }
    Ok(if negative { -value } else { value })
}

/// A timestamp format, parsed once per column rather than once per value.
pub enum TimestampFormat {
    Iso8601,
    /// The pattern has an offset (`%z`).
    WithOffset(Vec<Item<'static>>, String, Option<FixedPattern>),
    /// Local time (or a date: local midnight) in the column's zone.
    Local(Vec<Item<'static>>, String, Option<FixedPattern>),
}

impl TimestampFormat {
    pub fn new(pattern: &str) -> Result<Self, String> {
        if pattern == "iso8601" {
            return Ok(Self::Iso8601);
        }
        let items = StrftimeItems::new(pattern)
            .parse_to_owned()
            .map_err(|e| format!("invalid timestamp format {pattern:?}: {e}"))?;
        let fixed = FixedPattern::new(pattern);
        Ok(
            if pattern.contains("%z") || pattern.contains("%:z") || pattern.contains("%#z") {
                let fixed = fixed.filter(|p| p.has_time && p.has_offset);
                Self::WithOffset(items, pattern.to_owned(), fixed)
            } else {
                let fixed = fixed.filter(|p| !p.has_offset);
                Self::Local(items, pattern.to_owned(), fixed)
            },
        )
    }

    /// Parses `text`: a value with an offset uses it; one without is local time in `zone` (UTC
    /// when none). A local time in a daylight-saving gap does not exist and is an error; in an
    /// overlap, the earlier instant is taken.
    pub fn parse(&self, text: &str, zone: Option<Tz>) -> Result<DateTime<Utc>, String> {
        match self {
            Self::Iso8601 => parse_iso8601(text, zone),
            Self::WithOffset(items, pattern, fixed) => {
                if let Some(value) = fixed.as_ref().and_then(|p| p.parse(text))
                    && let Some(offset) = value.offset
                    && let Some(ts) = value.naive().and_local_timezone(offset).single()
                {
                    return Ok(ts.with_timezone(&Utc));
                }
                let mut parsed = Parsed::new();
                chrono::format::parse(&mut parsed, text, items.iter())
                    .and_then(|()| parsed.to_datetime())
                    .map(|ts| ts.with_timezone(&Utc))
                    .map_err(|e| format!("expected {pattern} ({e})"))
            }
            Self::Local(items, pattern, fixed) => {
                if let Some(value) = fixed.as_ref().and_then(|p| p.parse(text)) {
                    return to_utc(value.naive(), zone);
                }
                let mut parsed = Parsed::new();
                chrono::format::parse(&mut parsed, text, items.iter())
                    .map_err(|e| format!("expected {pattern} ({e})"))?;
                let naive = match parsed.to_naive_datetime_with_offset(0) {
                    Ok(naive) => naive,
                    // A date-only pattern means local midnight.
                    Err(e) => match parsed.to_naive_date() {
                        Ok(date) => date.and_time(chrono::NaiveTime::MIN),
                        Err(_) => return Err(format!("expected {pattern} ({e})")),
                    },
                };
                to_utc(naive, zone)
            }
        }
    }
}

/// Parses a timestamp: `pattern` is a chrono format or `iso8601` (see [`TimestampFormat`]).
pub fn parse_timestamp(
    text: &str,
    pattern: &str,
    zone: Option<Tz>,
) -> Result<DateTime<Utc>, String> {
    TimestampFormat::new(pattern)?.parse(text, zone)
}

fn parse_iso8601(text: &str, zone: Option<Tz>) -> Result<DateTime<Utc>, String> {
    if let Ok(ts) = DateTime::parse_from_rfc3339(text) {
        return Ok(ts.with_timezone(&Utc));
    }
    let spaced = text.replacen(' ', "T", 1);
    if let Ok(ts) = DateTime::parse_from_rfc3339(&spaced) {
        return Ok(ts.with_timezone(&Utc));
    }
    for local in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&spaced, local) {
            return to_utc(naive, zone);
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return to_utc(date.and_time(chrono::NaiveTime::MIN), zone);
    }
    Err("expected ISO 8601".to_owned())
}

fn to_utc(naive: NaiveDateTime, zone: Option<Tz>) -> Result<DateTime<Utc>, String> {
    let zone = zone.unwrap_or(Tz::UTC);
    match zone.from_local_datetime(&naive) {
        LocalResult::Single(ts) => Ok(ts.with_timezone(&Utc)),
        LocalResult::Ambiguous(earliest, _) => Ok(earliest.with_timezone(&Utc)),
        LocalResult::None => Err(format!(
            "{naive} does not exist in {zone} (daylight saving gap)"
        )),
    }
}

/// Zones by lookup key, parsed once.
pub fn parse_zones(values: HashMap<String, String>) -> HashMap<String, Option<Tz>> {
    values
        .into_iter()
        .map(|(key, zone)| (key, zone.trim().parse::<Tz>().ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("780,00", b',', 18, 2), Ok(78000));
        assert_eq!(parse_decimal("-1,5", b',', 18, 2), Ok(-150));
        assert_eq!(parse_decimal("12", b'.', 18, 2), Ok(1200));
        assert_eq!(parse_decimal("0.07", b'.', 18, 2), Ok(7));
        assert!(parse_decimal("1.234", b'.', 18, 2).is_err());
        assert!(parse_decimal("1,2,3", b',', 18, 2).is_err());
        assert!(parse_decimal("abc", b'.', 18, 2).is_err());
        assert!(parse_decimal("", b'.', 18, 2).is_err());
        assert!(parse_decimal("1e5", b'.', 18, 2).is_err());
        assert!(parse_decimal("123456789", b'.', 5, 2).is_err());
    }

    #[test]
    fn timestamps() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let utc = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        assert_eq!(
            parse_timestamp("09/06/2012 13:27:06", "%d/%m/%Y %H:%M:%S", Some(paris)),
            Ok(utc("2012-06-09T11:27:06Z"))
        );
        assert_eq!(
            parse_timestamp("2024-05-01 10:22:03 +0200", "%Y-%m-%d %H:%M:%S %z", None),
            Ok(utc("2024-05-01T08:22:03Z"))
        );
        assert_eq!(
            parse_timestamp("2020-07-28T23:21:18+01:00", "iso8601", None),
            Ok(utc("2020-07-28T22:21:18Z"))
        );
        assert_eq!(
            parse_timestamp("2020-07-28 23:21:18", "iso8601", Some(paris)),
            Ok(utc("2020-07-28T21:21:18Z"))
        );
        // 02:30 on the spring-forward night does not exist in Paris.
        let gap = parse_timestamp("29/03/2026 02:30:00", "%d/%m/%Y %H:%M:%S", Some(paris));
        assert!(gap.unwrap_err().contains("daylight saving gap"));
        // 02:30 on the fall-back night happens twice: the first one.
        assert_eq!(
            parse_timestamp("25/10/2026 02:30:00", "%d/%m/%Y %H:%M:%S", Some(paris)),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
        assert!(parse_timestamp("31/02/2026 10:00:00", "%d/%m/%Y %H:%M:%S", None).is_err());
        assert_eq!(
            parse_timestamp("14/05/1979", "%d/%m/%Y", Some(paris)),
            // France has had summer time since 1976: CEST, UTC+2.
            Ok(utc("1979-05-13T22:00:00Z"))
        );
    }
}
