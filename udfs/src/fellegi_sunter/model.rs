//! The trained model as an Arrow struct, the value `fs_train` returns and the scoring
//! functions read, so a model can be stored in a table and scores recomputed from it.
//!
//! ```text
//! struct<lambda: double, iterations: bigint, converged: boolean, log_likelihood: double,
//!        candidate_pairs: bigint, random_pairs: bigint, u_from_random_pairs: boolean,
//!        levels: list<struct<field: bigint, level: varchar, m: double, u: double,
//!                            weight: double>>>
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Float64Builder, Int64Array, Int64Builder,
    ListArray, StringBuilder, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};

use super::em::TrainedModel;

/// Fields of one level's entry in `levels`.
pub fn level_fields() -> Fields {
    Fields::from(vec![
        Field::new("field", DataType::Int64, false),
        Field::new("level", DataType::Utf8, false),
        Field::new("m", DataType::Float64, false),
        Field::new("u", DataType::Float64, false),
        Field::new("weight", DataType::Float64, false),
    ])
}

fn levels_field() -> Field {
    Field::new(
        "levels",
        DataType::List(Arc::new(Field::new_list_field(
            DataType::Struct(level_fields()),
            true,
        ))),
        false,
    )
}

/// Fields of the model struct.
pub fn model_fields() -> Fields {
    Fields::from(vec![
        Field::new("lambda", DataType::Float64, false),
        Field::new("iterations", DataType::Int64, false),
        Field::new("converged", DataType::Boolean, false),
        Field::new("log_likelihood", DataType::Float64, false),
        Field::new("candidate_pairs", DataType::Int64, false),
        Field::new("random_pairs", DataType::Int64, false),
        Field::new("u_from_random_pairs", DataType::Boolean, false),
        levels_field(),
    ])
}

/// The type `fs_train` returns.
pub fn model_type() -> DataType {
    DataType::Struct(model_fields())
}

/// `model` as a one-row struct scalar of [`model_type`].
pub fn model_to_scalar(model: &TrainedModel) -> Result<ScalarValue> {
    let n = model.levels.len();
    let mut field = Int64Builder::with_capacity(n);
    let mut level = StringBuilder::with_capacity(n, n * 8);
    let mut m = Float64Builder::with_capacity(n);
    let mut u = Float64Builder::with_capacity(n);
    let mut weight = Float64Builder::with_capacity(n);
    for p in &model.levels {
        field.append_value(p.field as i64);
        level.append_value(&p.level);
        m.append_value(p.m);
        u.append_value(p.u);
        weight.append_value(p.weight());
    }
    let entries = StructArray::try_new(
        level_fields(),
        vec![
            Arc::new(field.finish()),
            Arc::new(level.finish()),
            Arc::new(m.finish()),
            Arc::new(u.finish()),
            Arc::new(weight.finish()),
        ],
        None,
    )?;
    let levels = ListArray::try_new(
        Arc::new(Field::new_list_field(
            DataType::Struct(level_fields()),
            true,
        )),
        OffsetBuffer::from_lengths([n]),
        Arc::new(entries),
        None,
    )?;
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(vec![model.lambda])),
        Arc::new(Int64Array::from(vec![model.iterations as i64])),
        Arc::new(BooleanArray::from(vec![model.converged])),
        Arc::new(Float64Array::from(vec![model.log_likelihood])),
        Arc::new(Int64Array::from(vec![saturating_i64(
            model.candidate_pairs,
        )])),
        Arc::new(Int64Array::from(vec![saturating_i64(model.random_pairs)])),
        Arc::new(BooleanArray::from(vec![model.u_from_random_pairs])),
        Arc::new(levels),
    ];
    Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
        model_fields(),
        columns,
        None,
    )?)))
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// What scoring needs of a model: λ and each (field, level)'s m and u.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoringModel {
    pub lambda: f64,
    /// (1-based field, level) → (m, u).
    pub levels: HashMap<(usize, String), (f64, f64)>,
}

impl ScoringModel {
    /// `log2(λ / (1 - λ))`: the prior odds a match weight starts from.
    pub fn prior_weight(&self) -> f64 {
        (self.lambda / (1.0 - self.lambda)).log2()
    }

