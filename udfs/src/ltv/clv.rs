//! `clv(frequency, recency, T, monetary_value, bgnbd_model, gamma_gamma_model, months,
//! monthly_discount_rate)`: discounted customer lifetime value over a horizon.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::DOC_SECTION_LTV;
use super::args::{Arg, BGNBD, GAMMA_GAMMA, Layout, signature};
use super::bgnbd::{BgNbdParams, check_summary, expected_purchases};
use super::gamma_gamma::{GammaGammaParams, expected_spend};

/// Weeks in a month, as lifetimes counts them (`freq="W"`): the models' time unit is the week.
pub const WEEKS_PER_MONTH: f64 = 4.345;

/// Longest horizon accepted, in months.
pub const MAX_MONTHS: f64 = 1_200.0;

/// Discounted value of a customer over `months` months, the way lifetimes'
/// `customer_lifetime_value` computes it: for each month `i`, the Gamma-Gamma expected spend
/// times the BG/NBD purchases expected in month `i` (to the end of month `i` minus to the end of
/// month `i - 1`), divided by `(1 + monthly_discount_rate)^i`. Times in weeks. `None` for an
/// impossible summary, a horizon that is not a whole number in `[0, MAX_MONTHS]`, or a discount
/// rate `<= -1`.
#[allow(clippy::too_many_arguments)] // The SQL function's arguments, in its order.
pub fn clv(
    frequency: f64,
    recency: f64,
    t: f64,
    monetary_value: f64,
    bgnbd: &BgNbdParams,
    gamma_gamma: &GammaGammaParams,
    months: f64,
    monthly_discount_rate: f64,
) -> Option<f64> {
    check_summary(frequency, recency, t).ok()?;
    let whole_months = months >= 0.0 && months.fract() == 0.0 && months <= MAX_MONTHS;
    let usable_rate = monthly_discount_rate > -1.0 && monthly_discount_rate.is_finite();
    if !(whole_months && usable_rate) {
        return None;
    }
    let spend = expected_spend(frequency, monetary_value, gamma_gamma);
    let mut value = 0.0;
    let mut purchases_before = 0.0;
    for month in 1..=months as u32 {
        let purchases =
            expected_purchases(month as f64 * WEEKS_PER_MONTH, frequency, recency, t, bgnbd);
        value += spend * (purchases - purchases_before)
            / (1.0 + monthly_discount_rate).powi(month as i32);
        purchases_before = purchases;
    }
    Some(value)
}

const LAYOUT: Layout = Layout {
    function: "clv",
    args: &[
        Arg::Number("frequency"),
        Arg::Number("recency"),
        Arg::Number("T"),
        Arg::Number("monetary_value"),
        Arg::Model(BGNBD),
        Arg::Model(GAMMA_GAMMA),
        Arg::Number("months"),
        Arg::Number("monthly_discount_rate"),
    ],
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_LTV,
        "Returns a customer's lifetime value over the next `months` months, discounted monthly: \
         the sum over months i = 1..months of (Gamma-Gamma expected spend) × (BG/NBD purchases \
         expected in month i) / (1 + monthly_discount_rate)^i, as lifetimes' \
         `customer_lifetime_value` computes it with `freq=\"W\"`. Recency and T are in weeks and a \
         month is 4.345 weeks. The value is in the currency of monetary_value. NULL for an \
         impossible summary, a horizon that is not a whole number of months in [0, 1200], or a \
         discount rate <= -1. Float64.",
        "clv(frequency, recency, T, monetary_value, bgnbd_model, gamma_gamma_model, months, monthly_discount_rate)",
    )
    .with_sql_example(
        r#"```sql
> select round(clv(2, 30.43, 38.86, 22.35, 0.243, 4.414, 0.793, 2.426, 6.25, 3.74, 15.44, 12, 0.01), 4) as clv;
+---------+
| clv     |
+---------+
| 36.2892 |
+---------+
```"#,
    )
    .with_argument("frequency", "Number of repeat purchases.")
    .with_argument("recency", "Weeks from the first to the last purchase.")
    .with_argument("T", "Weeks from the first purchase to the end of the period.")
    .with_argument(
        "monetary_value",
        "Mean value of the repeat purchases (0 or anything for a customer without).",
    )
    .with_argument(
        "bgnbd_model",
        "The struct `bgnbd_fit` returns, or `r, alpha, a, b` as separate numbers.",
    )
    .with_argument(
        "gamma_gamma_model",
        "The struct `gamma_gamma_fit` returns, or `p, q, gamma` as separate numbers.",
    )
    .with_argument("months", "Horizon in months, a whole number.")
    .with_argument(
        "monthly_discount_rate",
        "Discount rate per month (0.01 for 1 % a month).",
    )
    .with_related_udf("bgnbd_expected_purchases")
    .with_related_udf("gamma_gamma_expected_spend")
    .build()
});

/// The `clv` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ClvFunc {
    signature: Signature,
}

impl Default for ClvFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl ClvFunc {
    pub fn new() -> Self {
        Self {
            signature: signature(),
        }
    }
}

impl ScalarUDFImpl for ClvFunc {
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
            let bgnbd = BgNbdParams::new(v[4], v[5], v[6], v[7])?;
            let gamma_gamma = GammaGammaParams::new(v[8], v[9], v[10])?;
            clv(v[0], v[1], v[2], v[3], &bgnbd, &gamma_gamma, v[11], v[12])
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
    fn discounting_lowers_the_value_and_bad_horizons_give_none() {
        let bgnbd = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap_or_else(|| panic!());
        let gg = GammaGammaParams::new(6.25, 3.74, 15.44).unwrap_or_else(|| panic!());
        let value = |months, rate| clv(2.0, 30.43, 38.86, 22.35, &bgnbd, &gg, months, rate);
        let (plain, discounted) = (value(12.0, 0.0), value(12.0, 0.05));
        assert!(
            matches!((plain, discounted), (Some(p), Some(d)) if d < p),
            "{plain:?}"
        );
        assert_eq!(value(0.0, 0.01), Some(0.0));
        assert_eq!(value(1.5, 0.01), None);
        assert_eq!(value(12.0, -1.0), None);
    }
}
