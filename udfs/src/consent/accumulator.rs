//! The `consent_merge` accumulators: one for a single group, and a [`GroupsAccumulator`]
//! holding every (customer, channel) group in one vector.
//!
//! The state of a group is its sources' latest events as three parallel lists (statuses,
//! sources, times).

use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, ListArray, NullBufferBuilder, StringBuilder,
    StructArray, new_empty_array,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{Accumulator, EmitTo, GroupsAccumulator};

use super::consent_merge::{ConsentEvent, LatestBySource, NAME, normalize_status};

/// The call's types.
#[derive(Debug, Clone)]
pub(super) struct Types {
    ts_type: DataType,
    return_type: DataType,
}

impl Types {
    pub fn of(args: &AccumulatorArgs) -> Result<Self> {
        let return_type = args.return_field.data_type().clone();
        let DataType::Struct(fields) = &return_type else {
            return plan_err!("{NAME}: unexpected return type {return_type}");
        };
        Ok(Self {
            ts_type: fields[2].data_type().clone(),
            return_type,
        })
    }

    /// Calls `f(row, event)` for each row with a status (not filtered out).
    fn for_each_event(
        &self,
        statuses: &ArrayRef,
        sources: &ArrayRef,
        ts: &ArrayRef,
        filter: Option<&BooleanArray>,
        mut f: impl FnMut(usize, ConsentEvent),
    ) -> Result<()> {
        let statuses = cast(statuses, &DataType::Utf8)?;
        let sources = cast(sources, &DataType::Utf8)?;
        let (statuses, sources) = (statuses.as_string::<i32>(), sources.as_string::<i32>());
        for row in 0..statuses.len() {
            if statuses.is_null(row) || filter.is_some_and(|f| !(f.is_valid(row) && f.value(row))) {
                continue;
            }
            let status = normalize_status(statuses.value(row));
            if status.is_empty() {
                continue;
            }
            let event = ConsentEvent {
                status,
                source: sources.is_valid(row).then(|| sources.value(row).to_owned()),
                ts: ScalarValue::try_from_array(ts, row)?,
            };
            f(row, event);
        }
        Ok(())
    }

    fn for_each_input_event(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        f: impl FnMut(usize, ConsentEvent),
    ) -> Result<()> {
        let [statuses, sources, ts] = values else {
            return exec_err!("{NAME} expects (status, source, event_ts)");
        };
        self.for_each_event(statuses, sources, ts, filter, f)
    }

    /// Calls `f(row, event)` for each event of each state row.
    fn for_each_state_event(
        &self,
        states: &[ArrayRef],
        mut f: impl FnMut(usize, ConsentEvent),
    ) -> Result<()> {
        let lists: Vec<Option<&ListArray>> = states.iter().map(|a| a.as_list_opt()).collect();
        let [Some(statuses), Some(sources), Some(ts)] = lists.as_slice() else {
            return exec_err!("{NAME}: a state has 3 list columns, got {states:?}");
        };
        for row in 0..statuses.len() {
            if statuses.is_null(row) {
                continue;
            }
            self.for_each_event(
                &statuses.value(row),
                &sources.value(row),
                &ts.value(row),
                None,
                |_, event| f(row, event),
            )?;
        }
        Ok(())
    }

