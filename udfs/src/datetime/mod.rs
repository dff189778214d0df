//! Date and time functions: parse the formats source systems export.
//!
//! `parse_timestamp_utc(text, format [, timezone])` and `parse_date(text, format)` read a
//! value with a chrono strftime pattern (`'%d/%m/%Y'`, `'%Y-%m-%d %H:%M:%S %z'`) or the
//! keyword `'iso8601'` (RFC 3339 / ISO 8601, see [`read_iso8601`]). A value that does not match
//! the format, or is no real date, gives NULL.
//!
//! A `format` or `timezone` given as a constant is checked once per batch, and an invalid one
//! is an execution error naming the function and the argument (a typo would otherwise turn a
//! whole column to NULL). When they come from a column, an invalid value gives NULL for its
//! row.

use std::sync::Arc;

use datafusion::common::{Result, exec_datafusion_err};
use datafusion::logical_expr::ScalarUDF;

use crate::common::StringArgs;

mod format;
mod parse_date;
mod parse_timestamp_utc;

pub use format::{DateFormat, MAX_DATE_INPUT_LEN, Reading, read_iso8601};
pub use parse_date::{ParseDateFunc, parse_date};
pub use parse_timestamp_utc::{
    ParseTimestampUtcFunc, parse_time_zone, parse_timestamp_utc, to_utc_micros,
};

/// Every date and time function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(ParseTimestampUtcFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(ParseDateFunc::new())),
    ]
}

/// A configuration argument (format, time zone) parsed once: for the whole batch when it is
/// a scalar, else each time its value changes from one row to the next.
enum ArgValues<T> {
    /// A scalar argument; `None` when it is NULL.
    Constant(Option<T>),
    /// A column: the last value seen and what it parsed to (`None` if invalid).
    PerRow {
        arg: usize,
        last: Option<(String, Option<T>)>,
    },
}

impl<T> ArgValues<T> {
    /// Parses argument `arg` when it is a scalar; an invalid scalar is an execution error
    /// naming the function `name` and the argument `label`.
    fn new(
        name: &str,
        strings: &StringArgs,
        arg: usize,
        label: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Self> {
        Ok(match strings.constant(arg) {
            Some(None) => Self::Constant(None),
            Some(Some(value)) => Self::Constant(Some(
                parse(value).map_err(|e| exec_datafusion_err!("{name}: invalid {label}: {e}"))?,
            )),
            None => Self::PerRow { arg, last: None },
        })
    }

    /// The parsed value at `row`, `None` when it is NULL or invalid.
    fn get(
        &mut self,
        strings: &StringArgs,
        row: usize,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<&T> {
        match self {
            Self::Constant(value) => value.as_ref(),
            Self::PerRow { arg, last } => {
                let value = strings.get(*arg, row)?;
                if last.as_ref().is_none_or(|(seen, _)| seen != value) {
                    *last = Some((value.to_owned(), parse(value).ok()));
                }
                last.as_ref()?.1.as_ref()
            }
        }
    }
}
