//! Shared plumbing for functions over string arguments.
//!
//! A function supplies only its per-value logic (`&str -> Option<...>`, or `&[&str] -> ...` for
//! several arguments); this module applies it to [`ColumnarValue`]s of any string type (`Utf8`,
//! `LargeUtf8`, `Utf8View`, or a dictionary of those), scalar or array in any position. A null
//! input gives a null output, and the output is built with an Arrow builder, never row by row
//! through `ScalarValue`.

use std::borrow::Cow;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, LargeStringArray, PrimitiveBuilder, StringArray,
    StringBuilder, StringViewArray,
};
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::{ArrowPrimitiveType, Float64Type, Int64Type};
use datafusion::common::types::logical_string;
use datafusion::common::utils::take_function_args;
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::{
    Coercion, ColumnarValue, DocSection, Signature, TypeSignature, TypeSignatureClass, Volatility,
};

/// Documentation section of the email functions.
pub const DOC_SECTION_EMAIL: DocSection = DocSection {
    include: true,
    label: "Email Functions",
    description: Some("Normalize, split and validate email addresses."),
};

/// Documentation section of the phone functions.
pub const DOC_SECTION_PHONE: DocSection = DocSection {
    include: true,
    label: "Phone Functions",
    description: Some("Parse phone numbers to E.164 and classify them (libphonenumber metadata)."),
};

/// Documentation section of the person-name functions.
pub const DOC_SECTION_NAME: DocSection = DocSection {
    include: true,
    label: "Name Functions",
    description: Some("Normalize, tokenize and compare person names."),
};

/// Documentation section of the postal address functions.
pub const DOC_SECTION_ADDRESS: DocSection = DocSection {
    include: true,
    label: "Address Functions",
    description: Some("Normalize street addresses, postcodes and countries."),
};

/// Documentation section of the date and time functions.
pub const DOC_SECTION_DATETIME: DocSection = DocSection {
    include: true,
    label: "Date and Time Functions",
    description: Some("Parse the date and time formats that source systems export."),
};

/// Documentation section of the string similarity functions.
pub const DOC_SECTION_SIMILARITY: DocSection = DocSection {
    include: true,
    label: "Similarity Functions",
    description: Some("Edit distances and similarity scores between two strings."),
};

/// Documentation section of the phonetic functions.
pub const DOC_SECTION_PHONETIC: DocSection = DocSection {
    include: true,
    label: "Phonetic Functions",
    description: Some("Phonetic codes that match names which sound alike."),
};

/// Documentation section of the Fellegi-Sunter functions.
pub const DOC_SECTION_MATCHING: DocSection = DocSection {
    include: true,
    label: "Probabilistic Matching Functions",
    description: Some(
        "Train a Fellegi-Sunter model by EM and score pairs with it: match weights and \
         probabilities, with term-frequency adjustment.",
    ),
};

/// Documentation section of the survivorship aggregates.
pub const DOC_SECTION_SURVIVORSHIP: DocSection = DocSection {
    include: true,
    label: "Survivorship Functions",
    description: Some(
        "Aggregates that pick a golden record's value among merged records and return it with \
         its provenance: `{value, source, record_id, rule, ts}`.",
    ),
};

