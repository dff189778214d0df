//! Person-name functions: normalize, tokenize, nickname roots and name similarity.
//!
//! The text folding (`fold`) and the CSV table reader (`csv_table`) here are shared with
//! the address functions.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub(crate) mod csv_table;
pub(crate) mod fold;
mod name_key;
mod name_similarity;
mod name_tokens;
mod nickname_root;
mod nicknames;
mod normalize_name;
mod word_pairing;

pub use name_key::{NameKeyFunc, name_key};
pub use name_similarity::{NameSimilarityFunc, name_similarity, name_similarity_with};
pub use name_tokens::{NameTokensFunc, name_tokens};
pub use nickname_root::{NicknameRootFunc, nickname_root};
pub use nicknames::{BUNDLED_NICKNAMES_CSV, NicknameTable};
pub use normalize_name::{NormalizeNameFunc, normalize_name};
pub use word_pairing::{
    COVERAGE_EXPONENT, INITIAL_SCORE, MAX_NAME_BYTES, MAX_NAME_WORDS, WORD_MATCH_THRESHOLD,
};

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(NormalizeNameFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(NameTokensFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(NameKeyFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(NicknameRootFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(NameSimilarityFunc::new())),
    ]
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Empty, arbitrary, and long (up to ~10 KB) strings, plus realistic names.
    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "\\PC*",
            "\\PC{1000,3000}",
            "[a-zA-Zéèçß' .-]{0,40}",
            Just("Mme Jean-Pierre O'Brien".to_owned()),
        ]
    }

    proptest! {
        #[test]
        fn name_functions_never_panic(a in any_text(), b in any_text()) {
            let normalized = normalize_name(&a);
            if let Some(n) = &normalized {
                prop_assert!(!n.is_empty() && !n.starts_with(' ') && !n.ends_with(' '));
                prop_assert!(!n.contains("  "));
                // Normalizing is idempotent.
                let again = normalize_name(n);
                prop_assert_eq!(again.as_deref(), Some(n.as_ref()));
            }
            let tokens = name_tokens(&a);
            prop_assert_eq!(tokens.is_some(), normalized.is_some());
            let key = name_key(&a);
            prop_assert_eq!(key.as_ref().map(|k| k.len()), normalized.as_ref().map(|n| n.len()));
            let _ = nickname_root(&a);
            if let Some(score) = name_similarity(&a, &b) {
                prop_assert!((0.0..=1.0).contains(&score), "{}", score);
            }
            if normalized.is_some() {
                prop_assert_eq!(name_similarity(&a, &a), Some(1.0));
            }
        }

        #[test]
        fn long_names_are_bounded(word in "[a-z]{1,12}", n in 1usize..2000) {
            let long = vec![word.as_str(); n].join(" ");
            let score = name_similarity(&long, &word);
            prop_assert!(score.is_some_and(|s| (0.0..=1.0).contains(&s)));
        }
    }
}
