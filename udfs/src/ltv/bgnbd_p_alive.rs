//! `bgnbd_p_alive(frequency, recency, T, model)`: probability that a customer is still active.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::DOC_SECTION_LTV;
use super::args::{Arg, BGNBD, Layout, signature};
use super::bgnbd::{BgNbdParams, check_summary, p_alive};

/// P(alive) of a customer with summary `(frequency, recency, T)` under `params`; `None` when
/// the summary is impossible (negative, fractional frequency, recency beyond T).
pub fn bgnbd_p_alive(frequency: f64, recency: f64, t: f64, params: &BgNbdParams) -> Option<f64> {
    check_summary(frequency, recency, t).ok()?;
    Some(p_alive(frequency, recency, t, params))
}

const LAYOUT: Layout = Layout {
    function: "bgnbd_p_alive",
    args: &[
        Arg::Number("frequency"),
        Arg::Number("recency"),
        Arg::Number("T"),
        Arg::Model(BGNBD),
    ],
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_LTV,
        "Returns the probability that a customer is still active (has not dropped out) at the \
         end of the observation period, under a fitted BG/NBD model. Computed in log space: \
         customers with hundreds of purchases do not overflow. 1 for a customer without repeat \
         purchases. NULL for an impossible summary (recency > T, negative or fractional \
         frequency, recency 0 with repeat purchases) or a non-positive parameter. Float64.",
        "bgnbd_p_alive(frequency, recency, T, model)",
    )
    .with_sql_example(
        r#"```sql
> select round(bgnbd_p_alive(2, 30.43, 38.86, 0.243, 4.414, 0.793, 2.426), 6) as p_alive;
+----------+
| p_alive  |
+----------+
| 0.726579 |
+----------+
```"#,
    )
    .with_argument(
        "frequency",
        "Number of repeat purchases (purchase days after the first).",
    )
    .with_argument(
        "recency",
        "Time from the first to the last purchase (weeks in amigo's SQL).",
    )
    .with_argument(
        "T",
        "Time from the first purchase to the end of the period.",
    )
    .with_argument(
        "model",
        "The struct `bgnbd_fit` returns, or its four parameters `r, alpha, a, b` as separate \
         numbers.",
    )
    .with_related_udf("bgnbd_fit")
    .with_related_udf("bgnbd_expected_purchases")
    .build()
});

/// The `bgnbd_p_alive` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct BgNbdPAliveFunc {
    signature: Signature,
}

impl Default for BgNbdPAliveFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl BgNbdPAliveFunc {
    pub fn new() -> Self {
        Self {
            signature: signature(),
        }
    }
}

impl ScalarUDFImpl for BgNbdPAliveFunc {
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
            let params = BgNbdParams::new(v[3], v[4], v[5], v[6])?;
            bgnbd_p_alive(v[0], v[1], v[2], &params)
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
    fn impossible_summaries_give_none() {
        let params = BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap_or_else(|| panic!());
        assert_eq!(bgnbd_p_alive(2.0, 40.0, 38.0, &params), None);
        assert_eq!(bgnbd_p_alive(-1.0, 0.0, 38.0, &params), None);
        assert_eq!(bgnbd_p_alive(0.0, 0.0, 38.0, &params), Some(1.0));
        let extreme = bgnbd_p_alive(200.0, 2.0, 100.0, &params);
        assert!(
            extreme.is_some_and(|p| (0.0..1e-50).contains(&p)),
            "{extreme:?}"
        );
    }
}