/// Documentation section of the consent aggregates.
pub const DOC_SECTION_CONSENT: DocSection = DocSection {
    include: true,
    label: "Consent Functions",
    description: Some("Merge consent events of merged records into one consent state."),
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

/// The signature of a function whose arguments are all strings, with one of `arities` argument
/// counts (for example `&[1, 2]` for an optional second argument).
pub fn strings_signature(arities: &[usize]) -> Signature {
    let string = || Coercion::new_exact(TypeSignatureClass::Native(logical_string()));
    Signature::one_of(
        arities
            .iter()
            .map(|&n| TypeSignature::Coercible(vec![string(); n]))
            .collect(),
        Volatility::Immutable,
    )
}

/// Checks at planning time that `arg_types` are strings, as many as one of `arities`, and
/// returns `output`. The error names the function and the expected arguments.
pub fn strings_return_type(
    name: &str,
    arg_types: &[DataType],
    arities: &[usize],
    output: DataType,
) -> Result<DataType> {
    if arities.contains(&arg_types.len()) && arg_types.iter().all(is_string_type) {
        return Ok(output);
    }
    let counts = arities
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(" or ");
    plan_err!(
        "{name} expects {counts} string argument(s) (Utf8, LargeUtf8, Utf8View or a dictionary \
         of those), got {arg_types:?}"
    )
}

/// String arguments of any type, scalar or array, read row by row.
///
/// Dictionaries are unpacked once to plain strings; a scalar is read at every row without being
/// expanded to an array.
pub struct StringArgs {
    columns: Vec<StringColumn>,
    rows: usize,
    all_scalars: bool,
}

/// The typed array is kept, not an `ArrayRef`: downcasting at every row would cost a virtual
/// call per argument and row.
enum StringColumn {
    Utf8(StringArray),
    LargeUtf8(LargeStringArray),
    Utf8View(StringViewArray),
    Scalar(Option<String>),
}

impl StringArgs {
    /// Reads `args` of a call over `rows` rows; an argument that is not a string is an error
    /// naming `name`.
    pub fn try_new(name: &str, args: &[ColumnarValue], rows: usize) -> Result<Self> {
        let columns = args
            .iter()
            .map(|arg| StringColumn::try_new(name, arg))
            .collect::<Result<Vec<_>>>()?;
        let all_scalars = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        Ok(Self {
            columns,
            rows: if all_scalars { 1 } else { rows },
            all_scalars,
        })
    }

    /// Rows to produce: 1 when every argument is a scalar.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of arguments.
    pub fn arity(&self) -> usize {
        self.columns.len()
    }

    /// Argument `arg` at row `row`, `None` for null.
    #[inline]
    pub fn get(&self, arg: usize, row: usize) -> Option<&str> {
        match &self.columns[arg] {
            StringColumn::Utf8(a) => value_at(a, row),
            StringColumn::LargeUtf8(a) => value_at(a, row),
            StringColumn::Utf8View(a) => a.is_valid(row).then(|| a.value(row)),
            StringColumn::Scalar(s) => s.as_deref(),
        }
    }

    /// Argument `arg` when it is the same for every row (a scalar), to precompute what depends
    /// on it once: `Some(None)` is a null scalar, `None` means it varies by row.
    pub fn constant(&self, arg: usize) -> Option<Option<&str>> {
        match &self.columns[arg] {
            StringColumn::Scalar(s) => Some(s.as_deref()),
            _ => None,
        }
    }

    /// Wraps `array` (of [`Self::rows`] rows) as the call's result: a scalar when every
    /// argument was a scalar.
    pub fn finish(&self, array: ArrayRef) -> Result<ColumnarValue> {
        if self.all_scalars {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &array, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(array))
        }
    }
}

#[inline]
fn value_at<O: datafusion::arrow::array::OffsetSizeTrait>(
    array: &datafusion::arrow::array::GenericStringArray<O>,
    row: usize,
) -> Option<&str> {
    array.is_valid(row).then(|| array.value(row))
}

impl StringColumn {
    fn try_new(name: &str, arg: &ColumnarValue) -> Result<Self> {
        let not_string = |t: &DataType| {
            plan_err!(
                "{name} expects string arguments (Utf8, LargeUtf8, Utf8View or a dictionary of \
                 those), got {t}"
            )
        };
        match arg {
            ColumnarValue::Scalar(scalar) => match scalar {
                ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => {
                    Ok(Self::Scalar(s.clone()))
                }
                ScalarValue::Null => Ok(Self::Scalar(None)),
                ScalarValue::Dictionary(_, inner) => {
                    Self::try_new(name, &ColumnarValue::Scalar(inner.as_ref().clone()))
                }
                other => not_string(&other.data_type()),
            },
            ColumnarValue::Array(array) => {
                let array = match array.data_type() {
                    DataType::Dictionary(_, values) if is_string_type(values) => {
                        cast(array, &DataType::Utf8View)?
                    }
                    DataType::Null => cast(array, &DataType::Utf8)?,
                    _ => Arc::clone(array),
                };
                match array.data_type() {
                    DataType::Utf8 => Ok(Self::Utf8(array.as_string::<i32>().clone())),
                    DataType::LargeUtf8 => Ok(Self::LargeUtf8(array.as_string::<i64>().clone())),
                    DataType::Utf8View => Ok(Self::Utf8View(array.as_string_view().clone())),
                    other => not_string(other),
                }
            }
        }
    }
}

/// Applies `f` to each row of string arguments, giving a `Float64` result. A row with a null
/// argument gives null without calling `f`; `None` from `f` gives null too.
pub fn map_strings_to_f64<F>(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    f: F,
) -> Result<ColumnarValue>
where
    F: FnMut(&[&str]) -> Option<f64>,
{
    map_strings_to_primitive::<Float64Type, F>(name, args, rows, f)
}

/// Like [`map_strings_to_f64`], giving an `Int64` result.
pub fn map_strings_to_i64<F>(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    f: F,
) -> Result<ColumnarValue>
where
    F: FnMut(&[&str]) -> Option<i64>,
{
    map_strings_to_primitive::<Int64Type, F>(name, args, rows, f)
}

