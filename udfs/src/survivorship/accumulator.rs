//! The survivorship accumulators: one for a single group, and a [`GroupsAccumulator`] that
//! keeps every group's candidates in one vector, so that `GROUP BY unified_id` over a million
//! customers does not allocate an accumulator per group and slice the input per group.
//!
//! Both keep a [`Pool`] per group. The state is the pool as six parallel lists (values,
//! sources, record ids, times, priorities, counts): one entry, or one per distinct value for
//! `survive_most_frequent`.

use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, ListArray, NullBufferBuilder, StructArray,
    new_empty_array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{Accumulator, EmitTo, GroupsAccumulator};

use super::candidate::{Candidate, Pool, Rule, compare, is_missing, source_rank};

/// Options of a call, from its constant arguments.
#[derive(Debug, Clone)]
pub(super) struct Options {
    pub keep_empty: bool,
    pub source_order: Vec<String>,
    /// Argument index of an integer priority column, which replaces the source order.
    pub priority_column: Option<usize>,
}

/// What an accumulator needs to know of its call.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub name: &'static str,
    pub rule: Rule,
    pub options: Options,
    pub value_type: DataType,
    pub ts_type: DataType,
    pub return_type: DataType,
}

fn strings(name: &str, array: &ArrayRef) -> Result<ArrayRef> {
    match cast(array, &DataType::Utf8) {
        Ok(a) => Ok(a),
        Err(e) => exec_err!("{name}: cannot read {} as strings: {e}", array.data_type()),
    }
}

fn string_at(array: &ArrayRef, row: usize) -> Option<String> {
    let strings = array.as_string::<i32>();
    strings.is_valid(row).then(|| strings.value(row).to_owned())
}

impl Settings {
    /// Calls `f(row, candidate)` for each input row that offers a value (not missing, not
    /// filtered out).
    fn for_each_candidate(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        mut f: impl FnMut(usize, Candidate),
    ) -> Result<()> {
        let name = self.name;
        let [value, source, record_id, ts, ..] = values else {
            return exec_err!("{name} expects at least 4 arguments");
        };
        let (source, record_id) = (strings(name, source)?, strings(name, record_id)?);
        let priorities = match self.options.priority_column {
            Some(i) => match values.get(i) {
                Some(p) => Some(cast(p, &DataType::Int64)?),
                None => return exec_err!("{name}: missing priority argument"),
            },
            None => None,
        };
        let priorities = priorities.as_ref().map(|p| p.as_primitive::<Int64Type>());
        for row in 0..value.len() {
            if filter.is_some_and(|f| !(f.is_valid(row) && f.value(row))) {
                continue;
            }
            let v = ScalarValue::try_from_array(value, row)?;
            if is_missing(&v, self.options.keep_empty) {
                continue;
            }
            let source = string_at(&source, row);
            let priority = match priorities {
                // A NULL priority ranks after every given one.
                Some(p) if p.is_valid(row) => p.value(row),
                Some(_) => i64::MAX,
                None => source_rank(&self.options.source_order, source.as_deref()),
            };
            let candidate = Candidate {
                value: v,
                source,
                record_id: string_at(&record_id, row),
                ts: ScalarValue::try_from_array(ts, row)?,
                priority,
            };
            f(row, candidate);
        }
        Ok(())
    }

