//! Shared plumbing for functions over one string argument.
//!
//! A function supplies only its per-value logic (`&str -> Option<...>`); this module applies it
//! to a [`ColumnarValue`] of any string type (`Utf8`, `LargeUtf8`, `Utf8View`, or a dictionary
//! of those), scalar or array. A null input gives a null output, and the output is built with an
//! Arrow builder, never row by row through `ScalarValue`.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanBuilder, StringBuilder};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::types::logical_string;
use datafusion::common::utils::take_function_args;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    Coercion, ColumnarValue, DocSection, Signature, TypeSignatureClass, Volatility,
};

/// Documentation section of the email functions.
pub const DOC_SECTION_EMAIL: DocSection = DocSection {
    include: true,
    label: "Email Functions",
    description: Some("Normalize, split and validate email addresses."),
};

/// The signature of a function of one string argument: any string type is accepted as is
/// (dictionaries included), anything else is a plan error naming the function.
pub fn one_string_signature() -> Signature {
    Signature::coercible(
        vec![Coercion::new_exact(TypeSignatureClass::Native(
            logical_string(),
        ))],
        Volatility::Immutable,
    )
}

/// Checks at planning time that `arg_types` is one string argument and returns `output`.
pub fn one_string_return_type(
    name: &str,
    arg_types: &[DataType],
    output: DataType,
) -> Result<DataType> {
    match arg_types {
        [t] if is_string_type(t) => Ok(output),
        _ => plan_err!(
            "{name} expects one string argument (Utf8, LargeUtf8, Utf8View or a dictionary of \
             those), got {arg_types:?}"
        ),
    }
}

fn is_string_type(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Null => true,
        DataType::Dictionary(_, values) => is_string_type(values),
        _ => false,
    }
}

/// Applies `f` to every non-null string of `args[0]`, giving a `Utf8` result; `None` from `f`
/// gives null.
pub fn map_to_utf8<F>(name: &str, args: &[ColumnarValue], f: F) -> Result<ColumnarValue>
where
    F: Fn(&str) -> Option<Cow<'_, str>>,
{
    map_columnar(name, args, &|array: &ArrayRef| {
        // Outputs are usually about as long as inputs: reserve that much once.
        let mut builder = StringBuilder::with_capacity(array.len(), string_bytes(array));
        for_each_str(name, array, |value| match value.and_then(&f) {
            Some(out) => builder.append_value(out),
            None => builder.append_null(),
        })?;
        Ok(Arc::new(builder.finish()) as ArrayRef)
    })
}

/// Applies `f` to every non-null string of `args[0]`, giving a `Boolean` result; `None` from `f`
/// gives null.
pub fn map_to_boolean<F>(name: &str, args: &[ColumnarValue], f: F) -> Result<ColumnarValue>
where
    F: Fn(&str) -> Option<bool>,
{
    map_columnar(name, args, &|array: &ArrayRef| {
        let mut builder = BooleanBuilder::with_capacity(array.len());
        for_each_str(name, array, |value| {
            builder.append_option(value.and_then(&f))
        })?;
        Ok(Arc::new(builder.finish()) as ArrayRef)
    })
}

/// Runs an array kernel over a scalar or an array argument. Dictionaries are handled once here:
/// the kernel runs over the distinct values only, then the keys pick the results.
fn map_columnar(
    name: &str,
    args: &[ColumnarValue],
    kernel: &dyn Fn(&ArrayRef) -> Result<ArrayRef>,
) -> Result<ColumnarValue> {
    let [arg] = take_function_args(name, args)?;
    let apply = |array: &ArrayRef| -> Result<ArrayRef> {
        match array.as_any_dictionary_opt() {
            Some(dict) => {
                let values = kernel(dict.values())?;
                Ok(take(values.as_ref(), dict.keys(), None)?)
            }
            None => kernel(array),
        }
    };
    match arg {
        ColumnarValue::Array(array) => Ok(ColumnarValue::Array(apply(array)?)),
        ColumnarValue::Scalar(scalar) => {
            let out = apply(&scalar.to_array_of_size(1)?)?;
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        }
    }
}

