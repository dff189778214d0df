//! `fs_match_weight(levels, model[, term_frequencies])`: a pair's Fellegi-Sunter match weight.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::scoring::{coerce_scoring_args, score};
use crate::common::DOC_SECTION_MATCHING;

pub const NAME: &str = "fs_match_weight";

/// The match weight of a pair whose field weights are `weights`, under prior match proportion
/// `lambda`: `log2(λ / (1 - λ)) + Σ weights`. The pure form of the SQL function.
pub fn match_weight(lambda: f64, weights: &[f64]) -> f64 {
    (lambda / (1.0 - lambda)).log2() + weights.iter().sum::<f64>()
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_MATCHING,
        "Returns a pair's Fellegi-Sunter match weight under a model trained by `fs_train`: \
         `log2(λ / (1 - λ))` (the prior odds) plus, for each field with a level, \
         `log2(m / u)` of that level. A NULL level adds nothing (no evidence). With \
         `term_frequencies`, a field whose frequency is not NULL uses it in place of u \
         (`log2(m / tf)`): give the share of records holding the agreed value for exact \
         agreements, NULL otherwise, so that two \"Martin\" count less than two \"Mattiussi\". \
         A level the model does not know is an error. NULL when levels or model is NULL.",
        "fs_match_weight(levels, model[, term_frequencies])",
    )
    .with_sql_example(
        r#"```sql
> select fs_match_weight(make_array('exact', NULL), model) as weight,
  fs_match_weight(make_array('exact', NULL), model, make_array(0.4, NULL)) as common_name
  from (select named_struct('lambda', 0.2, 'levels', make_array(
  named_struct('field', 1, 'level', 'exact', 'm', 0.8, 'u', 0.1))) as model);
+--------+-------------+
| weight | common_name |
+--------+-------------+
| 1.0    | -1.0        |
+--------+-------------+
```"#,
    )
    .with_argument(
        "levels",
        "Array of the pair's level per field, in the order used to train (strings or \
         integers; NULL for a missing field).",
    )
    .with_argument(
        "model",
        "The struct `fs_train` returns (only `lambda` and `levels` {field, level, m, u} are \
         read), e.g. a column of a one-row model table joined to the pairs.",
    )
    .with_argument(
        "term_frequencies",
        "Optional array of doubles, one per field: the frequency of the agreed value, NULL \
         where no adjustment applies.",
    )
    .with_related_udf("fs_train")
    .with_related_udf("fs_match_probability")
    .build()
});

/// The `fs_match_weight` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FsMatchWeightFunc {
    signature: Signature,
}

impl Default for FsMatchWeightFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl FsMatchWeightFunc {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FsMatchWeightFunc {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        coerce_scoring_args(NAME, arg_types)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        score(NAME, &args.args, args.number_rows, |w| w)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_plus_field_weights() {
        assert_eq!(match_weight(0.5, &[]), 0.0);
        assert_eq!(match_weight(0.2, &[3.0, 1.0]), 2.0);
    }
}