    /// Calls `f(row, candidate, count)` for each entry of each state row.
    fn for_each_state_entry(
        &self,
        states: &[ArrayRef],
        mut f: impl FnMut(usize, Candidate, u64),
    ) -> Result<()> {
        let name = self.name;
        let lists: Vec<Option<&ListArray>> = states.iter().map(|a| a.as_list_opt()).collect();
        let [
            Some(values),
            Some(sources),
            Some(record_ids),
            Some(ts),
            Some(priorities),
            Some(counts),
        ] = lists.as_slice()
        else {
            return exec_err!("{name}: a state has 6 list columns, got {states:?}");
        };
        // The six lists of a row have the same length; entries are read from the child arrays
        // through each list's offsets (slicing six lists per row would allocate six arrays).
        let children = [values, sources, record_ids, ts, priorities, counts];
        if children.iter().any(|l| l.len() != values.len()) {
            return exec_err!("{name}: the state columns differ in length");
        }
        let (v, t) = (values.values(), ts.values());
        let (Some(s), Some(r), Some(p), Some(c)) = (
            sources.values().as_string_opt::<i32>(),
            record_ids.values().as_string_opt::<i32>(),
            priorities.values().as_primitive_opt::<Int64Type>(),
            counts.values().as_primitive_opt::<Int64Type>(),
        ) else {
            return exec_err!("{name}: unexpected state types {states:?}");
        };
        let text = |strings: &datafusion::arrow::array::StringArray, i: usize| {
            strings.is_valid(i).then(|| strings.value(i).to_owned())
        };
        for row in 0..values.len() {
            if values.is_null(row) {
                continue;
            }
            let entries =
                values.value_offsets()[row] as usize..values.value_offsets()[row + 1] as usize;
            if children.iter().any(|l| {
                l.value_offsets()[row] as usize != entries.start
                    || l.value_length(row) as usize != entries.len()
            }) {
                return exec_err!("{name}: the lists of a state row differ in length");
            }
            for i in entries {
                let candidate = Candidate {
                    value: ScalarValue::try_from_array(v, i)?,
                    source: text(s, i),
                    record_id: text(r, i),
                    ts: ScalarValue::try_from_array(t, i)?,
                    priority: p.value(i),
                };
                f(row, candidate, u64::try_from(c.value(i)).unwrap_or(0));
            }
        }
        Ok(())
    }

    /// The state of each pool, as six list arrays of one row per pool. The entries of all
    /// pools are gathered into one array per column first, then cut into lists by offsets:
    /// building a small array per pool and row would cost more than the aggregation.
    fn states<'a>(&self, pools: impl Iterator<Item = &'a Pool>) -> Result<Vec<ArrayRef>> {
        let mut columns: [Vec<ScalarValue>; 6] = Default::default();
        let mut lengths = Vec::new();
        for pool in pools {
            let mut entries = pool.entries();
            // A stable order, so that states print and compare the same way every run.
            entries.sort_by(|(_, a), (_, b)| compare(Rule::MostRecent, a, b));
            lengths.push(entries.len());
            for (count, c) in entries {
                columns[0].push(c.value.clone());
                columns[1].push(ScalarValue::Utf8(c.source.clone()));
                columns[2].push(ScalarValue::Utf8(c.record_id.clone()));
                columns[3].push(c.ts.clone());
                columns[4].push(ScalarValue::Int64(Some(c.priority)));
                columns[5].push(ScalarValue::Int64(Some(
                    i64::try_from(count).unwrap_or(i64::MAX),
                )));
            }
        }
        let types = [
            &self.value_type,
            &DataType::Utf8,
            &DataType::Utf8,
            &self.ts_type,
            &DataType::Int64,
            &DataType::Int64,
        ];
        columns
            .into_iter()
            .zip(types)
            .map(|(values, t)| {
                let values = if values.is_empty() {
                    new_empty_array(t)
                } else {
                    ScalarValue::iter_to_array(values)?
                };
                let lists = ListArray::try_new(
                    Arc::new(Field::new_list_field(t.clone(), true)),
                    OffsetBuffer::from_lengths(lengths.iter().copied()),
                    values,
                    None,
                )?;
                Ok(Arc::new(lists) as ArrayRef)
            })
            .collect()
    }

    /// The result struct of each pool: NULL for a pool without candidates.
    fn results<'a>(&self, pools: impl Iterator<Item = &'a Pool>) -> Result<ArrayRef> {
        let DataType::Struct(fields) = &self.return_type else {
            return exec_err!("{}: unexpected return type", self.name);
        };
        let null_value = ScalarValue::try_from(&self.value_type)?;
        let null_ts = ScalarValue::try_from(&self.ts_type)?;
        let mut columns: [Vec<ScalarValue>; 5] = Default::default();
        let mut nulls = NullBufferBuilder::new(0);
        for pool in pools {
            let winner = pool.winner();
            nulls.append(winner.is_some());
            let (value, source, record_id, rule, ts) = match winner {
                Some(w) => (
                    w.value.clone(),
                    w.source.clone(),
                    w.record_id.clone(),
                    Some(self.rule.label().to_owned()),
                    w.ts.cast_to(&self.ts_type)?,
                ),
                None => (null_value.clone(), None, None, None, null_ts.clone()),
            };
            columns[0].push(value);
            columns[1].push(ScalarValue::Utf8(source));
            columns[2].push(ScalarValue::Utf8(record_id));
            // NULL fields under a NULL result: `s['rule']` reads the field whatever the
            // struct's null bit says.
            columns[3].push(ScalarValue::Utf8(rule));
            columns[4].push(ts);
        }
        let len = nulls.len();
        let arrays = columns
            .into_iter()
            .zip([
                &self.value_type,
                &DataType::Utf8,
                &DataType::Utf8,
                &DataType::Utf8,
                &self.ts_type,
            ])
            .map(|(values, t)| {
                if values.is_empty() {
                    Ok(new_empty_array(t))
                } else {
                    ScalarValue::iter_to_array(values)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        debug_assert!(arrays.iter().all(|a| a.len() == len));
        Ok(Arc::new(StructArray::try_new(
            fields.clone(),
            arrays,
            nulls.finish(),
        )?))
    }
}

/// The accumulator of one group.
#[derive(Debug)]
pub(super) struct SurviveAccumulator {
    settings: Settings,
    pool: Pool,
}

impl SurviveAccumulator {
    pub fn new(settings: Settings) -> Self {
        let pool = Pool::new(settings.rule);
        Self { settings, pool }
    }
}

impl Accumulator for SurviveAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let pool = &mut self.pool;
        self.settings
            .for_each_candidate(values, None, |_, c| pool.add(c, 1))
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let pool = &mut self.pool;
        self.settings
            .for_each_state_entry(states, |_, c, n| pool.add(c, n))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.settings
            .states(std::iter::once(&self.pool))?
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let results = self.settings.results(std::iter::once(&self.pool))?;
        ScalarValue::try_from_array(&results, 0)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.pool.size() + self.settings.options.source_order.len() * 16
    }
}

