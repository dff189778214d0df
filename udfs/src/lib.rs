//! DataFusion functions for customer data: normalization, similarity, survivorship, clustering
//! and lifetime value.
//!
//! The crate stands alone: any DataFusion program (or Ballista executor) gets every function
//! with [`register_all`]. Functions are listed by category in [`all_scalar_functions`]; each
//! lives in its own file with its documentation and tests.

use std::sync::Arc;

use datafusion::error::Result;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::SessionContext;

/// Every scalar function of the crate.
pub fn all_scalar_functions() -> Vec<Arc<ScalarUDF>> {
    Vec::new()
}

/// Registers every amigo function in `ctx`.
pub fn register_all(ctx: &SessionContext) -> Result<()> {
    for udf in all_scalar_functions() {
        ctx.register_udf(udf.as_ref().clone());
    }
    Ok(())
}
