//! `fs_match_probability(match_weight)` or `fs_match_probability(levels, model[,
//! term_frequencies])`: the probability that a pair is a match.

use std::sync::LazyLock;

use datafusion::arrow::array::{Array, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use std::sync::Arc;

use super::model::probability_of_weight;
use super::scoring::{coerce_scoring_args, score};
use crate::common::DOC_SECTION_MATCHING;

pub const NAME: &str = "fs_match_probability";

/// The match probability of a match weight `w` (log2 of the posterior odds): `2^w / (1 + 2^w)`.
pub fn match_probability(match_weight: f64) -> f64 {
    probability_of_weight(match_weight)
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_MATCHING,
        "Returns the probability that a pair is a match, `2^w / (1 + 2^w)` of its match weight \
         `w`. Given one argument, that argument is the match weight (from `fs_match_weight` or \
         any sum of log2 Bayes factors); given levels and a model, it computes the weight as \
         `fs_match_weight` does first.",
        "fs_match_probability(match_weight | levels, model[, term_frequencies])",
    )
    .with_sql_example(
        r#"```sql
> select fs_match_probability(0.0) as even, fs_match_probability(3.0) as likely,
  round(fs_match_probability(make_array('exact'), named_struct('lambda', 0.2, 'levels',
  make_array(named_struct('field', 1, 'level', 'exact', 'm', 0.8, 'u', 0.1)))), 4) as from_model;
+------+--------------------+------------+
| even | likely             | from_model |
+------+--------------------+------------+
| 0.5  | 0.8888888888888888 | 0.6667     |
+------+--------------------+------------+
```"#,
    )
    .with_argument("match_weight", "Double: a match weight (log2 of the odds).")
    .with_argument("levels", "As in `fs_match_weight`.")
    .with_argument("model", "As in `fs_match_weight`.")
    .with_argument("term_frequencies", "As in `fs_match_weight`.")
    .with_related_udf("fs_match_weight")
    .with_related_udf("fs_train")
    .build()
});

/// The `fs_match_probability` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FsMatchProbabilityFunc {
    signature: Signature,
}

impl Default for FsMatchProbabilityFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl FsMatchProbabilityFunc {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FsMatchProbabilityFunc {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        match arg_types {
            [t] if t.is_numeric() || t == &DataType::Null => Ok(vec![DataType::Float64]),
            [t] => plan_err!("{NAME}: a match weight must be a number, got {t}"),
            _ => coerce_scoring_args(NAME, arg_types),
        }
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args.as_slice() {
            [ColumnarValue::Scalar(weight)] => {
                let weight = weight.cast_to(&DataType::Float64)?;
                Ok(ColumnarValue::Scalar(match weight {
                    ScalarValue::Float64(w) => ScalarValue::Float64(w.map(match_probability)),
                    _ => ScalarValue::Float64(None),
                }))
            }
            [ColumnarValue::Array(weights)] => {
                let weights = cast(weights, &DataType::Float64)?;
                let probabilities: Float64Array = weights
                    .as_primitive::<Float64Type>()
                    .unary(match_probability);
                Ok(ColumnarValue::Array(
                    Arc::new(probabilities) as Arc<dyn Array>
                ))
            }
            _ => score(NAME, &args.args, args.number_rows, match_probability),
        }
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_in_base_two() {
        assert_eq!(match_probability(0.0), 0.5);
        assert_eq!(match_probability(1.0), 2.0 / 3.0);
        assert!((match_probability(-3.0) - 1.0 / 9.0).abs() < 1e-15);
    }
}