fn map_strings_to_primitive<T, F>(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    mut f: F,
) -> Result<ColumnarValue>
where
    T: ArrowPrimitiveType,
    F: FnMut(&[&str]) -> Option<T::Native>,
{
    let args = StringArgs::try_new(name, args, rows)?;
    let mut builder = PrimitiveBuilder::<T>::with_capacity(args.rows());
    for_each_row(&args, |row| builder.append_option(row.and_then(&mut f)));
    args.finish(Arc::new(builder.finish()))
}

/// Like [`map_strings_to_f64`], giving a `Boolean` result.
pub fn map_strings_to_boolean<F>(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    mut f: F,
) -> Result<ColumnarValue>
where
    F: FnMut(&[&str]) -> Option<bool>,
{
    let args = StringArgs::try_new(name, args, rows)?;
    let mut builder = BooleanBuilder::with_capacity(args.rows());
    for_each_row(&args, |row| builder.append_option(row.and_then(&mut f)));
    args.finish(Arc::new(builder.finish()))
}

/// Like [`map_strings_to_f64`], giving a `Utf8` result.
pub fn map_strings_to_utf8<F>(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    mut f: F,
) -> Result<ColumnarValue>
where
    F: for<'a> FnMut(&[&'a str]) -> Option<Cow<'a, str>>,
{
    let args = StringArgs::try_new(name, args, rows)?;
    let mut builder = StringBuilder::with_capacity(args.rows(), args.rows() * 16);
    for_each_row(&args, |row| match row.and_then(&mut f) {
        Some(s) => builder.append_value(s),
        None => builder.append_null(),
    });
    args.finish(Arc::new(builder.finish()))
}

/// Calls `f` once per row with the row's arguments, or `None` when one of them is null. The
/// argument buffer is allocated once for the whole batch.
fn for_each_row<'a>(args: &'a StringArgs, mut f: impl FnMut(Option<&[&'a str]>)) {
    let mut row_values: Vec<&'a str> = vec![""; args.arity()];
    for row in 0..args.rows() {
        let mut any_null = false;
        for (arg, slot) in row_values.iter_mut().enumerate() {
            match args.get(arg, row) {
                Some(v) => *slot = v,
                None => {
                    any_null = true;
                    break;
                }
            }
        }
        f((!any_null).then_some(row_values.as_slice()));
    }
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
        BooleanArray, DictionaryArray, Int64Array, LargeStringArray, StringArray, StringViewArray,
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

    fn concat_len(args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
        map_strings_to_i64("concat_len", args, rows, |v| {
            Some(v.iter().map(|s| s.len() as i64).sum())
        })
    }

    #[test]
    fn several_arguments_scalar_or_array_in_any_position() -> Result<()> {
        let array: ArrayRef = Arc::new(StringViewArray::from(vec![Some("ab"), None, Some("")]));
        let dict: DictionaryArray<Int32Type> =
            vec![Some("x"), Some("yy"), None].into_iter().collect();
        let scalar = ColumnarValue::Scalar(ScalarValue::LargeUtf8(Some("123".into())));
        let expected: ArrayRef = Arc::new(Int64Array::from(vec![Some(5), None, Some(3)]));
        let out = concat_len(&[ColumnarValue::Array(array.clone()), scalar.clone()], 3)?;
        assert_eq!(&out.into_array(3)?, &expected);
        let out = concat_len(&[scalar.clone(), ColumnarValue::Array(array)], 3)?;
        assert_eq!(&out.into_array(3)?, &expected);
        let out = concat_len(&[ColumnarValue::Array(Arc::new(dict)), scalar.clone()], 3)?;
        let expected: ArrayRef = Arc::new(Int64Array::from(vec![Some(4), Some(5), None]));
        assert_eq!(&out.into_array(3)?, &expected);
        // Only scalars: a scalar result.
        let out = concat_len(&[scalar.clone(), scalar], 3)?;
        assert!(matches!(
            out,
            ColumnarValue::Scalar(ScalarValue::Int64(Some(6)))
        ));
        Ok(())
    }

    #[test]
    fn several_arguments_wrong_type_or_count() {
        let bad = ColumnarValue::Scalar(ScalarValue::Int64(Some(1)));
        let err = concat_len(&[bad], 1).unwrap_err().to_string();
        assert!(err.contains("concat_len expects string arguments"), "{err}");
        let err = strings_return_type("f", &[DataType::Utf8], &[2, 3], DataType::Float64)
            .unwrap_err()
            .to_string();
        assert!(err.contains("f expects 2 or 3 string argument(s)"), "{err}");
        assert!(
            strings_return_type(
                "f",
                &[DataType::Utf8, DataType::Utf8View],
                &[2],
                DataType::Int64
            )
            .is_ok()
        );
    }
}