    /// The state of each group: three list arrays, cut by offsets from one array per column.
    fn states<'a>(
        &self,
        groups: impl Iterator<Item = &'a LatestBySource>,
    ) -> Result<Vec<ArrayRef>> {
        let mut statuses = Vec::new();
        let mut sources = Vec::new();
        let mut times = Vec::new();
        let mut lengths = Vec::new();
        for group in groups {
            lengths.push(group.events.len());
            for event in group.events.values() {
                statuses.push(ScalarValue::Utf8(Some(event.status.clone())));
                sources.push(ScalarValue::Utf8(event.source.clone()));
                times.push(event.ts.clone());
            }
        }
        [
            (statuses, &DataType::Utf8),
            (sources, &DataType::Utf8),
            (times, &self.ts_type),
        ]
        .into_iter()
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

    /// The merged consent of each group, NULL for a group without events.
    fn results<'a>(&self, groups: impl Iterator<Item = &'a LatestBySource>) -> Result<ArrayRef> {
        let DataType::Struct(fields) = &self.return_type else {
            return exec_err!("{NAME}: unexpected return type");
        };
        let mut statuses = StringBuilder::new();
        let mut sources = StringBuilder::new();
        let mut times = Vec::new();
        let mut considered_values = StringBuilder::new();
        let mut considered_lengths = Vec::new();
        let mut nulls = NullBufferBuilder::new(0);
        let null_ts = ScalarValue::try_from(&self.ts_type)?;
        for group in groups {
            match group.merged() {
                Some(merged) => {
                    nulls.append_non_null();
                    statuses.append_value(&merged.event.status);
                    sources.append_option(merged.event.source.as_deref());
                    times.push(merged.event.ts.cast_to(&self.ts_type)?);
                    considered_lengths.push(merged.sources_considered.len());
                    for s in &merged.sources_considered {
                        considered_values.append_option(s.as_deref());
                    }
                }
                None => {
                    nulls.append_null();
                    // NULL fields too: `c['status']` reads the field whatever the struct's
                    // null bit says.
                    statuses.append_null();
                    sources.append_null();
                    times.push(null_ts.clone());
                    considered_lengths.push(0);
                }
            }
        }
        let times = if times.is_empty() {
            new_empty_array(&self.ts_type)
        } else {
            ScalarValue::iter_to_array(times)?
        };
        let nulls = nulls.finish();
        let considered = ListArray::try_new(
            Arc::new(Field::new_list_field(DataType::Utf8, true)),
            OffsetBuffer::from_lengths(considered_lengths),
            Arc::new(considered_values.finish()),
            nulls.clone(),
        )?;
        let columns: Vec<ArrayRef> = vec![
            Arc::new(statuses.finish()),
            Arc::new(sources.finish()),
            times,
            Arc::new(considered),
        ];
        Ok(Arc::new(StructArray::try_new(
            fields.clone(),
            columns,
            nulls,
        )?))
    }
}

fn group_size(group: &LatestBySource) -> usize {
    size_of::<LatestBySource>()
        + group
            .events
            .values()
            .map(|e| {
                size_of::<ConsentEvent>()
                    + e.status.len()
                    + e.source.as_ref().map_or(0, String::len) * 2
                    + e.ts.size()
            })
            .sum::<usize>()
}

/// The accumulator of one group.
#[derive(Debug)]
pub(super) struct ConsentMergeAccumulator {
    types: Types,
    latest: LatestBySource,
}

impl ConsentMergeAccumulator {
    pub fn new(types: Types) -> Self {
        Self {
            types,
            latest: LatestBySource::default(),
        }
    }
}

impl Accumulator for ConsentMergeAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let latest = &mut self.latest;
        self.types
            .for_each_input_event(values, None, |_, e| latest.add(e))
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let latest = &mut self.latest;
        self.types
            .for_each_state_event(states, |_, e| latest.add(e))
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.types
            .states(std::iter::once(&self.latest))?
            .iter()
            .map(|a| ScalarValue::try_from_array(a, 0))
            .collect()
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let results = self.types.results(std::iter::once(&self.latest))?;
        ScalarValue::try_from_array(&results, 0)
    }

    fn size(&self) -> usize {
        size_of::<Self>() + group_size(&self.latest)
    }
}

/// The accumulator of every group of a `GROUP BY`.
pub(super) struct ConsentMergeGroupsAccumulator {
    types: Types,
    groups: Vec<LatestBySource>,
    /// Bytes held by the groups, kept up to date so that `size()` is cheap.
    group_bytes: usize,
}

impl ConsentMergeGroupsAccumulator {
    pub fn new(types: Types) -> Self {
        Self {
            types,
            groups: Vec::new(),
            group_bytes: 0,
        }
    }

