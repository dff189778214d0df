//! Phone functions: parse numbers to E.164, classify and validate them with libphonenumber
//! metadata (the `phonenumber` crate).
//!
//! Every function takes `(phone [, default_region])`:
//! - `default_region` is an ISO 3166 alpha-2 code in any case (`'FR'`, `'gb'`). Without it (or
//!   with `''`) only international forms parse: `+33 6 12 34 56 78`, `0033 6 12 34 56 78`.
//!   With it, national forms of that region parse too (`06 12 34 56 78`), and its own
//!   international dialling prefix replaces `00` (`011 33 6...` for `'US'`). An unknown code
//!   gives NULL (`false` for `is_valid_phone`); a NULL region gives NULL.
//! - An international number is read with the rules of its own country whatever the default
//!   region, so the trunk prefix written in brackets in European data (`+33 (0)6 12 34 56 78`,
//!   `+44 (0)20 7946 0958`) is dropped, and the leading 0 of Italian numbers is kept.
//! - What source systems do to numbers is undone where unambiguous: anything before the first
//!   digit or `+` is ignored (the apostrophe of spreadsheet exports, `'+33612345678`; "Tel: ");
//!   a trailing `.0` after 6 or more digits is dropped (a float column, `612345678.0`); a
//!   number stored without its trunk prefix (`612345678` for France) parses as libphonenumber
//!   allows it. Digits that begin with the default region's calling code are read as
//!   libphonenumber does: the code was written without `+` (`33612345678` with `'FR'`) unless
//!   the digits are a valid national number as they stand (`392 123 4567`, an Italian mobile,
//!   with `'IT'`). Any whitespace (tabs, no-break spaces) separates digits.
//! - A number stored as a number loses what cannot be recovered: a trunk prefix that is part
//!   of the number (Italian fixed lines start with 0) or an international prefix.
//! - Numbers are parsed by a fast path for the usual shapes (digits, spaces, `-.()/`, a leading
//!   `+`) and by the `phonenumber` crate for anything else (letters, extensions, RFC 3966,
//!   non-ASCII digits); the tests check that both give the same results.
//! - A value that is not a valid number (wrong length, unassigned range, more than
//!   [`MAX_PHONE_INPUT_LEN`] bytes) gives NULL (`false` for `is_valid_phone`). Valid means
//!   libphonenumber's `isValidNumber`: the number matches one of its region's number types.

use std::sync::Arc;

use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF};

use crate::common::StringArgs;

mod is_valid_phone;
mod normalize_phone;
mod parse;
mod phone_country;
mod phone_type;
mod rules;

pub use is_valid_phone::{IsValidPhoneFunc, is_valid_phone};
pub use normalize_phone::{NormalizePhoneFunc, normalize_phone};
pub use parse::{MAX_PHONE_INPUT_LEN, Phone};
pub use phone_country::{PhoneCountryFunc, phone_country};
pub use phone_type::{PhoneTypeFunc, phone_type};
pub use rules::PhoneType;

use parse::{DefaultRegion, parse_phone, resolve_region};

/// Every phone function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(NormalizePhoneFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(PhoneCountryFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(PhoneTypeFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(IsValidPhoneFunc::new())),
    ]
}

/// Parses `phone` with an optional default region (see the module documentation): `None`
/// unless it is a valid number.
pub fn parse_phone_number(phone: &str, default_region: Option<&str>) -> Option<Phone> {
    parse_phone(phone, resolve_region(default_region)?)
}

/// Arities of the phone functions: the number, then an optional default region.
const PHONE_ARITIES: &[usize] = &[1, 2];

/// The phone analysis of one row.
enum Row {
    /// A NULL argument.
    Null,
    /// Not a valid number, or an unknown default region.
    Invalid,
    Valid(Phone),
}

/// A default region argument at one row.
#[derive(Clone, Copy)]
enum RegionArg {
    Null,
    Unknown,
    Known(DefaultRegion),
}

impl RegionArg {
    fn resolve(code: Option<&str>) -> Self {
        match code {
            None => Self::Null,
            Some(code) => resolve_region(Some(code)).map_or(Self::Unknown, Self::Known),
        }
    }
}

/// Calls `f` with the analysis of each row of `(phone [, default_region])` arguments and
/// returns the arguments, to wrap the result with [`StringArgs::finish`]. A scalar region is
/// resolved once for the batch.
fn for_each_phone(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    mut f: impl FnMut(Row),
) -> Result<StringArgs> {
    let strings = StringArgs::try_new(name, args, rows)?;
    let constant_region = if strings.arity() == 1 {
        Some(RegionArg::Known(DefaultRegion::Absent))
    } else {
        strings.constant(1).map(RegionArg::resolve)
    };
    for row in 0..strings.rows() {
        let region = constant_region.unwrap_or_else(|| RegionArg::resolve(strings.get(1, row)));
        f(match (strings.get(0, row), region) {
            (None, _) | (_, RegionArg::Null) => Row::Null,
            (Some(_), RegionArg::Unknown) => Row::Invalid,
            (Some(phone), RegionArg::Known(region)) => match parse_phone(phone, region) {
                Some(phone) => Row::Valid(phone),
                None => Row::Invalid,
            },
        });
    }
    Ok(strings)
}