    /// Reads row `row` of a model struct array (a `fs_train` result, or any struct with a
    /// `lambda` and a `levels` list of `{field, level, m, u}`); `None` when the row is null.
    pub fn read(name: &str, models: &StructArray, row: usize) -> Result<Option<Self>> {
        if models.is_null(row) {
            return Ok(None);
        }
        let column = |field: &str| {
            models.column_by_name(field).map(Arc::clone).ok_or_else(|| {
                datafusion::error::DataFusionError::Execution(format!(
                    "{name}: the model has no field '{field}' (pass the struct fs_train returns)"
                ))
            })
        };
        let lambda_column = column("lambda")?;
        let Some(lambdas) = lambda_column.as_primitive_opt::<Float64Type>() else {
            return exec_err!("{name}: the model's lambda must be a double");
        };
        if lambdas.is_null(row) {
            return Ok(None);
        }
        let lambda = lambdas.value(row);
        if !(lambda > 0.0 && lambda < 1.0) {
            return exec_err!("{name}: the model's lambda must be between 0 and 1, got {lambda}");
        }
        let levels_column = column("levels")?;
        let Some(lists) = levels_column.as_list_opt::<i32>() else {
            return exec_err!("{name}: the model's levels must be a list of structs");
        };
        let entries = lists.value(row);
        let Some(entries) = entries.as_struct_opt() else {
            return exec_err!("{name}: the model's levels must be a list of structs");
        };
        let entry_column = |field: &str| {
            entries
                .column_by_name(field)
                .map(Arc::clone)
                .ok_or_else(|| {
                    datafusion::error::DataFusionError::Execution(format!(
                        "{name}: the model's levels have no field '{field}'"
                    ))
                })
        };
        let (fields, names, ms, us) = (
            entry_column("field")?,
            entry_column("level")?,
            entry_column("m")?,
            entry_column("u")?,
        );
        let (Some(fields), Some(names), Some(ms), Some(us)) = (
            fields.as_primitive_opt::<Int64Type>(),
            names.as_string_opt::<i32>(),
            ms.as_primitive_opt::<Float64Type>(),
            us.as_primitive_opt::<Float64Type>(),
        ) else {
            return exec_err!(
                "{name}: the model's levels must be {{field: bigint, level: varchar, m: double, \
                 u: double}}"
            );
        };
        let mut levels = HashMap::with_capacity(entries.len());
        for i in 0..entries.len() {
            if fields.is_null(i) || names.is_null(i) || ms.is_null(i) || us.is_null(i) {
                continue;
            }
            let field = usize::try_from(fields.value(i)).unwrap_or(0);
            levels.insert(
                (field, names.value(i).to_owned()),
                (ms.value(i), us.value(i)),
            );
        }
        Ok(Some(Self { lambda, levels }))
    }

    /// The weight of one field of a pair: `log2(m / u)`, or `log2(m / tf)` when a term
    /// frequency is given (an exact agreement on a value that `tf` of the records share).
    pub fn field_weight(
        &self,
        name: &str,
        field: usize,
        level: &str,
        term_frequency: Option<f64>,
    ) -> Result<f64> {
        let Some(&(m, u)) = self.levels.get(&(field, level.to_owned())) else {
            return exec_err!("{name}: level '{level}' of field {field} is not in the model");
        };
        let u = match term_frequency {
            Some(tf) if tf > 0.0 && tf <= 1.0 => tf,
            Some(tf) => {
                return exec_err!(
                    "{name}: the term frequency of field {field} must be in (0, 1], got {tf}"
                );
            }
            None => u,
        };
        Ok(level_weight(m, u))
    }
}

/// `log2(m / u)`, with m and u floored as in training so that a level never seen in one class
/// gives a large finite weight rather than an infinite one.
pub fn level_weight(m: f64, u: f64) -> f64 {
    (m.max(1e-12) / u.max(1e-12)).log2()
}

/// The match probability of a match weight: `2^w / (1 + 2^w)`.
pub fn probability_of_weight(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fellegi_sunter::em::LevelParameters;

    fn model() -> TrainedModel {
        TrainedModel {
            lambda: 0.2,
            iterations: 7,
            converged: true,
            log_likelihood: -12.5,
            candidate_pairs: 100,
            random_pairs: 50,
            u_from_random_pairs: true,
            levels: vec![
                LevelParameters {
                    field: 1,
                    level: "exact".into(),
                    m: 0.8,
                    u: 0.1,
                },
                LevelParameters {
                    field: 1,
                    level: "different".into(),
                    m: 0.2,
                    u: 0.9,
                },
            ],
        }
    }

    #[test]
    fn a_model_reads_back_as_it_was_written() -> Result<()> {
        let ScalarValue::Struct(array) = model_to_scalar(&model())? else {
            panic!("not a struct");
        };
        assert_eq!(array.data_type(), &model_type());
        let read = ScoringModel::read("f", &array, 0)?;
        let Some(read) = read else {
            panic!("null model")
        };
        assert_eq!(read.lambda, 0.2);
        assert_eq!(read.levels.get(&(1, "exact".to_owned())), Some(&(0.8, 0.1)));
        assert_eq!(read.prior_weight(), -2.0);
        assert!((read.field_weight("f", 1, "exact", None)? - 3.0).abs() < 1e-12);
        // A common value agreeing is worth less than u says.
        assert!((read.field_weight("f", 1, "exact", Some(0.4))? - 1.0).abs() < 1e-12);
        let err = read.field_weight("f", 2, "exact", None).unwrap_err();
        assert!(
            err.to_string().contains("level 'exact' of field 2"),
            "{err}"
        );
        let err = read.field_weight("f", 1, "exact", Some(0.0)).unwrap_err();
        assert!(err.to_string().contains("term frequency"), "{err}");
        Ok(())
    }

    #[test]
    fn probability_of_weight_is_the_logistic_in_base_2() {
        assert_eq!(probability_of_weight(0.0), 0.5);
        assert!((probability_of_weight(3.0) - 8.0 / 9.0).abs() < 1e-12);
        assert!(probability_of_weight(-2000.0) >= 0.0);
        assert_eq!(probability_of_weight(2000.0), 1.0);
    }
}
