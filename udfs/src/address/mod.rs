//! Postal address functions: street addresses, postcodes and countries.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod abbreviations;
mod countries;
mod is_valid_postcode;
mod normalize_address;
mod normalize_country;
mod normalize_postcode;
mod postcode_rules;

pub use abbreviations::BUNDLED_ADDRESS_ABBREVIATIONS_CSV;
pub use countries::BUNDLED_COUNTRIES_CSV;
pub use is_valid_postcode::{IsValidPostcodeFunc, is_valid_postcode};
pub use normalize_address::{NormalizeAddressFunc, normalize_address};
pub use normalize_country::{NormalizeCountryFunc, normalize_country};
pub use normalize_postcode::{MAX_POSTCODE_BYTES, NormalizePostcodeFunc, normalize_postcode};

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(NormalizeAddressFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(NormalizePostcodeFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(IsValidPostcodeFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(NormalizeCountryFunc::new())),
    ]
}
