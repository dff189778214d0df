//! `gamma_gamma_expected_spend(frequency, monetary_value, model)`: expected mean transaction
//! value of a customer.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::DOC_SECTION_LTV;
use super::args::{Arg, GAMMA_GAMMA, Layout, signature};
use super::gamma_gamma::{GammaGammaParams, expected_spend};

/// Expected mean spend per transaction of a customer with `frequency` repeat purchases of mean
/// `monetary_value`; `None` for a negative or fractional frequency, a repeat customer without a
/// positive spend, or `q <= 1`.
pub fn gamma_gamma_expected_spend(
    frequency: f64,
    monetary_value: f64,
    params: &GammaGammaParams,
) -> Option<f64> {
    if !(frequency >= 0.0 && frequency.fract() == 0.0 && frequency.is_finite()) {
        return None;
    }
    if frequency > 0.0 && !(monetary_value > 0.0 && monetary_value.is_finite()) {
        return None;
    }
    Some(expected_spend(frequency, monetary_value, params)).filter(|v| v.is_finite())
}

const LAYOUT: Layout = Layout {
    function: "gamma_gamma_expected_spend",
    args: &[
        Arg::Number("frequency"),
        Arg::Number("monetary_value"),
        Arg::Model(GAMMA_GAMMA),
    ],
};

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_LTV,
        "Returns the expected mean value of a customer's future transactions under a fitted \
         Gamma-Gamma model: their observed mean spend shrunk towards the population mean, the \
         more so the fewer repeat purchases they made (lifetimes' \
         `conditional_expected_average_profit`). The population mean `p·gamma/(q-1)` for a \
         customer without repeat purchases. NULL when `q <= 1`, for a negative or fractional \
         frequency, or a repeat customer without a positive spend. Float64.",
        "gamma_gamma_expected_spend(frequency, monetary_value, model)",
    )
    .with_sql_example(
        r#"```sql
> select round(gamma_gamma_expected_spend(2, 22.35, 6.25, 3.74, 15.44), 6) as spend;
+-----------+
| spend     |
+-----------+
| 24.663714 |
+-----------+
```"#,
    )
    .with_argument("frequency", "Number of repeat purchases.")
    .with_argument(
        "monetary_value",
        "Mean value of the repeat purchases (the first purchase excluded).",
    )
    .with_argument(
        "model",
        "The struct `gamma_gamma_fit` returns, or `p, q, gamma` as separate numbers.",
    )
    .with_related_udf("gamma_gamma_fit")
    .with_related_udf("clv")
    .build()
});

/// The `gamma_gamma_expected_spend` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct GammaGammaExpectedSpendFunc {
    signature: Signature,
}

impl Default for GammaGammaExpectedSpendFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl GammaGammaExpectedSpendFunc {
    pub fn new() -> Self {
        Self {
            signature: signature(),
        }
    }
}

impl ScalarUDFImpl for GammaGammaExpectedSpendFunc {
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
            let params = GammaGammaParams::new(v[2], v[3], v[4])?;
            gamma_gamma_expected_spend(v[0], v[1], &params)
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
    fn repeat_customers_need_a_positive_spend() {
        let params = GammaGammaParams::new(6.25, 3.74, 15.44).unwrap_or_else(|| panic!());
        assert_eq!(gamma_gamma_expected_spend(2.0, 0.0, &params), None);
        assert_eq!(gamma_gamma_expected_spend(1.5, 10.0, &params), None);
        assert!(gamma_gamma_expected_spend(0.0, 0.0, &params).is_some());
    }
}