/// The accumulator of every group of a `GROUP BY`.
pub(super) struct SurviveGroupsAccumulator {
    settings: Settings,
    pools: Vec<Pool>,
    /// Bytes held by the pools, kept up to date so that `size()` is cheap.
    pool_bytes: usize,
}

impl SurviveGroupsAccumulator {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            pools: Vec::new(),
            pool_bytes: 0,
        }
    }

    fn grow(&mut self, total_num_groups: usize) {
        if self.pools.len() < total_num_groups {
            let rule = self.settings.rule;
            self.pool_bytes += (total_num_groups - self.pools.len()) * size_of::<Pool>();
            self.pools.resize_with(total_num_groups, || Pool::new(rule));
        }
    }

    fn add(&mut self, group: usize, candidate: Candidate, count: u64) {
        if let Some(pool) = self.pools.get_mut(group) {
            let before = pool.size();
            pool.add(candidate, count);
            self.pool_bytes = (self.pool_bytes + pool.size()).saturating_sub(before);
        }
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Pool> {
        let taken = emit_to.take_needed(&mut self.pools);
        self.pool_bytes = self.pools.iter().map(Pool::size).sum();
        taken
    }
}

impl GroupsAccumulator for SurviveGroupsAccumulator {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let settings = self.settings.clone();
        settings.for_each_candidate(values, opt_filter, |row, c| {
            if let Some(&group) = group_indices.get(row) {
                self.add(group, c, 1);
            }
        })
    }

    fn merge_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let settings = self.settings.clone();
        settings.for_each_state_entry(values, |row, c, n| {
            if let Some(&group) = group_indices.get(row) {
                self.add(group, c, n);
            }
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let pools = self.take(emit_to);
        self.settings.results(pools.iter())
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let pools = self.take(emit_to);
        self.settings.states(pools.iter())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row its own group: a pool of its candidate, or an empty pool.
        let rows = values.first().map_or(0, |v| v.len());
        let mut pools: Vec<Pool> = (0..rows).map(|_| Pool::new(self.settings.rule)).collect();
        self.settings
            .for_each_candidate(values, opt_filter, |row, c| {
                if let Some(pool) = pools.get_mut(row) {
                    pool.add(c, 1);
                }
            })?;
        self.settings.states(pools.iter())
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.pool_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survivorship::DEFAULT_SOURCE_PRIORITY;
    use crate::survivorship::function::result_fields;
    use datafusion::arrow::array::{StringArray, TimestampMicrosecondArray};
    use datafusion::arrow::datatypes::TimeUnit;

    fn settings(rule: Rule) -> Settings {
        let ts_type = DataType::Timestamp(TimeUnit::Microsecond, None);
        Settings {
            name: rule.function_name(),
            rule,
            options: Options {
                keep_empty: false,
                source_order: DEFAULT_SOURCE_PRIORITY.map(str::to_owned).to_vec(),
                priority_column: None,
            },
            value_type: DataType::Utf8,
            return_type: DataType::Struct(result_fields(&DataType::Utf8, &ts_type)),
            ts_type,
        }
    }

    fn input() -> Vec<ArrayRef> {
        vec![
            Arc::new(StringArray::from(vec![
                Some("Lyon"),
                Some("Paris"),
                Some(" "),
                Some("Lyon"),
                None,
            ])),
            Arc::new(StringArray::from(vec![
                "web", "cegid", "shopify", "web", "web",
            ])),
            Arc::new(StringArray::from(vec!["w1", "c1", "s1", "w2", "w3"])),
            Arc::new(TimestampMicrosecondArray::from(vec![
                Some(1),
                Some(5),
                Some(9),
                Some(2),
                Some(3),
            ])),
        ]
    }

    fn record_ids(results: &ArrayRef) -> Vec<Option<String>> {
        let results = results.as_struct();
        let ids = results.column(2).as_string::<i32>();
        (0..results.len())
            .map(|i| results.is_valid(i).then(|| ids.value(i).to_owned()))
            .collect()
    }

    #[test]
    fn groups_filters_and_emit_first() -> Result<()> {
        let mut acc = SurviveGroupsAccumulator::new(settings(Rule::MostRecent));
        // Groups: rows 0, 1 in 0; rows 2, 3 in 1; row 4 in 2 (a NULL value only).
        let filter = BooleanArray::from(vec![true, true, true, false, true]);
        acc.update_batch(&input(), &[0, 0, 1, 1, 2], Some(&filter), 3)?;
        let first = acc.evaluate(EmitTo::First(1))?;
        assert_eq!(record_ids(&first), vec![Some("c1".to_owned())]);
        // The blank value and the filtered row leave group 1 empty, like group 2.
        let rest = acc.evaluate(EmitTo::All)?;
        assert_eq!(record_ids(&rest), vec![None, None]);
        Ok(())
    }

    #[test]
    fn states_from_rows_merge_to_the_same_result() -> Result<()> {
        for rule in [Rule::MostRecent, Rule::MostFrequent, Rule::SourcePriority] {
            let mut direct = SurviveGroupsAccumulator::new(settings(rule));
            direct.update_batch(&input(), &[0, 0, 0, 0, 0], None, 1)?;
            let mut merged = SurviveGroupsAccumulator::new(settings(rule));
            let states = direct.convert_to_state(&input(), None)?;
            merged.merge_batch(&states, &[0, 0, 0, 0, 0], 1)?;
            let (a, b) = (direct.evaluate(EmitTo::All)?, merged.evaluate(EmitTo::All)?);
            assert_eq!(record_ids(&a), record_ids(&b), "{rule:?}");
            assert!(direct.size() > 0);
        }
        Ok(())
    }
}
