//! Customer lifetime value: the BG/NBD purchase model and the Gamma-Gamma spend model, fitted
//! by aggregates (`bgnbd_fit`, `gamma_gamma_fit`) and applied per customer by scalar functions
//! (`bgnbd_p_alive`, `bgnbd_expected_purchases`, `bgnbd_p_purchases`,
//! `gamma_gamma_expected_spend`, `clv`).
//!
//! Conventions:
//! - A customer is summarised as lifetimes and the papers do: frequency = repeat purchases
//!   (purchase days after the first), recency = time from the first to the last purchase,
//!   T = time from the first purchase to the end of the period, monetary_value = mean of the
//!   repeat purchases. amigo's SQL (`sql/ltv/`) uses weeks (exact days / 7); `clv` assumes
//!   weeks, the other functions work in any unit consistently used.
//! - Scalar functions take each model either as the struct its fit returns or as its
//!   parameters spelled out (`r, alpha, a, b`; `p, q, gamma`): the struct reads better next to a
//!   table of fitted models, the numbers suit published parameters. Impossible inputs give
//!   NULL; the fits raise an error naming the row instead, since one bad row would silently
//!   bias every score.

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, DocSection, ScalarUDF};

mod args;
pub mod bgnbd;
mod bgnbd_expected_purchases;
mod bgnbd_fit;
mod bgnbd_p_alive;
mod bgnbd_p_purchases;
mod clv;
mod counts;
pub mod gamma_gamma;
mod gamma_gamma_expected_spend;
mod gamma_gamma_fit;
mod optimize;
pub mod special;

pub use bgnbd::{BgNbdData, BgNbdFit, BgNbdParams};
pub use bgnbd_expected_purchases::{BgNbdExpectedPurchasesFunc, bgnbd_expected_purchases};
pub use bgnbd_fit::{BgNbdFitFunc, bgnbd_fit};
pub use bgnbd_p_alive::{BgNbdPAliveFunc, bgnbd_p_alive};
pub use bgnbd_p_purchases::{BgNbdPPurchasesFunc, bgnbd_p_purchases};
pub use clv::{ClvFunc, WEEKS_PER_MONTH, clv};
pub use gamma_gamma::{GammaGammaData, GammaGammaFit, GammaGammaParams};
pub use gamma_gamma_expected_spend::{GammaGammaExpectedSpendFunc, gamma_gamma_expected_spend};
pub use gamma_gamma_fit::{GammaGammaFitFunc, gamma_gamma_fit};

/// Documentation section of the lifetime-value functions.
pub const DOC_SECTION_LTV: DocSection = DocSection {
    include: true,
    label: "Lifetime Value Functions",
    description: Some(
        "Fit the BG/NBD purchase and Gamma-Gamma spend models, then score customers: \
         probability alive, expected purchases and spend, lifetime value.",
    ),
};

/// Every scalar function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(BgNbdPAliveFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(BgNbdExpectedPurchasesFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(BgNbdPPurchasesFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(GammaGammaExpectedSpendFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(ClvFunc::new())),
    ]
}

/// Every aggregate function of this category.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(AggregateUDF::new_from_impl(BgNbdFitFunc::new())),
        Arc::new(AggregateUDF::new_from_impl(GammaGammaFitFunc::new())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ltv_aggregates_are_documented() {
        for udaf in aggregate_functions() {
            let Some(doc) = udaf.documentation() else {
                panic!("{} has no documentation", udaf.name());
            };
            assert!(doc.syntax_example.starts_with(udaf.name()));
            assert!(doc.sql_example.is_some() && doc.arguments.is_some());
        }
    }
}