    fn grow(&mut self, total_num_groups: usize) {
        if self.groups.len() < total_num_groups {
            self.group_bytes +=
                (total_num_groups - self.groups.len()) * size_of::<LatestBySource>();
            self.groups
                .resize_with(total_num_groups, LatestBySource::default);
        }
    }

    fn add(&mut self, group: usize, event: ConsentEvent) {
        if let Some(latest) = self.groups.get_mut(group) {
            let before = group_size(latest);
            latest.add(event);
            self.group_bytes = (self.group_bytes + group_size(latest)).saturating_sub(before);
        }
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<LatestBySource> {
        let taken = emit_to.take_needed(&mut self.groups);
        self.group_bytes = self.groups.iter().map(group_size).sum();
        taken
    }
}

impl GroupsAccumulator for ConsentMergeGroupsAccumulator {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.grow(total_num_groups);
        let types = self.types.clone();
        types.for_each_input_event(values, opt_filter, |row, e| {
            if let Some(&group) = group_indices.get(row) {
                self.add(group, e);
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
        let types = self.types.clone();
        types.for_each_state_event(values, |row, e| {
            if let Some(&group) = group_indices.get(row) {
                self.add(group, e);
            }
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = self.take(emit_to);
        self.types.results(groups.iter())
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let groups = self.take(emit_to);
        self.types.states(groups.iter())
    }

    fn convert_to_state(
        &self,
        values: &[ArrayRef],
        opt_filter: Option<&BooleanArray>,
    ) -> Result<Vec<ArrayRef>> {
        // Each row its own group.
        let rows = values.first().map_or(0, |v| v.len());
        let mut groups: Vec<LatestBySource> = vec![LatestBySource::default(); rows];
        self.types
            .for_each_input_event(values, opt_filter, |row, e| {
                if let Some(group) = groups.get_mut(row) {
                    group.add(e);
                }
            })?;
        self.types.states(groups.iter())
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.group_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::consent_merge::result_fields;
    use datafusion::arrow::array::{StringArray, TimestampMicrosecondArray};
    use datafusion::arrow::datatypes::TimeUnit;

    fn types() -> Types {
        let ts_type = DataType::Timestamp(TimeUnit::Microsecond, None);
        Types {
            return_type: DataType::Struct(result_fields(&ts_type)),
            ts_type,
        }
    }

    fn input() -> Vec<ArrayRef> {
        vec![
            Arc::new(StringArray::from(vec![
                Some("opt_in"),
                Some("opt_out"),
                Some("opt_in"),
                None,
            ])),
            Arc::new(StringArray::from(vec!["web", "shopify", "cegid", "web"])),
            Arc::new(TimestampMicrosecondArray::from(vec![1, 2, 3, 4])),
        ]
    }

    fn statuses(results: &ArrayRef) -> Vec<Option<String>> {
        let results = results.as_struct();
        let s = results.column(0).as_string::<i32>();
        (0..results.len())
            .map(|i| results.is_valid(i).then(|| s.value(i).to_owned()))
            .collect()
    }

    #[test]
    fn groups_filters_and_states() -> Result<()> {
        let mut acc = ConsentMergeGroupsAccumulator::new(types());
        let filter = BooleanArray::from(vec![true, false, true, true]);
        acc.update_batch(&input(), &[0, 0, 1, 2], Some(&filter), 3)?;
        let all = acc.evaluate(EmitTo::All)?;
        // Group 0 lost its opt-out to the filter; group 2 only has a NULL status.
        assert_eq!(
            statuses(&all),
            vec![Some("opt_in".to_owned()), Some("opt_in".to_owned()), None]
        );

        let mut merged = ConsentMergeGroupsAccumulator::new(types());
        let states = acc.convert_to_state(&input(), None)?;
        merged.merge_batch(&states, &[0, 0, 0, 0], 1)?;
        assert_eq!(
            statuses(&merged.evaluate(EmitTo::All)?),
            vec![Some("opt_out".to_owned())]
        );
        Ok(())
    }
}
