//! String similarity functions: edit distances and similarity scores, with the names other engines use as aliases.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
