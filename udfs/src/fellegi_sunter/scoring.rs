//! The kernel of `fs_match_weight`, `fs_match_probability` and `fs_field_weights`: a pair's levels weighed with a
//! stored model, optionally with term frequencies.
//!
//! The model usually reaches the function as a column (a one-row model table cross-joined
//! with the pairs), so every row carries a copy of the same struct. Reading it into a hash map
//! at every row would cost more than the scoring: the parsed model is kept and reused while
//! the rows' models compare equal to the row it was read from.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Builder, ListBuilder, make_comparator,
};
use datafusion::arrow::compute::SortOptions;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::ColumnarValue;

use super::model::ScoringModel;

pub fn levels_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

pub fn frequencies_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

fn is_list(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
    )
}

/// Coerces `(levels, model[, term_frequencies])`.
pub fn coerce_scoring_args(name: &str, arg_types: &[DataType]) -> Result<Vec<DataType>> {
    let usage = "(levels, model[, term_frequencies])";
    if !(2..=3).contains(&arg_types.len()) {
        return plan_err!(
            "{name} expects {usage}, got {} argument(s)",
            arg_types.len()
        );
    }
    let mut coerced = Vec::with_capacity(arg_types.len());
    for (i, t) in arg_types.iter().enumerate() {
        coerced.push(match (i, t) {
            (0, t) if is_list(t) || t == &DataType::Null => levels_type(),
            (1, DataType::Struct(_)) => t.clone(),
            (2, t) if is_list(t) || t == &DataType::Null => frequencies_type(),
            _ => {
                let expected = [
                    "an array of levels",
                    "a model struct (what fs_train returns)",
                    "an array of term frequencies",
                ][i];
                return plan_err!("{name}: argument {} must be {expected}, got {t}", i + 1);
            }
        });
    }
    Ok(coerced)
}

/// Match weight of each row: `log2(λ/(1-λ)) + Σ field weights`, passed through `finish`
/// (identity for the weight, the logistic for the probability).
pub fn score(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    finish: fn(f64) -> f64,
) -> Result<ColumnarValue> {
    let mut out = Float64Builder::with_capacity(rows);
    let all_scalars = for_each_pair(name, args, rows, |pair| {
        match pair {
            Some((model, weights)) => {
                let total = model.prior_weight() + weights.iter().flatten().sum::<f64>();
                out.append_value(finish(total));
            }
            None => out.append_null(),
        }
        Ok(())
    })?;
    wrap(Arc::new(out.finish()), all_scalars)
}

/// Each field's weight of each row, NULL for a field without a level (the explanation of a
/// match weight).
pub fn field_weights(name: &str, args: &[ColumnarValue], rows: usize) -> Result<ColumnarValue> {
    let mut out = ListBuilder::with_capacity(Float64Builder::new(), rows);
    let all_scalars = for_each_pair(name, args, rows, |pair| {
        match pair {
            Some((_, weights)) => {
                for w in weights {
                    out.values().append_option(*w);
                }
                out.append(true);
            }
            None => out.append(false),
        }
        Ok(())
    })?;
    wrap(Arc::new(out.finish()), all_scalars)
}

fn wrap(array: ArrayRef, all_scalars: bool) -> Result<ColumnarValue> {
    if all_scalars {
        Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
            &array, 0,
        )?))
    } else {
        Ok(ColumnarValue::Array(array))
    }
}

