//! Date and time functions: parse the formats source systems export.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
