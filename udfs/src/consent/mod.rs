//! Consent: merging the consent events of the records of one customer.

mod accumulator;
pub mod consent_merge;

use std::sync::Arc;

use datafusion::logical_expr::AggregateUDF;

pub use consent_merge::ConsentMergeFunc;

/// The aggregate functions of this category.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![Arc::new(AggregateUDF::new_from_impl(
        ConsentMergeFunc::new(),
    ))]
}