/// Calls `f` for each row with the model and the weight of each field (`None` where the field
/// has no level), or `None` when the levels or the model are NULL. Returns whether every
/// argument was a scalar (one row).
fn for_each_pair(
    name: &str,
    args: &[ColumnarValue],
    rows: usize,
    mut f: impl FnMut(Option<(&ScoringModel, &[Option<f64>])>) -> Result<()>,
) -> Result<bool> {
    let all_scalars = args.iter().all(|a| matches!(a, ColumnarValue::Scalar(_)));
    let rows = if all_scalars { 1 } else { rows };
    let arrays = args
        .iter()
        .map(|a| a.to_array(rows))
        .collect::<Result<Vec<ArrayRef>>>()?;
    let (Some(levels), Some(models)) = (arrays.first(), arrays.get(1)) else {
        return exec_err!("{name} expects (levels, model[, term_frequencies])");
    };
    let levels = cast(levels, &levels_type())?;
    let Some(levels) = levels.as_list_opt::<i32>() else {
        return exec_err!("{name}: levels must be an array");
    };
    let Some(model_structs) = models.as_struct_opt() else {
        return exec_err!("{name}: the model must be a struct (what fs_train returns)");
    };
    let frequencies = arrays
        .get(2)
        .map(|f| cast(f, &frequencies_type()))
        .transpose()?;
    let frequencies = frequencies.as_ref().and_then(|f| f.as_list_opt::<i32>());

    let same_model = make_comparator(models.as_ref(), models.as_ref(), SortOptions::default())?;
    let mut cached: Option<(usize, Option<ScoringModel>)> = None;
    let mut weights: Vec<Option<f64>> = Vec::new();
    for row in 0..rows {
        let reuse = cached
            .as_ref()
            .is_some_and(|(from, _)| same_model(*from, row).is_eq());
        if !reuse {
            cached = Some((row, ScoringModel::read(name, model_structs, row)?));
        }
        let Some((_, Some(model))) = &cached else {
            f(None)?;
            continue;
        };
        if levels.is_null(row) {
            f(None)?;
            continue;
        }
        let row_levels = levels.value(row);
        let row_levels = row_levels.as_string::<i32>();
        let row_frequencies = frequencies
            .filter(|f| f.is_valid(row))
            .map(|f| f.value(row));
        let row_frequencies = row_frequencies
            .as_ref()
            .map(|f| f.as_primitive::<Float64Type>());
        if let Some(f) = row_frequencies
            && f.len() != row_levels.len()
        {
            return exec_err!(
                "{name}: {} levels but {} term frequencies; give one per field (NULL where \
                 none applies)",
                row_levels.len(),
                f.len()
            );
        }
        weights.clear();
        for (i, level) in row_levels.iter().enumerate() {
            weights.push(match level {
                Some(level) => {
                    let tf = row_frequencies.and_then(|f| f.is_valid(i).then(|| f.value(i)));
                    Some(model.field_weight(name, i + 1, level, tf)?)
                }
                None => None,
            });
        }
        f(Some((model, &weights)))?;
    }
    Ok(all_scalars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fellegi_sunter::em::{LevelParameters, TrainedModel};
    use crate::fellegi_sunter::model::model_to_scalar;
    use datafusion::arrow::array::{Float64Array, StringBuilder};

    fn model(lambda: f64) -> Result<ScalarValue> {
        let level = |field, level: &str, m, u| LevelParameters {
            field,
            level: level.to_owned(),
            m,
            u,
        };
        model_to_scalar(&TrainedModel {
            lambda,
            iterations: 1,
            converged: true,
            log_likelihood: 0.0,
            candidate_pairs: 1,
            random_pairs: 1,
            u_from_random_pairs: true,
            levels: vec![
                level(1, "exact", 0.8, 0.1),
                level(1, "different", 0.2, 0.9),
                level(2, "exact", 0.9, 0.45),
            ],
        })
    }

    fn levels(rows: &[Option<&[Option<&str>]>]) -> ColumnarValue {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for row in rows {
            match row {
                Some(row) => {
                    for level in *row {
                        builder.values().append_option(*level);
                    }
                    builder.append(true);
                }
                None => builder.append(false),
            }
        }
        ColumnarValue::Array(Arc::new(builder.finish()))
    }

    fn weights(out: ColumnarValue) -> Result<Vec<Option<f64>>> {
        let array = out.into_array(1)?;
        Ok(array.as_primitive::<Float64Type>().iter().collect())
    }

    #[test]
    fn sums_field_weights_and_the_prior() -> Result<()> {
        // λ = 0.2: prior weight log2(0.25) = -2.
        let model = ColumnarValue::Scalar(model(0.2)?);
        let out = score(
            "w",
            &[
                levels(&[
                    Some(&[Some("exact"), Some("exact")]),
                    Some(&[Some("different"), None]),
                    None,
                ]),
                model,
            ],
            3,
            |w| w,
        )?;
        let got = weights(out)?;
        let expected = [-2.0 + 3.0 + 1.0, -2.0 + (0.2f64 / 0.9).log2()];
        assert!(
            (got[0].unwrap_or(f64::NAN) - expected[0]).abs() < 1e-12,
            "{got:?}"
        );
        assert!(
            (got[1].unwrap_or(f64::NAN) - expected[1]).abs() < 1e-12,
            "{got:?}"
        );
        assert_eq!(got[2], None);
        Ok(())
    }

    #[test]
    fn field_weights_explain_the_sum() -> Result<()> {
        let out = field_weights(
            "e",
            &[
                levels(&[Some(&[Some("exact"), None]), None]),
                ColumnarValue::Scalar(model(0.2)?),
            ],
            2,
        )?
        .into_array(2)?;
        let lists = out.as_list::<i32>();
        assert!(lists.is_null(1));
        let first = lists.value(0);
        let first: Vec<Option<f64>> = first.as_primitive::<Float64Type>().iter().collect();
        assert_eq!(first, vec![Some(3.0), None]);
        Ok(())
    }

    #[test]
    fn term_frequency_replaces_u() -> Result<()> {
        let mut tf = ListBuilder::new(datafusion::arrow::array::Float64Builder::new());
        tf.values().append_value(0.4);
        tf.values().append_null();
        tf.append(true);
        let out = score(
            "w",
            &[
                levels(&[Some(&[Some("exact"), Some("exact")])]),
                ColumnarValue::Scalar(model(0.2)?),
                ColumnarValue::Array(Arc::new(tf.finish())),
            ],
            1,
            |w| w,
        )?;
        // log2(0.8 / 0.4) = 1 instead of 3.
        let got = weights(out)?;
        assert!((got[0].unwrap_or(f64::NAN) - (-2.0 + 1.0 + 1.0)).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn a_model_column_that_changes_is_reread() -> Result<()> {
        let a = model(0.2)?.to_array()?;
        let b = model(0.5)?.to_array()?;
        let models = datafusion::arrow::compute::concat(&[a.as_ref(), b.as_ref(), a.as_ref()])?;
        let row: &[Option<&str>] = &[Some("exact")];
        let out = score(
            "w",
            &[
                levels(&[Some(row), Some(row), Some(row)]),
                ColumnarValue::Array(models),
            ],
            3,
            |w| w,
        )?;
        let got: Vec<f64> = weights(out)?.into_iter().flatten().collect();
        let expected = [1.0, 3.0, 1.0];
        assert_eq!(got.len(), 3);
        for (g, e) in got.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "{got:?}");
        }
        Ok(())
    }

    #[test]
    fn unknown_levels_and_bad_shapes_are_errors() -> Result<()> {
        let err = score(
            "fs_match_weight",
            &[
                levels(&[Some(&[Some("typo")])]),
                ColumnarValue::Scalar(model(0.2)?),
            ],
            1,
            |w| w,
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("fs_match_weight: level 'typo' of field 1 is not in the model"),
            "{err}"
        );
        let tf: ArrayRef = Arc::new(Float64Array::from(vec![0.5]));
        let err = coerce_scoring_args(
            "fs_match_weight",
            &[levels_type(), DataType::Utf8, tf.data_type().clone()],
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("argument 2 must be a model"),
            "{err}"
        );
        Ok(())
    }
}
