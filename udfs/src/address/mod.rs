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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Empty, arbitrary, and long (up to ~10 KB) strings, plus realistic values.
    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "\\PC*",
            "\\PC{1000,3000}",
            "[0-9a-zA-Z #°'.,-]{0,40}",
            Just("12bis av. des Champs-Élysées, Apt #4".to_owned()),
        ]
    }

    /// Countries with a known postcode format, and anything else.
    fn any_country() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "FR", "GB", "US", "DE", "IT", "ES", "BE", "CH", "NL", "JP", "KR", "CA", "PT", "BR",
                "PL", "SE", "IN", "MC", "RE",
            ])
            .prop_map(str::to_owned),
            any_text(),
        ]
    }

    proptest! {
        #[test]
        fn address_functions_never_panic(text in any_text(), country in any_country()) {
            if let Some(address) = normalize_address(&text) {
                prop_assert!(!address.is_empty() && !address.contains("  "));
            }
            let _ = normalize_country(&text);
            let postcode = normalize_postcode(&text, &country);
            let valid = is_valid_postcode(&text, &country);
            if valid == Some(true) {
                prop_assert!(postcode.is_some());
            }
            if let Some(code) = postcode {
                // A canonical postcode is its own canonical form.
                let again = normalize_postcode(&code, &country);
                prop_assert_eq!(again.as_deref(), Some(code.as_ref()));
            }
        }

        #[test]
        fn digit_strings_as_postcodes(digits in "[0-9]{0,12}", country in any_country()) {
            let _ = normalize_postcode(&digits, &country);
        }
    }
}
