//! `fs_train(levels, pair_count [, is_random [, prior [, max_iterations [, start_m]]]])`: trains a
//! Fellegi-Sunter model by expectation-maximisation (see [`super::em`]).
//!
//! The aggregate only counts patterns (its state, merged across partitions, is the pattern
//! counts); EM runs once, in `evaluate`, on the merged counts. So the model is the same however
//! the rows were split.

use std::fmt::Debug;
use std::mem::size_of;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, Int64Builder, ListBuilder,
    StringBuilder, StructArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility,
};

use super::em::{EmOptions, Pattern, PatternCounts, StartM, train_from};
use super::model::{model_to_scalar, model_type};
use crate::aggregate::constant_arg;
use crate::common::DOC_SECTION_MATCHING;

pub const NAME: &str = "fs_train";

/// Patterns, counts and kinds of the state, as three parallel lists; then the starting m
/// (fields, levels, values), as three more.
fn state_types() -> [DataType; 6] {
    let list = |t: DataType| DataType::List(Arc::new(Field::new_list_field(t, true)));
    [
        list(list(DataType::Utf8)),
        list(DataType::Int64),
        list(DataType::Boolean),
        list(DataType::Int64),
        list(DataType::Utf8),
        list(DataType::Float64),
    ]
}

/// Names of the state columns, after the aggregate's name.
const STATE_NAMES: [&str; 6] = [
    "patterns",
    "counts",
    "is_random",
    "start_fields",
    "start_levels",
    "start_m",
];

