//! What the fuzz targets share: turning libFuzzer's bytes into a call of one registered
//! function, through its `invoke_with_args` as DataFusion calls it.
//!
//! Input layout: byte 0 picks the function, byte 1 the call's shape (string type, which
//! arguments are scalars, which of the accepted argument lists); the rest is split on `0xFF`
//! into arguments and each argument on `0xFE` into rows (both bytes never occur in UTF-8, so
//! they steal no text). Rows are decoded as UTF-8, lossily; a missing row is null. An integer
//! argument (a length, say) is the row's byte count modulo 33.
//!
//! A call must not panic, must return one value per row (or a scalar) of the planned type, and
//! may fail only with a plan error, or an execution error naming the function on a call of two
//! or more arguments (an invalid region, format or rules argument; the same rule as
//! `tests/no_panic.rs`); anything else aborts, which libFuzzer reports as a crash.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Int64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{
    ColumnarValue, DocSection, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF,
};

/// A registered function and the argument lists its signature accepts.
pub struct FuzzedFunction {
    pub udf: Arc<ScalarUDF>,
    /// Argument types before the string type is chosen: `Utf8` stands for any string type.
    pub argument_lists: Vec<Vec<DataType>>,
}

/// Every registered function that can be called with 1 to 3 string or integer arguments.
pub fn all_functions() -> Vec<FuzzedFunction> {
    amigo_udfs::all_scalar_functions()
        .into_iter()
        .filter_map(|udf| {
            let argument_lists = accepted_argument_lists(&udf);
            (!argument_lists.is_empty()).then_some(FuzzedFunction {
                udf,
                argument_lists,
            })
        })
        .collect()
}

/// The functions of [`all_functions`] documented in one of `sections`.
pub fn functions_in_sections(sections: &[DocSection]) -> Vec<FuzzedFunction> {
    all_functions()
        .into_iter()
        .filter(|f| {
            f.udf
                .documentation()
                .is_some_and(|d| sections.contains(&d.doc_section))
        })
        .collect()
}

fn fields(types: &[DataType]) -> Vec<FieldRef> {
    types
        .iter()
        .enumerate()
        .map(|(i, t)| Arc::new(Field::new(format!("arg{i}"), t.clone(), true)))
        .collect()
}

fn accepts(udf: &ScalarUDF, types: &[DataType]) -> bool {
    let fields = fields(types);
    fields_with_udf(&fields, udf).is_ok()
        && udf
            .return_field_from_args(ReturnFieldArgs {
                arg_fields: &fields,
                scalar_arguments: &vec![None; types.len()],
            })
            .is_ok()
}

fn accepted_argument_lists(udf: &ScalarUDF) -> Vec<Vec<DataType>> {
    let probes = [DataType::Utf8, DataType::Int64];
    let mut lists = Vec::new();
    for arity in 1..=3u32 {
        for combination in 0..probes.len().pow(arity) {
            let types: Vec<DataType> = (0..arity)
                .map(|p| probes[combination / probes.len().pow(p) % probes.len()].clone())
                .collect();
            if accepts(udf, &types) {
                lists.push(types);
            }
        }
    }
    lists
}

const STRING_TYPES: [fn() -> DataType; 4] = [
    || DataType::Utf8,
    || DataType::LargeUtf8,
    || DataType::Utf8View,
    || DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
];

/// Calls the function `data` picks among `functions` with the arguments `data` holds.
pub fn fuzz_one(functions: &[FuzzedFunction], data: &[u8]) {
    let [pick, shape, rest @ ..] = data else {
        return;
    };
    let Some(function) = functions.get(usize::from(*pick) % functions.len().max(1)) else {
        return;
    };
    let list = &function.argument_lists[usize::from(shape >> 5) % function.argument_lists.len()];
    let string_type = STRING_TYPES[usize::from(shape & 0b11)]();
    let types: Vec<DataType> = list
        .iter()
        .map(|t| {
            if t == &DataType::Utf8 {
                string_type.clone()
            } else {
                t.clone()
            }
        })
        .collect();
    // A string type the signature does not take as is gets plain Utf8, as the planner would
    // coerce it.
    let types = if accepts(&function.udf, &types) {
        types
    } else {
        list.clone()
    };

    let arguments: Vec<Vec<&[u8]>> = rest
        .split(|&b| b == 0xFF)
        .map(|arg| arg.split(|&b| b == 0xFE).collect())
        .collect();
    let rows = arguments.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let mut args = Vec::with_capacity(types.len());
    for (position, data_type) in types.iter().enumerate() {
        let values = arguments.get(position);
        let row = |i: usize| values.and_then(|v| v.get(i)).copied();
        let array: ArrayRef = if data_type == &DataType::Int64 {
            Arc::new(Int64Array::from_iter(
                (0..rows).map(|i| row(i).map(|v| (v.len() % 33) as i64)),
            ))
        } else {
            let strings = StringArray::from_iter(
                (0..rows).map(|i| row(i).map(|v| String::from_utf8_lossy(v).into_owned())),
            );
            match cast(&strings, data_type) {
                Ok(array) => array,
                Err(e) => panic!("casting fuzz input to {data_type}: {e}"),
            }
        };
        let scalar = shape >> (2 + position.min(2)) & 1 == 1;
        args.push(if scalar {
            match ScalarValue::try_from_array(&array, 0) {
                Ok(s) => ColumnarValue::Scalar(s),
                Err(e) => panic!("building a scalar: {e}"),
            }
        } else {
            ColumnarValue::Array(array)
        });
    }
    check_call(&function.udf, &types, args, rows);
}

fn check_call(udf: &ScalarUDF, types: &[DataType], args: Vec<ColumnarValue>, rows: usize) {
    let name = udf.name();
    let arg_fields = fields(types);
    let scalars: Vec<Option<&ScalarValue>> = args
        .iter()
        .map(|a| match a {
            ColumnarValue::Scalar(s) => Some(s),
            ColumnarValue::Array(_) => None,
        })
        .collect();
    let return_field = match udf.return_field_from_args(ReturnFieldArgs {
        arg_fields: &arg_fields,
        scalar_arguments: &scalars,
    }) {
        Ok(f) => f,
        // The planner would have rejected the call: nothing to run.
        Err(_) => return,
    };
    let expected = return_field.data_type().clone();
    let result = udf.invoke_with_args(ScalarFunctionArgs {
        args,
        arg_fields,
        number_rows: rows,
        return_field,
        config_options: Arc::new(ConfigOptions::default()),
    });
    match result {
        Ok(ColumnarValue::Array(array)) => {
            assert_eq!(array.len(), rows, "{name}: wrong number of values");
            assert_eq!(array.data_type(), &expected, "{name}: wrong type");
        }
        Ok(ColumnarValue::Scalar(scalar)) => {
            assert_eq!(scalar.data_type(), expected, "{name}: wrong scalar type");
        }
        Err(e) => match e.find_root() {
            DataFusionError::Plan(_) => {}
            DataFusionError::Execution(message) if types.len() > 1 && message.contains(name) => {}
            _ => panic!("{name} failed on fuzz input: {e}"),
        },
    }
}
