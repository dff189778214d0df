//! `bgnbd_expected_purchases(t, frequency, recency, T, model)`: purchases a customer is
//! expected to make in the next `t` time units.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::DOC_SECTION_LTV;
use super::args::{Arg, BGNBD, Layout, signature};
use super::bgnbd::{BgNbdParams, check_summary, expected_purchases};

/// Conditional expected purchases in `(T, T + horizon]` of a customer with summary
/// `(frequency, recency, T)`; `None` for an impossible summary or a negative horizon.
pub fn bgnbd_expected_purchases(
    horizon: f64,
    frequency: f64,
    recency: f64,
    t: f64,
    params: &BgNbdParams,
) -> Option<f64> {
    check_summary(frequency, recency, t).ok()?;
    if !(horizon >= 0.0 && horizon.is_finite()) {
        return None;
    }
    Some(expected_purchases(horizon, frequency, recency, t, params))
}

const LAYOUT: Layout = Layout {
    function: "bgnbd_expected_purchases",
    args: &[
        Arg::Number("t"),
        Arg::Number("frequency"),
        Arg::Number("recency"),
        Arg::Number("T"),
        Arg::Model(BGNBD),
    ],
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_LTV,
        "Returns the number of purchases a customer is expected to make in the next `t` time \
         units, given their history, under a fitted BG/NBD model (equation 10 of Fader, \
         Hardie & Lee 2005; lifetimes' `conditional_expected_number_of_purchases_up_to_time`). \
         Stable for very frequent customers. NULL for an impossible summary, a negative `t` or \
         a non-positive parameter; also NULL when `a <= 1` makes the expectation infinite. \
         Float64.",
        "bgnbd_expected_purchases(t, frequency, recency, T, model)",
    )
    .with_sql_example(
        r#"```sql
> select round(bgnbd_expected_purchases(39, 2, 30.43, 38.86, 0.243, 4.414, 0.793, 2.426), 6) as purchases;
+-----------+
| purchases |
+-----------+
| 1.226028  |
+-----------+
```"#,
    )
    .with_argument(
        "t",
        "Horizon, in the unit of recency and T (weeks in amigo's SQL).",
    )
    .with_argument("frequency", "Number of repeat purchases.")
    .with_argument("recency", "Time from the first to the last purchase.")
    .with_argument("T", "Time from the first purchase to the end of the period.")
    .with_argument(
        "model",
        "The struct `bgnbd_fit` returns, or `r, alpha, a, b` as separate numbers.",
    )
    .with_related_udf("bgnbd_p_alive")
    .with_related_udf("clv")
    .build()
});

/// The `bgnbd_expected_purchases` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BgNbdExpectedPurchasesFunc {
    signature: Signature,
}

impl Default for BgNbdExpectedPurchasesFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl BgNbdExpectedPurchasesFunc {
    pub fn new() -> Self {
        Self {
            signature: signature(),
        }
    }
}

impl ScalarUDFImpl for BgNbdExpectedPurchasesFunc {
    fn name(&self) -> &str {
        LAYOUT.function
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        LAYOUT.coerce_types(arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        LAYOUT.map_rows(&args.args, args.number_rows, |v| {
            let params = BgNbdParams::new(v[4], v[5], v[6], v[7])?;
            bgnbd_expected_purchases(v[0], v[1], v[2], v[3], &params)
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_the_horizon_and_rejects_negative_ones() {
        let params = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap_or_else(|| panic!());
        let week = bgnbd_expected_purchases(1.0, 2.0, 30.43, 38.86, &params);
        let year = bgnbd_expected_purchases(52.0, 2.0, 30.43, 38.86, &params);
        assert!(
            matches!((week, year), (Some(w), Some(y)) if 0.0 < w && w < y),
            "{week:?} {year:?}"
        );
        assert_eq!(
            bgnbd_expected_purchases(0.0, 2.0, 30.43, 38.86, &params),
            Some(0.0)
        );
        assert_eq!(
            bgnbd_expected_purchases(-1.0, 2.0, 30.43, 38.86, &params),
            None
        );
    }
}
