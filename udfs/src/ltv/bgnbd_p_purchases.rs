//! `bgnbd_p_purchases(n, t, model)`: probability that a new customer makes exactly `n`
//! purchases in `t` time units.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::DOC_SECTION_LTV;
use super::args::{Arg, BGNBD, Layout, signature};
use super::bgnbd::{BgNbdParams, p_purchases};

/// Largest `n` accepted: the sum in the formula has `n` terms.
pub const MAX_PURCHASES: f64 = 1e6;

/// P(N(t) = n) for a customer drawn from the population; `None` unless `n` is a whole number in
/// `[0, MAX_PURCHASES]` and `t >= 0`.
pub fn bgnbd_p_purchases(n: f64, t: f64, params: &BgNbdParams) -> Option<f64> {
    if !(n >= 0.0 && n.fract() == 0.0 && n <= MAX_PURCHASES && t >= 0.0 && t.is_finite()) {
        return None;
    }
    Some(p_purchases(n as u64, t, params))
}

const LAYOUT: Layout = Layout {
    function: "bgnbd_p_purchases",
    args: &[Arg::Number("n"), Arg::Number("t"), Arg::Model(BGNBD)],
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_LTV,
        "Returns the probability that a customer drawn from the population makes exactly `n` \
         purchases in a period of length `t`, under a fitted BG/NBD model (equation 8 of Fader, \
         Hardie & Lee 2005; lifetimes' `probability_of_n_purchases_up_to_time`). NULL unless \
         `n` is a whole number between 0 and 1e6 and `t >= 0`. Float64.",
        "bgnbd_p_purchases(n, t, model)",
    )
    .with_sql_example(
        r#"```sql
> select round(bgnbd_p_purchases(1, 39, 0.243, 4.414, 0.793, 2.426), 6) as p_one;
+----------+
| p_one    |
+----------+
| 0.199395 |
+----------+
```"#,
    )
    .with_argument("n", "Number of purchases, a whole number.")
    .with_argument(
        "t",
        "Length of the period, in the unit of the model (weeks in amigo's SQL).",
    )
    .with_argument(
        "model",
        "The struct `bgnbd_fit` returns, or `r, alpha, a, b` as separate numbers.",
    )
    .with_related_udf("bgnbd_fit")
    .build()
});

/// The `bgnbd_p_purchases` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BgNbdPPurchasesFunc {
    signature: Signature,
}

impl Default for BgNbdPPurchasesFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl BgNbdPPurchasesFunc {
    pub fn new() -> Self {
        Self {
            signature: signature(),
        }
    }
}

impl ScalarUDFImpl for BgNbdPPurchasesFunc {
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
            let params = BgNbdParams::new(v[2], v[3], v[4], v[5])?;
            bgnbd_p_purchases(v[0], v[1], &params)
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
    fn rejects_fractional_and_negative_counts() {
        let params = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap_or_else(|| panic!());
        assert_eq!(bgnbd_p_purchases(1.5, 39.0, &params), None);
        assert_eq!(bgnbd_p_purchases(-1.0, 39.0, &params), None);
        assert_eq!(bgnbd_p_purchases(1.0, -39.0, &params), None);
        assert!(bgnbd_p_purchases(3.0, 39.0, &params).is_some_and(|p| p > 0.0 && p < 1.0));
    }
}
