//! Shared plumbing for the aggregate functions: reading constant arguments, and the type
//! checks their `coerce_types` make.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::physical_expr::expressions::Literal;

/// Argument `index` of an aggregate call when it is a constant (`None` when absent).
/// Options such as a prior or a list of sources must be constants: they configure the whole
/// aggregation, not one row, and a column there is an error naming the function.
pub fn constant_arg<'a>(
    name: &str,
    args: &'a AccumulatorArgs,
    index: usize,
    what: &str,
) -> Result<Option<&'a ScalarValue>> {
    let Some(expr) = args.exprs.get(index) else {
        return Ok(None);
    };
    match expr.downcast_ref::<Literal>() {
        Some(literal) => Ok(Some(literal.value())),
        None => plan_err!(
            "{name}: argument {} ({what}) must be a constant, got {expr}",
            index + 1
        ),
    }
}

/// Whether `data_type` is a string type or a dictionary of strings.
pub fn is_string_like(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => true,
        DataType::Dictionary(_, values) => is_string_like(values),
        _ => false,
    }
}

/// A dictionary's value type; other types unchanged.
pub fn without_dictionary(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Dictionary(_, values) => values.as_ref().clone(),
        other => other.clone(),
    }
}

/// Whether `data_type` orders event times: a timestamp, a date, an integer, or NULL.
pub fn is_time_like(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 | DataType::Null
    ) || data_type.is_integer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_classes() {
        assert!(is_string_like(&DataType::Utf8View));
        assert!(is_string_like(&DataType::Dictionary(
            Box::new(DataType::Int32),
            Box::new(DataType::Utf8)
        )));
        assert!(!is_string_like(&DataType::Int64));
        assert!(is_time_like(&DataType::Date32));
        assert!(!is_time_like(&DataType::Utf8));
        assert_eq!(
            without_dictionary(&DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(DataType::Utf8)
            )),
            DataType::Utf8
        );
    }
}
