//! Plumbing for the similarity functions that take two strings and an integer (a threshold,
//! a maximum distance, an n-gram size): signature, planning-time type check, and a kernel over
//! scalar or array arguments. Functions of two strings only use the kernels of
//! [`crate::common`].

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, PrimitiveBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{ArrowPrimitiveType, DataType, Int64Type};
use datafusion::common::types::{NativeType, logical_int64, logical_string};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    Coercion, ColumnarValue, Signature, TypeSignature, TypeSignatureClass, Volatility,
};

use crate::common::{StringArgs, strings_return_type};

/// Whether the integer after the two strings may be left out.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntArg {
    Optional,
    Required,
}

/// `(string, string)` and/or `(string, string, integer)`; any integer type is accepted and
/// read as Int64.
pub(crate) fn strings_and_int_signature(int: IntArg) -> Signature {
    let string = Coercion::new_exact(TypeSignatureClass::Native(logical_string()));
    let int64 = Coercion::new_implicit(
        TypeSignatureClass::Native(logical_int64()),
        vec![TypeSignatureClass::Integer],
        NativeType::Int64,
    );
    let mut variants = Vec::with_capacity(2);
    if int == IntArg::Optional {
        variants.push(TypeSignature::Coercible(vec![
            string.clone(),
            string.clone(),
        ]));
    }
    variants.push(TypeSignature::Coercible(vec![
        string.clone(),
        string,
        int64,
    ]));
    Signature::one_of(variants, Volatility::Immutable)
}

/// Checks `arg_types` against [`strings_and_int_signature`] and returns `output`; the error
/// names the function, and `int_name` is what the integer means.
pub(crate) fn strings_and_int_return_type(
    name: &str,
    arg_types: &[DataType],
    int: IntArg,
    int_name: &str,
    output: DataType,
) -> Result<DataType> {
    let int_ok = match arg_types {
        [_, _] => int == IntArg::Optional,
        [_, _, n] => n.is_integer() || n == &DataType::Null,
        _ => false,
    };
    if !int_ok || arg_types.len() < 2 {
        let expected = match int {
            IntArg::Optional => format!("two strings and an optional integer {int_name}"),
            IntArg::Required => format!("two strings and an integer {int_name}"),
        };
        return plan_err!("{name} expects {expected}, got {arg_types:?}");
    }
    strings_return_type(name, &arg_types[..2], &[2], output)
}

/// The integer argument of a call.
enum IntColumn {
    Absent,
    Scalar(Option<i64>),
    Array(datafusion::arrow::array::Int64Array),
}

impl IntColumn {
    fn try_new(arg: Option<&ColumnarValue>) -> Result<Self> {
        Ok(match arg {
            None => Self::Absent,
            Some(ColumnarValue::Scalar(scalar)) => match scalar.cast_to(&DataType::Int64)? {
                ScalarValue::Int64(v) => Self::Scalar(v),
                other => return plan_err!("expected an integer, got {}", other.data_type()),
            },
            Some(ColumnarValue::Array(array)) => Self::Array(
                cast(array, &DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .clone(),
            ),
        })
    }

    /// `Ok(None)` when absent, `Err(())` when null.
    #[inline]
    fn get(&self, row: usize) -> std::result::Result<Option<i64>, ()> {
        match self {
            Self::Absent => Ok(None),
            Self::Scalar(v) => v.map(Some).ok_or(()),
            Self::Array(a) => a.is_valid(row).then(|| Some(a.value(row))).ok_or(()),
        }
    }
}

/// Applies `f(a, b, n)` to each row of `(string, string [, integer])` arguments, scalar or
/// array, giving a primitive array of type `T`. `n` is `None` when the call has two
/// arguments; a null in any argument gives null without calling `f`.
pub(crate) fn map_strings_and_int<T, F>(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    mut f: F,
) -> Result<ColumnarValue>
where
    T: ArrowPrimitiveType,
    F: FnMut(&str, &str, Option<i64>) -> Option<T::Native>,
{
    let (mut strings, int) = match args {
        [a, b] => ([a.clone(), b.clone()], IntColumn::try_new(None)?),
        [a, b, n] => ([a.clone(), b.clone()], IntColumn::try_new(Some(n))?),
        _ => return plan_err!("{name} expects 2 or 3 arguments, got {}", args.len()),
    };
    // Two scalar strings with an array of integers: the result has one row per integer.
    if matches!(int, IntColumn::Array(_))
        && strings
            .iter()
            .all(|s| matches!(s, ColumnarValue::Scalar(_)))
    {
        strings[0] = ColumnarValue::Array(strings[0].to_array(rows)?);
    }
    let strings = StringArgs::try_new(name, &strings, rows)?;
    let mut builder = PrimitiveBuilder::<T>::with_capacity(strings.rows());
    for row in 0..strings.rows() {
        let value = match (strings.get(0, row), strings.get(1, row), int.get(row)) {
            (Some(a), Some(b), Ok(n)) => f(a, b, n),
            _ => None,
        };
        builder.append_option(value);
    }
    strings.finish(Arc::new(builder.finish()))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray};
    use datafusion::arrow::datatypes::Int64Type;

    use super::*;

    fn sum_lengths(args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
        map_strings_and_int::<Int64Type, _>("f", args, rows, |a, b, n| {
            Some((a.len() + b.len()) as i64 + n.unwrap_or(100))
        })
    }

    #[test]
    fn optional_integer_scalar_or_array() -> Result<()> {
        let s = |v: &str| ColumnarValue::Scalar(ScalarValue::Utf8(Some(v.into())));
        let strings: ArrayRef = Arc::new(StringArray::from(vec![Some("ab"), None, Some("")]));
        let out = sum_lengths(&[ColumnarValue::Array(strings.clone()), s("x")], 3)?;
        let expected: ArrayRef = Arc::new(Int64Array::from(vec![Some(103), None, Some(101)]));
        assert_eq!(&out.into_array(3)?, &expected);
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), Some(2), None]));
        let out = sum_lengths(&[s("a"), s("b"), ColumnarValue::Array(ints)], 3)?;
        let expected: ArrayRef = Arc::new(Int64Array::from(vec![Some(3), Some(4), None]));
        assert_eq!(&out.into_array(3)?, &expected);
        let out = sum_lengths(
            &[
                s("a"),
                s("b"),
                ColumnarValue::Scalar(ScalarValue::Int64(None)),
            ],
            1,
        )?;
        assert!(matches!(
            out,
            ColumnarValue::Scalar(ScalarValue::Int64(None))
        ));
        Ok(())
    }

    #[test]
    fn planning_errors_name_the_function() {
        let err = strings_and_int_return_type(
            "lev",
            &[DataType::Utf8, DataType::Utf8],
            IntArg::Required,
            "max_d",
            DataType::Int32,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("lev expects two strings and an integer max_d"),
            "{err}"
        );
        let ok = strings_and_int_return_type(
            "lev",
            &[DataType::Utf8View, DataType::LargeUtf8, DataType::Int64],
            IntArg::Optional,
            "n",
            DataType::Float64,
        );
        assert_eq!(ok.ok(), Some(DataType::Float64));
        assert!(
            strings_and_int_return_type(
                "lev",
                &[DataType::Utf8, DataType::Int64, DataType::Int64],
                IntArg::Optional,
                "n",
                DataType::Float64,
            )
            .is_err()
        );
    }
}
