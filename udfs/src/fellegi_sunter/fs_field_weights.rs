//! `fs_field_weights(levels, model[, term_frequencies])`: each field's share of a pair's match
//! weight, to explain a score.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::model::level_weight;
use super::scoring::{coerce_scoring_args, field_weights};
use crate::common::DOC_SECTION_MATCHING;

pub const NAME: &str = "fs_field_weights";

/// The weight of one field: `log2(m / u)`, or `log2(m / tf)` with a term frequency.
pub fn field_weight(m: f64, u: f64, term_frequency: Option<f64>) -> f64 {
    level_weight(m, term_frequency.unwrap_or(u))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_MATCHING,
        "Returns the weight each field adds to a pair's match weight, as an array in the order \
         of the levels: `log2(m / u)` of the field's level, or `log2(m / tf)` with a term \
         frequency, NULL for a field without a level. `fs_match_weight` is the prior \
         `log2(λ / (1 - λ))` plus their sum: this is how a score is explained.",
        "fs_field_weights(levels, model[, term_frequencies])",
    )
    .with_sql_example(
        r#"```sql
> select fs_field_weights(make_array('exact', NULL, 'different'), named_struct('lambda', 0.2, 'levels', make_array(
  named_struct('field', 1, 'level', 'exact', 'm', 0.8, 'u', 0.1),
  named_struct('field', 3, 'level', 'different', 'm', 0.1, 'u', 0.8)))) as weights;
+-------------------+
| weights           |
+-------------------+
| [3.0, NULL, -3.0] |
+-------------------+
```"#,
    )
    .with_argument("levels", "As in `fs_match_weight`.")
    .with_argument("model", "As in `fs_match_weight`.")
    .with_argument("term_frequencies", "As in `fs_match_weight`.")
    .with_related_udf("fs_match_weight")
    .build()
});

/// The `fs_field_weights` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FsFieldWeightsFunc {
    signature: Signature,
}

impl Default for FsFieldWeightsFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl FsFieldWeightsFunc {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for FsFieldWeightsFunc {
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
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::Float64,
            true,
        ))))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        field_weights(NAME, &args.args, args.number_rows)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn term_frequency_replaces_u() {
        assert_eq!(field_weight(0.8, 0.1, None), 3.0);
        assert_eq!(field_weight(0.8, 0.1, Some(0.4)), 1.0);
    }
}