/// Calls `f` with each value of a string array, `None` for nulls.
fn for_each_str(name: &str, array: &ArrayRef, mut f: impl FnMut(Option<&str>)) -> Result<()> {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().for_each(&mut f),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(&mut f),
        DataType::Utf8View => array.as_string_view().iter().for_each(&mut f),
        DataType::Null => (0..array.len()).for_each(|_| f(None)),
        other => {
            return plan_err!(
                "{name} expects a string argument (Utf8, LargeUtf8, Utf8View or a dictionary \
                 of those), got {other}"
            );
        }
    }
    Ok(())
}

/// Bytes of string data in `array`, to size the output buffer.
fn string_bytes(array: &ArrayRef) -> usize {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().values().len(),
        DataType::LargeUtf8 => array.as_string::<i64>().values().len(),
        _ => array.len() * 16,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{
        BooleanArray, DictionaryArray, LargeStringArray, StringArray, StringViewArray,
    };
    use datafusion::arrow::datatypes::Int32Type;

    fn upper(s: &str) -> Option<Cow<'_, str>> {
        (!s.is_empty()).then(|| Cow::Owned(s.to_uppercase()))
    }

    fn expected() -> ArrayRef {
        Arc::new(StringArray::from(vec![Some("A"), None, None]))
    }

    fn run(input: ArrayRef) -> ArrayRef {
        match map_to_utf8("upper", &[ColumnarValue::Array(input)], upper) {
            Ok(ColumnarValue::Array(a)) => a,
            other => panic!("unexpected result {other:?}"),
        }
    }

    #[test]
    fn every_string_type_gives_utf8_and_keeps_nulls() {
        let values = vec![Some("a"), None, Some("")];
        assert_eq!(
            &run(Arc::new(StringArray::from(values.clone()))),
            &expected()
        );
        assert_eq!(
            &run(Arc::new(LargeStringArray::from(values.clone()))),
            &expected()
        );
        assert_eq!(
            &run(Arc::new(StringViewArray::from(values.clone()))),
            &expected()
        );
        let dict: DictionaryArray<Int32Type> = values.into_iter().collect();
        assert_eq!(&run(Arc::new(dict)), &expected());
    }

    #[test]
    fn scalars_stay_scalars() -> Result<()> {
        for input in [
            ScalarValue::Utf8(Some("a".into())),
            ScalarValue::LargeUtf8(Some("a".into())),
            ScalarValue::Utf8View(Some("a".into())),
        ] {
            let out = map_to_utf8("upper", &[ColumnarValue::Scalar(input)], upper)?;
            assert!(matches!(out, ColumnarValue::Scalar(ScalarValue::Utf8(Some(s))) if s == "A"));
        }
        let out = map_to_utf8(
            "upper",
            &[ColumnarValue::Scalar(ScalarValue::Utf8(None))],
            upper,
        )?;
        assert!(matches!(
            out,
            ColumnarValue::Scalar(ScalarValue::Utf8(None))
        ));
        Ok(())
    }

    #[test]
    fn boolean_output() -> Result<()> {
        let input: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("")]));
        let out = map_to_boolean("nonempty", &[ColumnarValue::Array(input)], |s| {
            Some(!s.is_empty())
        })?
        .into_array(3)?;
        let expected: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)]));
        assert_eq!(&out, &expected);
        Ok(())
    }

    #[test]
    fn wrong_type_names_the_function() {
        let input = ColumnarValue::Scalar(ScalarValue::Int64(Some(1)));
        let err = map_to_utf8("upper", &[input], upper)
            .unwrap_err()
            .to_string();
        assert!(err.contains("upper expects a string argument"), "{err}");
        let err = one_string_return_type("upper", &[DataType::Int64], DataType::Utf8)
            .unwrap_err()
            .to_string();
        assert!(err.contains("upper expects one string argument"), "{err}");
    }
}
