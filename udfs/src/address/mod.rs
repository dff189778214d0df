//! Postal address functions: street addresses, postcodes and countries.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![]
}
