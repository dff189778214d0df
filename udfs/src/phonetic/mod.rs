//! Phonetic functions: codes that match names which sound alike.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
