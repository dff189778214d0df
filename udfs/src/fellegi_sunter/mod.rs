//! Fellegi-Sunter probabilistic matching: training by EM (`fs_train`) and scoring
//! (`fs_match_weight`, `fs_match_probability`) and explaining (`fs_field_weights`), with
//! term-frequency adjustment.

pub mod em;
pub mod fs_field_weights;
pub mod fs_match_probability;
pub mod fs_match_weight;
pub mod fs_train;
pub mod model;
mod scoring;

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, ScalarUDF};

pub use fs_field_weights::FsFieldWeightsFunc;
pub use fs_match_probability::FsMatchProbabilityFunc;
pub use fs_match_weight::FsMatchWeightFunc;
pub use fs_train::FsTrainFunc;

/// The scalar functions of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(FsMatchWeightFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(FsMatchProbabilityFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(FsFieldWeightsFunc::new())),
    ]
}

/// The aggregate functions of this category.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![Arc::new(AggregateUDF::new_from_impl(FsTrainFunc::new()))]
}
