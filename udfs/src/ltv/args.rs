//! Argument plumbing shared by the LTV scalar functions.
//!
//! A function's arguments are numbers (any integer, float or decimal type, coerced to
//! `Float64`) except its models: each model is either the struct a fit returns
//! (`bgnbd_fit(...)`, `gamma_gamma_fit(...)`), read by field name, or its parameters as separate
//! numbers. `bgnbd_p_alive(frequency, recency, T, model)` and
//! `bgnbd_p_alive(frequency, recency, T, r, alpha, a, b)` are the same call.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{ColumnarValue, Signature, Volatility};

/// The parameters of a model, as fields of its struct or as separate arguments.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    pub name: &'static str,
    pub fields: &'static [&'static str],
}

pub const BGNBD: Model = Model {
    name: "BG/NBD model",
    fields: &["r", "alpha", "a", "b"],
};

pub const GAMMA_GAMMA: Model = Model {
    name: "Gamma-Gamma model",
    fields: &["p", "q", "gamma"],
};

/// One argument position of a function.
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    Number(&'static str),
    Model(Model),
}

/// The arguments of a function, in order.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    pub function: &'static str,
    pub args: &'static [Arg],
}

pub fn signature() -> Signature {
    Signature::user_defined(Volatility::Immutable)
}

fn is_number(t: &DataType) -> bool {
    t.is_numeric() || matches!(t, DataType::Null)
}

impl Layout {
    /// The types the arguments are cast to: numbers to `Float64`, model structs unchanged. A
    /// wrong count or type is a plan error naming the function and the argument.
    pub fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let mut out = Vec::with_capacity(arg_types.len());
        let mut position = 0;
        for arg in self.args {
            match arg {
                Arg::Number(name) => {
                    let Some(t) = arg_types.get(position) else {
                        return self.arity_error(arg_types.len());
                    };
                    if !is_number(t) {
                        return plan_err!(
                            "{}: argument {name} must be a number, got {t}",
                            self.function
                        );
                    }
                    out.push(DataType::Float64);
                    position += 1;
                }
                Arg::Model(model) => match arg_types.get(position) {
                    Some(DataType::Struct(fields)) => {
                        for field in model.fields {
                            let Some((_, f)) = fields.find(field) else {
                                return plan_err!(
                                    "{}: the {} struct has no field {field}",
                                    self.function,
                                    model.name
                                );
                            };
                            if !is_number(f.data_type()) {
                                return plan_err!(
                                    "{}: field {field} of the {} must be a number",
                                    self.function,
                                    model.name
                                );
                            }
                        }
                        out.push(arg_types[position].clone());
                        position += 1;
                    }
                    _ => {
                        for field in model.fields {
                            match arg_types.get(position) {
                                Some(t) if is_number(t) => out.push(DataType::Float64),
                                Some(t) => {
                                    return plan_err!(
                                        "{}: argument {field} must be a number (or pass the {} \
                                         struct), got {t}",
                                        self.function,
                                        model.name
                                    );
                                }
                                None => return self.arity_error(arg_types.len()),
                            }
                            position += 1;
                        }
                    }
                },
            }
        }
        if position != arg_types.len() {
            return self.arity_error(arg_types.len());
        }
        Ok(out)
    }

    fn arity_error<T>(&self, given: usize) -> Result<T> {
        let expanded: Vec<String> = self
            .args
            .iter()
            .map(|arg| match arg {
                Arg::Number(name) => (*name).to_owned(),
                Arg::Model(m) => format!("{{model | {}}}", m.fields.join(", ")),
            })
            .collect();
        plan_err!(
            "{} takes ({}); got {given} arguments",
            self.function,
            expanded.join(", ")
        )
    }

    /// Applies `f` to every row: it receives the numbers and model parameters flattened in
    /// order. A NULL anywhere, or `None` / a non-finite result from `f`, gives NULL.
    pub fn map_rows(
        &self,
        args: &[ColumnarValue],
        rows: usize,
        f: impl Fn(&[f64]) -> Option<f64>,
    ) -> Result<ColumnarValue> {
        let all_scalar = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let rows = if all_scalar { 1 } else { rows };
        let mut columns: Vec<Float64Array> = Vec::new();
        let mut position = 0;
        for arg in self.args {
            let Some(value) = args.get(position) else {
                return exec_err!("{}: missing argument", self.function);
            };
            let array = value.to_array(rows)?;
            match (arg, array.data_type()) {
                (Arg::Model(model), DataType::Struct(_)) => {
                    let structs = array.as_struct();
                    for field in model.fields {
                        let Some(child) = structs.column_by_name(field) else {
                            return exec_err!("{}: no field {field}", self.function);
                        };
                        let child = with_parent_nulls(floats(child)?, structs.nulls());
                        columns.push(child);
                    }
                    position += 1;
                }
                (Arg::Model(model), _) => {
                    for _ in model.fields.iter() {
                        let Some(value) = args.get(position) else {
                            return exec_err!("{}: missing argument", self.function);
                        };
                        columns.push(floats(&value.to_array(rows)?)?);
                        position += 1;
                    }
                }
                (Arg::Number(_), _) => {
                    columns.push(floats(&array)?);
                    position += 1;
                }
            }
        }
        let mut row = vec![0.0; columns.len()];
        let result: Float64Array = (0..rows)
            .map(|i| {
                for (slot, column) in row.iter_mut().zip(&columns) {
                    if column.is_null(i) {
                        return None;
                    }
                    *slot = column.value(i);
                }
                f(&row).filter(|v| v.is_finite())
            })
            .collect();
        let result: ArrayRef = Arc::new(result);
        if all_scalar {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?))
        } else {
            Ok(ColumnarValue::Array(result))
        }
    }
}

fn floats(array: &ArrayRef) -> Result<Float64Array> {
    Ok(cast(array, &DataType::Float64)?
        .as_primitive::<Float64Type>()
        .clone())
}

/// A struct field is NULL where its struct is.
fn with_parent_nulls(
    child: Float64Array,
    parent: Option<&datafusion::arrow::buffer::NullBuffer>,
) -> Float64Array {
    let nulls = datafusion::arrow::buffer::NullBuffer::union(child.nulls(), parent);
    Float64Array::new(child.values().clone(), nulls)
}
