//! Person-name functions: normalize, tokenize, nickname roots and name similarity.
//!
//! The text folding ([`fold`]) and the CSV table reader ([`csv_table`]) here are shared with
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

pub use name_key::{NameKeyFunc, name_key};
pub use name_similarity::{
    COVERAGE_EXPONENT, INITIAL_SCORE, MAX_NAME_BYTES, MAX_NAME_WORDS, NameSimilarityFunc,
    WORD_MATCH_THRESHOLD, name_similarity, name_similarity_with,
};
pub use name_tokens::{NameTokensFunc, name_tokens};
pub use nickname_root::{NicknameRootFunc, nickname_root};
pub use nicknames::{BUNDLED_NICKNAMES_CSV, NicknameTable};
pub use normalize_name::{NormalizeNameFunc, normalize_name};

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
