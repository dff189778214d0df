//! Formatting helpers for the native files: dates and timestamps in each source's style, money
//! with a point or a comma, CSV fields, accent folding and the Windows-1252 repertoire.
//!
//! Dates are days since 1970-01-01 (`i32`, as Arrow's Date32) and instants are seconds since the
//! epoch (`i64`, UTC). Civil-date conversion is integer arithmetic (Howard Hinnant's algorithm),
//! fast enough for the tens of millions of timestamps a seed-scale run writes.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

pub const SECS_PER_DAY: i64 = 86_400;

/// `(year, month, day)` of a day number.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day number of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn days_of(date: NaiveDate) -> i64 {
    use chrono::Datelike;
    days_from_civil(i64::from(date.year()), date.month(), date.day())
}

/// Day of week, 0 = Monday.
pub fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

fn push_num(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    let mut n = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in (tmp.len() - i)..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(&tmp[i..]);
}

pub fn push_int(buf: &mut Vec<u8>, n: i64) {
    if n < 0 {
        buf.push(b'-');
    }
    push_num(buf, n.unsigned_abs(), 1);
}

fn push_ymd(buf: &mut Vec<u8>, days: i64, sep: u8) {
    let (y, m, d) = civil_from_days(days);
    push_num(buf, y as u64, 4);
    buf.push(sep);
    push_num(buf, u64::from(m), 2);
    buf.push(sep);
    push_num(buf, u64::from(d), 2);
}

fn push_dmy(buf: &mut Vec<u8>, days: i64) {
    let (y, m, d) = civil_from_days(days);
    push_num(buf, u64::from(d), 2);
    buf.push(b'/');
    push_num(buf, u64::from(m), 2);
    buf.push(b'/');
    push_num(buf, y as u64, 4);
}

fn push_hms(buf: &mut Vec<u8>, secs_of_day: i64) {
    push_num(buf, (secs_of_day / 3600) as u64, 2);
    buf.push(b':');
    push_num(buf, (secs_of_day / 60 % 60) as u64, 2);
    buf.push(b':');
    push_num(buf, (secs_of_day % 60) as u64, 2);
}

/// `2024-05-01`
pub fn push_date_iso(buf: &mut Vec<u8>, days: i64) {
    push_ymd(buf, days, b'-');
}

/// `01/05/2024`
pub fn push_date_fr(buf: &mut Vec<u8>, days: i64) {
    push_dmy(buf, days);
}

/// `2024-05-01T08:22:03Z`
pub fn push_ts_utc(buf: &mut Vec<u8>, secs: i64) {
    push_ymd(buf, secs.div_euclid(SECS_PER_DAY), b'-');
    buf.push(b'T');
    push_hms(buf, secs.rem_euclid(SECS_PER_DAY));
    buf.push(b'Z');
}

fn push_offset(buf: &mut Vec<u8>, offset: i32, colon: bool) {
    buf.push(if offset < 0 { b'-' } else { b'+' });
    let o = offset.unsigned_abs();
    push_num(buf, u64::from(o / 3600), 2);
    if colon {
        buf.push(b':');
    }
    push_num(buf, u64::from(o / 60 % 60), 2);
}

/// Shopify style: `2024-05-01 10:22:03 +0200`.
pub fn push_ts_shopify(buf: &mut Vec<u8>, secs: i64, offset: i32) {
    let local = secs + i64::from(offset);
    push_ymd(buf, local.div_euclid(SECS_PER_DAY), b'-');
    buf.push(b' ');
    push_hms(buf, local.rem_euclid(SECS_PER_DAY));
    buf.push(b' ');
    push_offset(buf, offset, false);
}

/// ISO 8601 with offset: `2024-05-01T10:22:03+02:00`.
pub fn push_ts_offset(buf: &mut Vec<u8>, secs: i64, offset: i32) {
    let local = secs + i64::from(offset);
    push_ymd(buf, local.div_euclid(SECS_PER_DAY), b'-');
    buf.push(b'T');
    push_hms(buf, local.rem_euclid(SECS_PER_DAY));
    push_offset(buf, offset, true);
}

/// Cegid style local time: `01/05/2024 10:22:03`.
pub fn push_ts_fr(buf: &mut Vec<u8>, secs: i64, offset: i32) {
    let local = secs + i64::from(offset);
    push_dmy(buf, local.div_euclid(SECS_PER_DAY));
    buf.push(b' ');
    push_hms(buf, local.rem_euclid(SECS_PER_DAY));
}

