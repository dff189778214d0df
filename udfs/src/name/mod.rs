//! Person-name functions: normalize, tokenize, nickname roots and name similarity.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
