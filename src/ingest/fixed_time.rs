//! A fast path for the date and time patterns exports use: fixed-width numbers and literal
//! separators (`%d/%m/%Y %H:%M:%S`, `%Y-%m-%d %H:%M:%S %z` ...).
//!
//! chrono's general parser costs far more per value than the rest of a row's conversion. A
//! value written exactly in the pattern's fixed-width form (zero-padded numbers, `+hhmm`
//! offsets) is read here; anything else (other widths, a leap second, text that does not
//! match) is left to chrono, so results and error messages are chrono's in every case.

use chrono::{FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Part {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Offset,
    Literal(u8),
}

impl Part {
    fn width(self) -> usize {
        match self {
            Part::Year => 4,
            Part::Offset => 5,
            Part::Literal(_) => 1,
            _ => 2,
        }
    }
}

/// A pattern made only of fixed-width parts.
#[derive(Debug, Clone)]
pub struct FixedPattern {
    parts: Vec<Part>,
    width: usize,
    /// Hours, minutes and seconds all there (else none is).
    pub has_time: bool,
    pub has_offset: bool,
}

/// What a fixed-width value holds.
pub struct FixedValue {
    pub date: NaiveDate,
    /// Midnight for a date-only pattern.
    pub time: NaiveTime,
    pub offset: Option<FixedOffset>,
}

impl FixedValue {
    pub fn naive(&self) -> NaiveDateTime {
        self.date.and_time(self.time)
    }
}

impl FixedPattern {
    /// The pattern's parts, when it has a day, month and year and only fixed-width parts.
    pub fn new(pattern: &str) -> Option<Self> {
        let mut parts = Vec::new();
        let mut bytes = pattern.bytes();
        while let Some(b) = bytes.next() {
            let part = match b {
                b'%' => match bytes.next()? {
                    b'Y' => Part::Year,
                    b'm' => Part::Month,
                    b'd' => Part::Day,
                    b'H' => Part::Hour,
                    b'M' => Part::Minute,
                    b'S' => Part::Second,
                    b'z' => Part::Offset,
                    _ => return None,
                },
                // Spaces match any run of whitespace in chrono: not a fixed width.
                b if b.is_ascii_whitespace() && b != b' ' => return None,
                b if b.is_ascii() => Part::Literal(b),
                _ => return None,
            };
            parts.push(part);
        }
        let has = |p: Part| parts.iter().filter(|x| **x == p).count();
        if has(Part::Year) != 1 || has(Part::Month) != 1 || has(Part::Day) != 1 {
            return None;
        }
        for part in [Part::Hour, Part::Minute, Part::Second, Part::Offset] {
            if has(part) > 1 {
                return None;
            }
        }
        // A time is whole or absent (chrono's defaults for the missing parts are its own).
        let time_parts = has(Part::Hour) + has(Part::Minute) + has(Part::Second);
        if time_parts != 0 && time_parts != 3 {
            return None;
        }
        let width = parts.iter().map(|p| p.width()).sum();
        Some(Self {
            has_time: time_parts == 3,
            has_offset: has(Part::Offset) == 1,
            parts,
            width,
        })
    }

    /// Reads `text` when it is in the pattern's exact fixed-width form; `None` otherwise
    /// (chrono then decides).
    pub fn parse(&self, text: &str) -> Option<FixedValue> {
        let text = text.as_bytes();
        if text.len() != self.width {
            return None;
        }
        let (mut year, mut month, mut day) = (0, 0, 0);
        let (mut hour, mut minute, mut second) = (0, 0, 0);
        let mut offset = None;
        let mut at = 0;
        for part in &self.parts {
            let field = &text[at..at + part.width()];
            at += part.width();
            match part {
                Part::Literal(b) => {
                    // A space in a chrono pattern also matches no space or several: only the
                    // exact single space is read here.
                    if field[0] != *b {
                        return None;
                    }
                }
                Part::Offset => {
                    let sign = match field[0] {
                        b'+' => 1,
                        b'-' => -1,
                        _ => return None,
                    };
                    let hours = digits(&field[1..3])?;
                    let minutes = digits(&field[3..5])?;
                    if hours > 23 || minutes > 59 {
                        return None;
                    }
                    offset = Some(FixedOffset::east_opt(
                        sign * (hours as i32 * 3600 + minutes as i32 * 60),
                    )?);
                }
                Part::Year => year = digits(field)?,
                Part::Month => month = digits(field)?,
                Part::Day => day = digits(field)?,
                Part::Hour => hour = digits(field)?,
                Part::Minute => minute = digits(field)?,
                Part::Second => second = digits(field)?,
            }
        }
        // Leap seconds and out-of-range values: chrono's answer.
        if second > 59 {
            return None;
        }
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
        let time = NaiveTime::from_hms_opt(hour, minute, second)?;
        Some(FixedValue { date, time, offset })
    }
}

/// A run of ASCII digits as a number.
fn digits(field: &[u8]) -> Option<u32> {
    field.iter().try_fold(0u32, |value, b| {
        b.is_ascii_digit().then(|| value * 10 + u32::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_exact_fixed_width_form() {
        let pattern = FixedPattern::new("%d/%m/%Y %H:%M:%S").unwrap();
        let value = pattern.parse("09/06/2012 13:27:06").unwrap();
        assert_eq!(value.naive().to_string(), "2012-06-09 13:27:06");
        assert!(value.offset.is_none());
        for other in [
            "9/06/2012 13:27:06",
            "09/06/2012  13:27:06",
            "31/02/2012 13:27:06",
            "09/06/2012 24:00:00",
            "09/06/2012 23:59:60",
            "09-06-2012 13:27:06",
        ] {
            assert!(pattern.parse(other).is_none(), "{other}");
        }
        let pattern = FixedPattern::new("%Y-%m-%d %H:%M:%S %z").unwrap();
        let value = pattern.parse("2024-05-01 10:22:03 -0130").unwrap();
        assert_eq!(value.offset, FixedOffset::west_opt(5400));
        assert!(pattern.parse("2024-05-01 10:22:03 +02:00").is_none());
        assert!(FixedPattern::new("%d/%m/%Y").is_some());
        assert!(FixedPattern::new("%e/%m/%Y").is_none());
        assert!(FixedPattern::new("%H:%M").is_none());
    }
}