/// Money in cents: `1250.00` (`sep` b'.') or `1250,00` (b',').
pub fn push_money(buf: &mut Vec<u8>, cents: i64, sep: u8) {
    if cents < 0 {
        buf.push(b'-');
    }
    let c = cents.unsigned_abs();
    push_num(buf, c / 100, 1);
    buf.push(sep);
    push_num(buf, c % 100, 2);
}

/// Offset from UTC (seconds) of a time zone at an instant.
pub fn utc_offset(tz: Tz, secs: i64) -> i32 {
    match DateTime::from_timestamp(secs, 0) {
        Some(t) => tz
            .offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc(),
        None => 0,
    }
}

/// The UTC instant of a local wall-clock time (`day` and seconds since local midnight); the
/// earlier instant when the local time is ambiguous, one hour later when it does not exist.
pub fn local_to_utc(tz: Tz, day: i64, secs_of_day: i64) -> i64 {
    let naive = match DateTime::from_timestamp(day * SECS_PER_DAY + secs_of_day, 0) {
        Some(t) => t.naive_utc(),
        None => return day * SECS_PER_DAY + secs_of_day,
    };
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t.timestamp(),
        None => local_to_utc(tz, day, secs_of_day + 3600),
    }
}

/// Removes accents and ligatures (Hélène → Helene, Ørsted → Orsted, Œuvre → OEuvre, ß → ss).
pub fn fold(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' | 'Ā' => out.push('A'),
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => out.push('a'),
            'Ç' => out.push('C'),
            'ç' => out.push('c'),
            'È' | 'É' | 'Ê' | 'Ë' | 'Ē' => out.push('E'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' => out.push('e'),
            'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => out.push('I'),
            'ì' | 'í' | 'î' | 'ï' | 'ī' => out.push('i'),
            'Ñ' => out.push('N'),
            'ñ' => out.push('n'),
            'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' => out.push('O'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => out.push('o'),
            'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' => out.push('U'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => out.push('u'),
            'Ý' | 'Ÿ' => out.push('Y'),
            'ý' | 'ÿ' => out.push('y'),
            'Œ' => out.push_str("OE"),
            'œ' => out.push_str("oe"),
            'Æ' => out.push_str("AE"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// German transliteration of umlauts (Müller → Mueller), then the usual folding.
pub fn fold_german(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'Ä' => out.push_str("Ae"),
            'Ö' => out.push_str("Oe"),
            'Ü' => out.push_str("Ue"),
            _ => out.push(c),
        }
    }
    fold(&out).into_owned()
}

/// Whether a character exists in Windows-1252.
pub fn is_cp1252(c: char) -> bool {
    let u = u32::from(c);
    u < 0x80
        || (0xA0..=0xFF).contains(&u)
        || matches!(
            c,
            '€' | '‚'
                | 'ƒ'
                | '„'
                | '…'
                | '†'
                | '‡'
                | 'ˆ'
                | '‰'
                | 'Š'
                | '‹'
                | 'Œ'
                | 'Ž'
                | '‘'
                | '’'
                | '“'
                | '”'
                | '•'
                | '–'
                | '—'
                | '˜'
                | '™'
                | 'š'
                | '›'
                | 'œ'
                | 'ž'
                | 'Ÿ'
        )
}

/// What a Windows-1252 system stores for a string: characters it cannot hold become `?`, as
/// a real point-of-sale database would do.
pub fn cp1252_lossy(s: &str) -> Cow<'_, str> {
    if s.chars().all(is_cp1252) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(
            s.chars()
                .map(|c| if is_cp1252(c) { c } else { '?' })
                .collect(),
        )
    }
}

/// Builds CSV lines into a byte buffer, quoting only fields that need it.
#[derive(Debug)]
pub struct Csv {
    pub buf: Vec<u8>,
    delim: u8,
    crlf: bool,
    first: bool,
    pub rows: u64,
}

impl Csv {
    pub fn new(delim: u8, crlf: bool) -> Self {
        Self::with_capacity(delim, crlf, 1 << 12)
    }

    pub fn with_capacity(delim: u8, crlf: bool, bytes: usize) -> Self {
        Self {
            buf: Vec::with_capacity(bytes),
            delim,
            crlf,
            first: true,
            rows: 0,
        }
    }

    /// Takes the fields written so far (a segment of a line, for [`Csv::segment`]) and starts
    /// over.
    pub fn take(&mut self) -> Vec<u8> {
        self.first = true;
        std::mem::take(&mut self.buf)
    }

    /// Writes a segment of already rendered fields (from [`Csv::take`]) as the next fields.
    pub fn segment(&mut self, fields: &[u8]) {
        self.sep();
        self.buf.extend_from_slice(fields);
    }

    fn sep(&mut self) {
        if !self.first {
            self.buf.push(self.delim);
        }
        self.first = false;
    }

    /// A text field, quoted when it holds the delimiter, a quote or a line break.
    pub fn field(&mut self, s: &str) {
        self.sep();
        let delim = self.delim;
        if s.bytes()
            .any(|b| b == delim || b == b'"' || b == b'\n' || b == b'\r')
        {
            self.buf.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(b);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(s.as_bytes());
        }
    }

    pub fn opt(&mut self, s: Option<&str>) {
        self.field(s.unwrap_or(""));
    }

    pub fn empty(&mut self) {
        self.sep();
    }

    /// Starts a field and returns the buffer to write it with the `push_*` helpers (the caller
    /// guarantees the content needs no quoting).
    pub fn raw(&mut self) -> &mut Vec<u8> {
        self.sep();
        &mut self.buf
    }

    pub fn int(&mut self, n: i64) {
        self.sep();
        push_int(&mut self.buf, n);
    }

    pub fn end(&mut self) {
        if self.crlf {
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.buf.push(b'\n');
        }
        self.first = true;
        self.rows += 1;
    }

    /// Writes a header line (not counted as a row).
    pub fn header(&mut self, columns: &[&str]) {
        for c in columns {
            self.field(c);
        }
        self.end();
        self.rows -= 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).expect("utf8")
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1000i64, 0, 1, 59, 365, 11_016, 19_000, 20_757, 40_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
            let date = NaiveDate::from_ymd_opt(y as i32, m, d).expect("valid");
            assert_eq!(days_of(date), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(weekday(0), 3); // a Thursday
    }

    #[test]
    fn timestamps_in_each_style() {
        let t = days_from_civil(2024, 5, 1) * SECS_PER_DAY + 8 * 3600 + 22 * 60 + 3;
        assert_eq!(s(|b| push_ts_utc(b, t)), "2024-05-01T08:22:03Z");
        let paris = utc_offset(chrono_tz::Europe::Paris, t);
        assert_eq!(paris, 7200);
        assert_eq!(
            s(|b| push_ts_shopify(b, t, paris)),
            "2024-05-01 10:22:03 +0200"
        );
        assert_eq!(
            s(|b| push_ts_offset(b, t, paris)),
            "2024-05-01T10:22:03+02:00"
        );
        assert_eq!(s(|b| push_ts_fr(b, t, paris)), "01/05/2024 10:22:03");
        let winter = days_from_civil(2024, 1, 15) * SECS_PER_DAY;
        assert_eq!(utc_offset(chrono_tz::Europe::Paris, winter), 3600);
        assert_eq!(utc_offset(chrono_tz::America::New_York, winter), -5 * 3600);
        let local = local_to_utc(
            chrono_tz::Europe::Paris,
            days_from_civil(2024, 5, 1),
            10 * 3600,
        );
        assert_eq!(local, days_from_civil(2024, 5, 1) * SECS_PER_DAY + 8 * 3600);
    }

    #[test]
    fn money_and_csv() {
        assert_eq!(s(|b| push_money(b, 125_000, b',')), "1250,00");
        assert_eq!(s(|b| push_money(b, -5, b'.')), "-0.05");
        let mut csv = Csv::new(b';', true);
        csv.field("a;b");
        csv.field("x\"y");
        csv.int(-3);
        csv.end();
        assert_eq!(
            String::from_utf8(csv.buf).expect("utf8"),
            "\"a;b\";\"x\"\"y\";-3\r\n"
        );
    }

    #[test]
    fn folding_and_cp1252() {
        assert_eq!(fold("Hélène Çœur"), "Helene Coeur");
        assert_eq!(fold_german("Müller"), "Mueller");
        assert_eq!(cp1252_lossy("Satō"), "Sat?");
        assert_eq!(cp1252_lossy("Zoé Œ €"), "Zoé Œ €");
    }
}