fn levels_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_MATCHING,
        "Aggregate: trains a Fellegi-Sunter model by expectation-maximisation, as Splink does. \
         Each row is a comparison vector (one level per field, NULL when a side is missing: no \
         evidence) and the number of pairs that have it; rows may be single pairs (count 1) or \
         patterns already grouped. Rows flagged `is_random` are random pairs: they fix the u \
         probabilities (the share of each level among random pairs, a level never seen counting \
         half a pair), and EM estimates m and λ on the other rows. Without random pairs, u is \
         estimated too; the levels must then be integers, higher meaning more alike (Splink's \
         convention), to start from. Returns a struct: `lambda` (share of candidate pairs that \
         match), `iterations`, `converged` (no probability moved more than 1e-7), \
         `log_likelihood`, `candidate_pairs`, `random_pairs`, `u_from_random_pairs` and \
         `levels`, a list of `{field (1-based), level, m, u, weight = log2(m/u)}`. Store it in a \
         table and score with `fs_match_weight`. Deterministic: the result depends only on the \
         pattern counts. For millions of pairs, count the patterns first (`GROUP BY levels, \
         is_random` with `count(*)`) and train on the counts: the hash aggregate is faster \
         than the training state at counting. `start_m` sets where EM starts (say, m values \
         a person chose); by default it starts from the candidates' level shares.",
        "fs_train(levels, pair_count[, is_random[, prior[, max_iterations[, start_m]]]])",
    )
    .with_sql_example(
        r#"```sql
> select round(model['lambda'], 2) as lambda, round(model['levels'][2]['m'], 2) as m_email_exact,
  round(model['levels'][2]['u'], 2) as u_email_exact, model['converged'] as converged
  from (select fs_train(make_array(email, phone), pairs, is_random) as model
  from (values ('exact', 'exact', 291, false), ('exact', 'different', 99, false),
  ('different', 'exact', 89, false), ('different', 'different', 521, false),
  ('exact', 'exact', 5, true), ('exact', 'different', 45, true),
  ('different', 'exact', 95, true), ('different', 'different', 855, true)) t(email, phone, pairs, is_random));
+--------+---------------+---------------+-----------+
| lambda | m_email_exact | u_email_exact | converged |
+--------+---------------+---------------+-----------+
| 0.4    | 0.9           | 0.05          | true      |
+--------+---------------+---------------+-----------+
```"#,
    )
    .with_argument(
        "levels",
        "Array of the pair's level per field, e.g. `make_array(first_name_level, \
         email_level)`; strings or integers; NULL elements for missing fields.",
    )
    .with_argument("pair_count", "Number of pairs with this pattern (integer).")
    .with_argument(
        "is_random",
        "Boolean: true for random pairs, which fix u. Default false.",
    )
    .with_argument(
        "prior",
        "Constant: starting λ, the share of candidate pairs thought to match. Default 0.1.",
    )
    .with_argument(
        "max_iterations",
        "Constant: most EM iterations. Default 500.",
    )
    .with_argument(
        "start_m",
        "Array of structs `{field, level, m}` (a model's `levels` has this shape; other \
         struct fields are ignored): the starting m of each level, for the fields it names. \
         The same on every row (e.g. from a one-row table joined to the pairs); NULL rows \
         are skipped.",
    )
    .with_related_udf("fs_match_weight")
    .with_related_udf("fs_match_probability")
    .build()
});

/// The `fs_train` aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FsTrainFunc {
    signature: Signature,
}

impl Default for FsTrainFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl FsTrainFunc {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl AggregateUDFImpl for FsTrainFunc {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=6).contains(&arg_types.len()) {
            return plan_err!(
                "{NAME} expects 2 to 6 arguments (levels, pair_count[, is_random[, prior[, \
                 max_iterations[, start_m]]]]), got {}",
                arg_types.len()
            );
        }
        let mut coerced = Vec::with_capacity(arg_types.len());
        for (i, t) in arg_types.iter().enumerate() {
            let target = match (i, t) {
                (0, DataType::Null) => levels_type(),
                (0, t) if is_list(t) => levels_type(),
                (1 | 4, t) if t.is_integer() || t == &DataType::Null => DataType::Int64,
                (2, DataType::Boolean | DataType::Null) => DataType::Boolean,
                (3, t) if t.is_numeric() || t == &DataType::Null => DataType::Float64,
                (5, DataType::Null) => DataType::Null,
                (5, t) if is_list_of_structs(t) => t.clone(),
                _ => {
                    let expected = [
                        "an array of levels",
                        "an integer",
                        "a boolean",
                        "a number",
                        "an integer",
                        "an array of {field, level, m} structs",
                    ][i];
                    return plan_err!("{NAME}: argument {} must be {expected}, got {t}", i + 1);
                }
            };
            coerced.push(target);
        }
        Ok(coerced)
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(model_type())
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let mut options = EmOptions::default();
        match constant_arg(NAME, &args, 3, "prior")? {
            None => {}
            Some(ScalarValue::Float64(Some(p))) => options.prior_match_proportion = *p,
            Some(ScalarValue::Float64(None)) | Some(ScalarValue::Null) => {}
            Some(other) => return plan_err!("{NAME}: the prior must be a number, got {other}"),
        }
        match constant_arg(NAME, &args, 4, "max_iterations")? {
            None | Some(ScalarValue::Int64(None)) | Some(ScalarValue::Null) => {}
            Some(ScalarValue::Int64(Some(n))) if *n > 0 => {
                options.max_iterations = usize::try_from(*n).unwrap_or(usize::MAX);
            }
            Some(other) => {
                return plan_err!("{NAME}: max_iterations must be a positive integer, got {other}");
            }
        }
        if !(options.prior_match_proportion > 0.0 && options.prior_match_proportion < 1.0) {
            return plan_err!(
                "{NAME}: the prior must be strictly between 0 and 1, got {}",
                options.prior_match_proportion
            );
        }
        Ok(Box::new(FsTrainAccumulator {
            counts: PatternCounts::default(),
            options,
            start: StartM::new(),
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(state_types()
            .into_iter()
            .zip(STATE_NAMES)
            .map(|(t, name)| Arc::new(Field::new(format!("{}_{name}", args.name), t, true)))
            .collect())
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
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

fn is_list_of_structs(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) => matches!(f.data_type(), DataType::Struct(_)),
        _ => false,
    }
}

#[derive(Debug)]
struct FsTrainAccumulator {
    counts: PatternCounts,
    options: EmOptions,
    /// Starting m, from the first row with one.
    start: StartM,
}

/// The `{field, level, m}` entries of a `start_m` value.
fn read_start(entries: &ArrayRef) -> Result<StartM> {
    let Some(entries) = entries.as_any().downcast_ref::<StructArray>() else {
        return exec_err!("{NAME}: start_m must be an array of {{field, level, m}} structs");
    };
    let column = |name: &str, t: &DataType| -> Result<ArrayRef> {
        match entries.column_by_name(name) {
            Some(c) => Ok(cast(c, t)?),
            None => exec_err!("{NAME}: start_m entries need a '{name}' field"),
        }
    };
    let fields = column("field", &DataType::Int64)?;
    let levels = column("level", &DataType::Utf8)?;
    let values = column("m", &DataType::Float64)?;
    let (fields, levels, values) = (
        fields.as_primitive::<Int64Type>(),
        levels.as_string::<i32>(),
        values.as_primitive::<Float64Type>(),
    );
    let mut start = StartM::new();
    for i in 0..entries.len() {
        if entries.is_null(i) || fields.is_null(i) || levels.is_null(i) || values.is_null(i) {
            continue;
        }
        let Ok(field) = usize::try_from(fields.value(i)) else {
            return exec_err!(
                "{NAME}: start_m field must be positive, got {}",
                fields.value(i)
            );
        };
        if field == 0 {
            return exec_err!("{NAME}: start_m fields are numbered from 1, got 0");
        }
        start.insert((field, levels.value(i).to_owned()), values.value(i));
    }
    Ok(start)
}

/// The pattern of row `row` of a list of strings, `None` when the list is null.
fn pattern_at(lists: &datafusion::arrow::array::ListArray, row: usize) -> Option<Pattern> {
    if lists.is_null(row) {
        return None;
    }
    let values = lists.value(row);
    let strings = values.as_string_opt::<i32>()?;
    Some(
        strings
            .iter()
            .map(|level| level.map(str::to_owned))
            .collect(),
    )
}

impl FsTrainAccumulator {
    /// Takes the starting m from the first non-null row of `start_m`, once.
    fn take_start(&mut self, start_m: &ArrayRef) -> Result<()> {
        if !self.start.is_empty() || start_m.data_type() == &DataType::Null {
            return Ok(());
        }
        let start_m = cast(
            start_m,
            &DataType::List(Arc::new(Field::new_list_field(
                start_m_entry_type(start_m.data_type()),
                true,
            ))),
        )?;
        let Some(lists) = start_m.as_list_opt::<i32>() else {
            return exec_err!("{NAME}: start_m must be an array");
        };
        if let Some(row) = (0..lists.len()).find(|&row| lists.is_valid(row)) {
            self.start = read_start(&lists.value(row))?;
        }
        Ok(())
    }

    fn add_rows(
        &mut self,
        patterns: &ArrayRef,
        counts: &ArrayRef,
        kinds: Option<&ArrayRef>,
    ) -> Result<()> {
        // Planning coerced the arguments; a cast here only covers callers that bypass it.
        let patterns = cast(patterns, &levels_type())?;
        let counts = cast(counts, &DataType::Int64)?;
        let Some(patterns) = patterns.as_list_opt::<i32>() else {
            return exec_err!("{NAME}: levels must be an array");
        };
        let counts = counts.as_primitive::<Int64Type>();
        let kinds = kinds.map(|k| cast(k, &DataType::Boolean)).transpose()?;
        let kinds = kinds.as_ref().map(|k| k.as_boolean());
        for row in 0..patterns.len() {
            if counts.is_null(row) {
                continue;
            }
            let count = counts.value(row);
            let Ok(count) = u64::try_from(count) else {
                return exec_err!("{NAME}: pair_count must not be negative, got {count}");
            };
            let Some(pattern) = pattern_at(patterns, row) else {
                continue;
            };
            let is_random = kinds.is_some_and(|k| k.is_valid(row) && k.value(row));
            self.counts.add(pattern, count, is_random);
        }
        Ok(())
    }
}

impl Accumulator for FsTrainAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (Some(patterns), Some(counts)) = (values.first(), values.get(1)) else {
            return exec_err!("{NAME} expects at least 2 arguments");
        };
        if let Some(start_m) = values.get(5) {
            self.take_start(start_m)?;
        }
        self.add_rows(patterns, counts, values.get(2))
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let [patterns, counts, kinds, start_fields, start_levels, start_m] = states else {
            return exec_err!("{NAME}: a state has 6 columns, got {}", states.len());
        };
        self.merge_start(start_fields, start_levels, start_m)?;
        let (Some(patterns), Some(counts), Some(kinds)) = (
            patterns.as_list_opt::<i32>(),
            counts.as_list_opt::<i32>(),
            kinds.as_list_opt::<i32>(),
        ) else {
            return exec_err!("{NAME}: unexpected state types");
        };
        for row in 0..patterns.len() {
            if patterns.is_null(row) {
                continue;
            }
            self.add_rows(
                &patterns.value(row),
                &counts.value(row),
                Some(&kinds.value(row)),
            )?;
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut start_fields = ListBuilder::new(Int64Builder::new());
        let mut start_levels = ListBuilder::new(StringBuilder::new());
        let mut start_m = ListBuilder::new(Float64Builder::new());
        for ((field, level), m) in &self.start {
            start_fields
                .values()
                .append_value(i64::try_from(*field).unwrap_or(i64::MAX));
            start_levels.values().append_value(level);
            start_m.values().append_value(*m);
        }
        start_fields.append(true);
        start_levels.append(true);
        start_m.append(true);
        let mut patterns = ListBuilder::new(ListBuilder::new(StringBuilder::new()));
        let mut counts = ListBuilder::new(Int64Builder::new());
        let mut kinds = ListBuilder::new(BooleanBuilder::new());
        for (is_random, map) in [
            (false, &self.counts.candidates),
            (true, &self.counts.random),
        ] {
            for (pattern, count) in map {
                for level in pattern {
                    patterns.values().values().append_option(level.as_deref());
                }
                patterns.values().append(true);
                counts
                    .values()
                    .append_value(i64::try_from(*count).unwrap_or(i64::MAX));
                kinds.values().append_value(is_random);
            }
        }
        patterns.append(true);
        counts.append(true);
        kinds.append(true);
        Ok(vec![
            ScalarValue::List(Arc::new(patterns.finish())),
            ScalarValue::List(Arc::new(counts.finish())),
            ScalarValue::List(Arc::new(kinds.finish())),
            ScalarValue::List(Arc::new(start_fields.finish())),
            ScalarValue::List(Arc::new(start_levels.finish())),
            ScalarValue::List(Arc::new(start_m.finish())),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.counts.is_empty() {
            return ScalarValue::try_from(model_type());
        }
        match train_from(&self.counts, &self.options, &self.start) {
            Ok(model) => model_to_scalar(&model),
            Err(e) => exec_err!("{NAME}: {e}"),
        }
    }

    fn size(&self) -> usize {
        let pattern_bytes: usize = self
            .counts
            .candidates
            .keys()
            .chain(self.counts.random.keys())
            .map(|p| {
                size_of::<Pattern>()
                    + size_of::<u64>()
                    + p.iter()
                        .map(|l| size_of::<Option<String>>() + l.as_ref().map_or(0, String::len))
                        .sum::<usize>()
            })
            .sum();
        let start_bytes: usize = self
            .start
            .keys()
            .map(|(_, level)| size_of::<(usize, String, f64)>() + level.len())
            .sum();
        size_of::<Self>() + pattern_bytes + start_bytes
    }
}

impl FsTrainAccumulator {
    /// The starting m of a partial state, when this accumulator has none yet.
    fn merge_start(
        &mut self,
        fields: &ArrayRef,
        levels: &ArrayRef,
        values: &ArrayRef,
    ) -> Result<()> {
        let (Some(fields), Some(levels), Some(values)) = (
            fields.as_list_opt::<i32>(),
            levels.as_list_opt::<i32>(),
            values.as_list_opt::<i32>(),
        ) else {
            return exec_err!("{NAME}: unexpected state types");
        };
        for row in 0..fields.len() {
            if !self.start.is_empty() {
                return Ok(());
            }
            if fields.is_null(row) {
                continue;
            }
            let (f, l, v) = (fields.value(row), levels.value(row), values.value(row));
            let (f, l, v) = (
                f.as_primitive::<Int64Type>(),
                l.as_string::<i32>(),
                v.as_primitive::<Float64Type>(),
            );
            for i in 0..f.len() {
                let field = usize::try_from(f.value(i)).unwrap_or(0);
                self.start
                    .insert((field, l.value(i).to_owned()), v.value(i));
            }
        }
        Ok(())
    }
}

/// The entry type of a `start_m` list type (its structs), as given.
fn start_m_entry_type(t: &DataType) -> DataType {
    match t {
        DataType::List(f) | DataType::LargeList(f) => f.data_type().clone(),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{BooleanArray, Int64Array, ListArray};
    use datafusion::arrow::datatypes::Int32Type;

    fn levels(rows: &[&[Option<&str>]]) -> ArrayRef {
        let mut builder = ListBuilder::new(StringBuilder::new());
        for row in rows {
            for level in *row {
                builder.values().append_option(*level);
            }
            builder.append(true);
        }
        Arc::new(builder.finish())
    }

    fn accumulator() -> FsTrainAccumulator {
        FsTrainAccumulator {
            counts: PatternCounts::default(),
            options: EmOptions::default(),
            start: StartM::new(),
        }
    }

    #[test]
    fn state_round_trips_and_merges() -> Result<()> {
        let mut a = accumulator();
        a.update_batch(&[
            levels(&[&[Some("exact"), None], &[Some("different"), Some("exact")]]),
            Arc::new(Int64Array::from(vec![3, 4])),
            Arc::new(BooleanArray::from(vec![false, true])),
        ])?;
        let state = a.state()?;
        let arrays = state
            .iter()
            .map(|s| s.to_array())
            .collect::<Result<Vec<_>>>()?;
        let mut b = accumulator();
        b.merge_batch(&arrays)?;
        b.merge_batch(&arrays)?;
        assert_eq!(b.counts.candidates.len(), 1);
        assert_eq!(
            b.counts
                .candidates
                .get(&vec![Some("exact".to_owned()), None]),
            Some(&6)
        );
        assert_eq!(
            b.counts.random.get(&vec![
                Some("different".to_owned()),
                Some("exact".to_owned())
            ]),
            Some(&8)
        );
        Ok(())
    }

    /// One `start_m` value per row: `[{field, level, m}, ...]`, the same on every row.
    fn start_m(rows: usize, entries: &[(i64, &str, f64)]) -> Result<ArrayRef> {
        use datafusion::arrow::array::{Float64Array, StringArray};
        use datafusion::arrow::datatypes::Fields;
        let fields: Fields = vec![
            Field::new("field", DataType::Int64, true),
            Field::new("level", DataType::Utf8, true),
            Field::new("m", DataType::Float64, true),
        ]
        .into();
        let structs = StructArray::try_new(
            fields.clone(),
            vec![
                Arc::new(Int64Array::from_iter_values(entries.iter().map(|e| e.0))),
                Arc::new(StringArray::from_iter_values(entries.iter().map(|e| e.1))),
                Arc::new(Float64Array::from_iter_values(entries.iter().map(|e| e.2))),
            ],
            None,
        )?;
        let list = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Struct(fields), true)),
            datafusion::arrow::buffer::OffsetBuffer::from_lengths([entries.len()]),
            Arc::new(structs),
            None,
        )?;
        ScalarValue::List(Arc::new(list)).to_array_of_size(rows)
    }

    #[test]
    fn starting_m_is_read_once_and_survives_the_state() -> Result<()> {
        let mut a = accumulator();
        a.update_batch(&[
            levels(&[&[Some("exact")], &[Some("different")]]),
            Arc::new(Int64Array::from(vec![3, 4])),
            Arc::new(BooleanArray::from(vec![false, false])),
            Arc::new(datafusion::arrow::array::Float64Array::from(vec![0.1, 0.1])),
            Arc::new(Int64Array::from(vec![10, 10])),
            start_m(2, &[(1, "exact", 0.9), (1, "different", 0.1)])?,
        ])?;
        assert_eq!(a.start.get(&(1, "exact".to_owned())), Some(&0.9));
        let arrays = a
            .state()?
            .iter()
            .map(|s| s.to_array())
            .collect::<Result<Vec<_>>>()?;
        let mut b = accumulator();
        b.merge_batch(&arrays)?;
        assert_eq!(b.start, a.start);
        assert_eq!(b.counts, a.counts);
        Ok(())
    }

    #[test]
    fn integer_levels_are_read_as_strings() -> Result<()> {
        let ints =
            ListArray::from_iter_primitive::<Int32Type, _, _>(vec![Some(vec![Some(2), None])]);
        let mut a = accumulator();
        a.update_batch(&[Arc::new(ints), Arc::new(Int64Array::from(vec![5]))])?;
        assert_eq!(
            a.counts.candidates.get(&vec![Some("2".to_owned()), None]),
            Some(&5)
        );
        Ok(())
    }

    #[test]
    fn negative_counts_are_refused_and_null_rows_skipped() -> Result<()> {
        let mut a = accumulator();
        let err = a
            .update_batch(&[
                levels(&[&[Some("1")]]),
                Arc::new(Int64Array::from(vec![-1])),
            ])
            .unwrap_err();
        assert!(err.to_string().contains("must not be negative"), "{err}");
        a.update_batch(&[
            levels(&[&[Some("1")]]),
            Arc::new(Int64Array::from(vec![None])),
        ])?;
        assert!(a.counts.is_empty());
        assert!(a.evaluate()?.is_null());
        Ok(())
    }

    #[test]
    fn coercion_checks_each_argument() {
        let f = FsTrainFunc::new();
        let ok = f.coerce_types(&[
            DataType::List(Arc::new(Field::new_list_field(DataType::Int32, true))),
            DataType::Int32,
            DataType::Boolean,
            DataType::Float32,
        ]);
        assert_eq!(
            ok.ok(),
            Some(vec![
                levels_type(),
                DataType::Int64,
                DataType::Boolean,
                DataType::Float64
            ])
        );
        let err = f
            .coerce_types(&[DataType::Utf8, DataType::Int64])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("fs_train: argument 1 must be an array"),
            "{err}"
        );
    }
}
