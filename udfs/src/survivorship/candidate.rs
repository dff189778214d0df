//! What every survivorship rule shares: the candidates (a value with its provenance), the
//! order that decides between them, and one aggregate implementation parameterised by rule.
//!
//! Ties are broken the same way by every rule, after the rule's own key: the most recent `ts`
//! (a NULL `ts` counts as oldest), then the higher source priority, then the smallest
//! `record_id`, then the smallest value. So a survivor never depends on row order or
//! partitioning.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::mem::size_of;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StructArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility,
};

use crate::aggregate::{constant_arg, is_string_like, is_time_like, without_dictionary};

/// Source order when none is given: in-store Cegid data is entered with the customer present,
/// Shopify accounts are kept up to date by their owners, web forms are typed once.
pub const DEFAULT_SOURCE_PRIORITY: [&str; 3] = ["cegid", "shopify", "web"];

/// A survivorship rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    SourcePriority,
    MostRecent,
    MostFrequent,
    Longest,
    FirstNonNull,
}

impl Rule {
    /// The name reported in the `rule` field of the result.
    pub fn label(self) -> &'static str {
        match self {
            Rule::SourcePriority => "source_priority",
            Rule::MostRecent => "most_recent",
            Rule::MostFrequent => "most_frequent",
            Rule::Longest => "longest",
            Rule::FirstNonNull => "first_non_null",
        }
    }

    /// The SQL function's name.
    pub fn function_name(self) -> &'static str {
        match self {
            Rule::SourcePriority => "survive_by_priority",
            Rule::MostRecent => "survive_most_recent",
            Rule::MostFrequent => "survive_most_frequent",
            Rule::Longest => "survive_longest",
            Rule::FirstNonNull => "survive_first_non_null",
        }
    }

    fn documentation(self) -> &'static Documentation {
        match self {
            Rule::SourcePriority => &super::survive_by_priority::DOCUMENTATION,
            Rule::MostRecent => &super::survive_most_recent::DOCUMENTATION,
            Rule::MostFrequent => &super::survive_most_frequent::DOCUMENTATION,
            Rule::Longest => &super::survive_longest::DOCUMENTATION,
            Rule::FirstNonNull => &super::survive_first_non_null::DOCUMENTATION,
        }
    }
}

/// A value offered by one source record, with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub value: ScalarValue,
    pub source: Option<String>,
    pub record_id: Option<String>,
    /// When the record was updated; NULL counts as oldest.
    pub ts: ScalarValue,
    /// Rank of the source, lower wins (from the source order or a priority column).
    pub priority: i64,
}

impl Candidate {
    fn chars(&self) -> usize {
        match &self.value {
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)) => s.trim().chars().count(),
            _ => 0,
        }
    }
}

/// The rank of `source` in `order` (case and surrounding spaces ignored): its position, after
/// every listed source when unlisted, last of all when NULL.
pub fn source_rank(order: &[String], source: Option<&str>) -> i64 {
    let Some(source) = source else {
        return order.len() as i64 + 1;
    };
    let source = source.trim();
    order
        .iter()
        .position(|s| s.eq_ignore_ascii_case(source))
        .unwrap_or(order.len()) as i64
}

/// Whether `value` is missing: NULL, or (unless `keep_empty`) an empty or whitespace-only
/// string.
pub fn is_missing(value: &ScalarValue, keep_empty: bool) -> bool {
    if value.is_null() {
        return true;
    }
    if keep_empty {
        return false;
    }
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => s.trim().is_empty(),
        _ => false,
    }
}

/// Later first; NULL last.
fn newest_first(a: &ScalarValue, b: &ScalarValue) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => b.partial_cmp(a).unwrap_or(Ordering::Equal),
    }
}

/// Earlier first; NULL last.
fn oldest_first(a: &ScalarValue, b: &ScalarValue) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (false, false) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
        _ => newest_first(a, b),
    }
}

/// The tie-breaks every rule ends with.
fn tie_break(a: &Candidate, b: &Candidate) -> Ordering {
    newest_first(&a.ts, &b.ts)
        .then(a.priority.cmp(&b.priority))
        .then_with(|| match (&a.record_id, &b.record_id) {
            (Some(x), Some(y)) => x.cmp(y),
            // A record without id loses to one with.
            (x, y) => x.is_none().cmp(&y.is_none()),
        })
        .then_with(|| a.value.partial_cmp(&b.value).unwrap_or(Ordering::Equal))
}

/// `Less` when `a` beats `b` under `rule` (for [`Rule::MostFrequent`], between two records of
/// the same value: the most recent).
pub fn compare(rule: Rule, a: &Candidate, b: &Candidate) -> Ordering {
    let key = match rule {
        Rule::SourcePriority => a.priority.cmp(&b.priority),
        Rule::MostRecent | Rule::MostFrequent => Ordering::Equal,
        Rule::Longest => b.chars().cmp(&a.chars()),
        Rule::FirstNonNull => oldest_first(&a.ts, &b.ts),
    };
    key.then_with(|| tie_break(a, b))
}

/// The survivor among `candidates` (missing values already left out) under `rule`, with the
/// number of candidates holding its value for [`Rule::MostFrequent`] (1 otherwise).
pub fn survive(rule: Rule, candidates: &[Candidate]) -> Option<&Candidate> {
    let mut pool = Pool::new(rule);
    for c in candidates {
        pool.add(c.clone(), 1);
    }
    let winner = pool.winner()?;
    candidates.iter().find(|c| *c == winner)
}

/// The candidates an accumulator keeps: the best one, or for [`Rule::MostFrequent`] the best
/// one per distinct value and how many records hold it.
#[derive(Debug, Clone)]
struct Pool {
    rule: Rule,
    best: Option<Candidate>,
    by_value: HashMap<ScalarValue, (u64, Candidate)>,
}

impl Pool {
    fn new(rule: Rule) -> Self {
        Self {
            rule,
            best: None,
            by_value: HashMap::new(),
        }
    }

    fn add(&mut self, candidate: Candidate, count: u64) {
        if self.rule == Rule::MostFrequent {
            match self.by_value.get_mut(&candidate.value) {
                Some((n, best)) => {
                    *n += count;
                    if compare(self.rule, &candidate, best).is_lt() {
                        *best = candidate;
                    }
                }
                None => {
                    self.by_value
                        .insert(candidate.value.clone(), (count, candidate));
                }
            }
        } else if self
            .best
            .as_ref()
            .is_none_or(|best| compare(self.rule, &candidate, best).is_lt())
        {
            self.best = Some(candidate);
        }
    }

    /// The kept candidates with their counts.
    fn entries(&self) -> Vec<(u64, &Candidate)> {
        match self.rule {
            Rule::MostFrequent => self.by_value.values().map(|(n, c)| (*n, c)).collect(),
            _ => self.best.iter().map(|c| (1, c)).collect(),
        }
    }

    fn winner(&self) -> Option<&Candidate> {
        if self.rule == Rule::MostFrequent {
            return self
                .by_value
                .values()
                .min_by(|(n, a), (m, b)| m.cmp(n).then_with(|| compare(self.rule, a, b)))
                .map(|(_, c)| c);
        }
        self.best.as_ref()
    }
}

/// The struct every survivorship aggregate returns.
pub fn result_fields(value_type: &DataType, ts_type: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("value", value_type.clone(), true),
        Field::new("source", DataType::Utf8, true),
        Field::new("record_id", DataType::Utf8, true),
        Field::new("rule", DataType::Utf8, false),
        Field::new("ts", ts_type.clone(), true),
    ])
}

/// A survivorship aggregate: `rule(value, source, record_id, ts[, priority][, keep_empty])`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SurviveFunc {
    rule: Rule,
    signature: Signature,
}

impl SurviveFunc {
    pub fn new(rule: Rule) -> Self {
        Self {
            rule,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

fn is_list(t: &DataType) -> bool {
    matches!(
        t,
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..)
    )
}

impl AggregateUDFImpl for SurviveFunc {
    fn name(&self) -> &str {
        self.rule.function_name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let name = self.name();
        if !(4..=6).contains(&arg_types.len()) {
            return plan_err!(
                "{name} expects (value, source, record_id, ts[, priority][, keep_empty]), got \
                 {} argument(s)",
                arg_types.len()
            );
        }
        let value = match without_dictionary(&arg_types[0]) {
            DataType::Null => DataType::Utf8,
            t if self.rule == Rule::Longest && !is_string_like(&t) => {
                return plan_err!("{name}: the value must be a string, got {t}");
            }
            t => t,
        };
        let mut coerced = vec![value];
        for (i, what) in [(1, "source"), (2, "record_id")] {
            let t = &arg_types[i];
            if !(is_string_like(t) || t.is_integer()) {
                return plan_err!("{name}: {what} must be a string, got {t}");
            }
            coerced.push(DataType::Utf8);
        }
        coerced.push(match without_dictionary(&arg_types[3]) {
            DataType::Null => DataType::Timestamp(TimeUnit::Microsecond, None),
            t if is_time_like(&t) => t,
            t => return plan_err!("{name}: ts must be a timestamp or a date, got {t}"),
        });
        let options = &arg_types[4..];
        for (i, t) in options.iter().enumerate() {
            let position = i + 5;
            let last = i + 1 == options.len();
            coerced.push(match t {
                DataType::Boolean if last => DataType::Boolean,
                t if i == 0 && is_list(t) => list_of(DataType::Utf8),
                t if i == 0 && t.is_integer() => DataType::Int64,
                t => {
                    return plan_err!(
                        "{name}: argument {position} must be a priority (an array of sources \
                         in order, or an integer column, lower wins) or, last, keep_empty (a \
                         boolean), got {t}"
                    );
                }
            });
        }
        Ok(coerced)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let (Some(value), Some(ts)) = (arg_types.first(), arg_types.get(3)) else {
            return plan_err!("{} expects at least 4 arguments", self.name());
        };
        Ok(DataType::Struct(result_fields(value, ts)))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let name = self.rule.function_name();
        let mut options = Options {
            keep_empty: false,
            source_order: DEFAULT_SOURCE_PRIORITY.map(str::to_owned).to_vec(),
            priority_column: None,
        };
        for index in 4..args.exprs.len() {
            let data_type = args.expr_fields[index].data_type();
            match data_type {
                DataType::Boolean => match constant_arg(name, &args, index, "keep_empty")? {
                    Some(ScalarValue::Boolean(keep)) => options.keep_empty = keep.unwrap_or(false),
                    other => {
                        return plan_err!("{name}: keep_empty must be a boolean, got {other:?}");
                    }
                },
                DataType::Int64 => options.priority_column = Some(index),
                _ => match constant_arg(name, &args, index, "priority")? {
                    Some(ScalarValue::List(list)) if list.len() == 1 && list.is_valid(0) => {
                        let sources = list.value(0);
                        let sources = cast(&sources, &DataType::Utf8)?;
                        options.source_order = sources
                            .as_string::<i32>()
                            .iter()
                            .flatten()
                            .map(|s| s.trim().to_owned())
                            .collect();
                    }
                    other => {
                        return plan_err!(
                            "{name}: the priority must be an array of sources, got {other:?}"
                        );
                    }
                },
            }
        }
        let return_type = args.return_field.data_type().clone();
        let DataType::Struct(fields) = &return_type else {
            return plan_err!("{name}: unexpected return type {return_type}");
        };
        let value_type = fields[0].data_type().clone();
        let ts_type = fields[4].data_type().clone();
        Ok(Box::new(SurviveAccumulator {
            name,
            pool: Pool::new(self.rule),
            options,
            value_type,
            ts_type,
            return_type,
        }))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let DataType::Struct(fields) = args.return_type() else {
            return plan_err!("{}: unexpected return type", self.name());
        };
        let value_type = fields[0].data_type().clone();
        let ts_type = fields[4].data_type().clone();
        let field = |suffix: &str, t: DataType| {
            Arc::new(Field::new(
                format!("{}_{suffix}", args.name),
                list_of(t),
                true,
            ))
        };
        Ok(vec![
            field("values", value_type),
            field("sources", DataType::Utf8),
            field("record_ids", DataType::Utf8),
            field("ts", ts_type),
            field("priorities", DataType::Int64),
            field("counts", DataType::Int64),
        ])
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(self.rule.documentation())
    }
}

#[derive(Debug, Clone)]
struct Options {
    keep_empty: bool,
    source_order: Vec<String>,
    /// Argument index of an integer priority column, which replaces the source order.
    priority_column: Option<usize>,
}

#[derive(Debug)]
struct SurviveAccumulator {
    name: &'static str,
    pool: Pool,
    options: Options,
    value_type: DataType,
    ts_type: DataType,
    return_type: DataType,
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

impl Accumulator for SurviveAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let name = self.name;
        let [value, source, record_id, ts, ..] = values else {
            return exec_err!("{name} expects at least 4 arguments");
        };
        let (source, record_id) = (strings(name, source)?, strings(name, record_id)?);
        let priorities = match self.options.priority_column {
            Some(i) => Some(cast(&values[i], &DataType::Int64)?),
            None => None,
        };
        let priorities = priorities.as_ref().map(|p| p.as_primitive::<Int64Type>());
        for row in 0..value.len() {
            let v = ScalarValue::try_from_array(value, row)?;
            if is_missing(&v, self.options.keep_empty) {
                continue;
            }
            let source = string_at(&source, row);
            let priority = match priorities {
                // A NULL priority ranks after every given one.
                Some(p) => {
                    if p.is_valid(row) {
                        p.value(row)
                    } else {
                        i64::MAX
                    }
                }
                None => source_rank(&self.options.source_order, source.as_deref()),
            };
            let candidate = Candidate {
                value: v,
                source,
                record_id: string_at(&record_id, row),
                ts: ScalarValue::try_from_array(ts, row)?,
                priority,
            };
            self.pool.add(candidate, 1);
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let name = self.name;
        let [values, sources, record_ids, ts, priorities, counts] = states else {
            return exec_err!("{name}: a state has 6 columns, got {}", states.len());
        };
        let lists =
            [values, sources, record_ids, ts, priorities, counts].map(|a| a.as_list_opt::<i32>());
        let [
            Some(values),
            Some(sources),
            Some(record_ids),
            Some(ts),
            Some(priorities),
            Some(counts),
        ] = lists
        else {
            return exec_err!("{name}: unexpected state types");
        };
        for row in 0..values.len() {
            if values.is_null(row) {
                continue;
            }
            let (v, s, r, t) = (
                values.value(row),
                sources.value(row),
                record_ids.value(row),
                ts.value(row),
            );
            let (p, c) = (priorities.value(row), counts.value(row));
            let (p, c) = (p.as_primitive::<Int64Type>(), c.as_primitive::<Int64Type>());
            for i in 0..v.len() {
                let candidate = Candidate {
                    value: ScalarValue::try_from_array(&v, i)?,
                    source: string_at(&s, i),
                    record_id: string_at(&r, i),
                    ts: ScalarValue::try_from_array(&t, i)?,
                    priority: p.value(i),
                };
                self.pool
                    .add(candidate, u64::try_from(c.value(i)).unwrap_or(0));
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let mut entries = self.pool.entries();
        // A stable order, so that states print and compare the same way every run.
        entries.sort_by(|(_, a), (_, b)| compare(Rule::MostRecent, a, b));
        let list = |items: Vec<ScalarValue>, t: &DataType| {
            ScalarValue::List(ScalarValue::new_list_nullable(&items, t))
        };
        let utf8 = |s: &Option<String>| ScalarValue::Utf8(s.clone());
        Ok(vec![
            list(
                entries.iter().map(|(_, c)| c.value.clone()).collect(),
                &self.value_type,
            ),
            list(
                entries.iter().map(|(_, c)| utf8(&c.source)).collect(),
                &DataType::Utf8,
            ),
            list(
                entries.iter().map(|(_, c)| utf8(&c.record_id)).collect(),
                &DataType::Utf8,
            ),
            list(
                entries.iter().map(|(_, c)| c.ts.clone()).collect(),
                &self.ts_type,
            ),
            list(
                entries
                    .iter()
                    .map(|(_, c)| ScalarValue::Int64(Some(c.priority)))
                    .collect(),
                &DataType::Int64,
            ),
            list(
                entries
                    .iter()
                    .map(|(n, _)| ScalarValue::Int64(Some(i64::try_from(*n).unwrap_or(i64::MAX))))
                    .collect(),
                &DataType::Int64,
            ),
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let Some(winner) = self.pool.winner() else {
            return ScalarValue::try_from(&self.return_type);
        };
        let DataType::Struct(fields) = &self.return_type else {
            return exec_err!("{}: unexpected return type", self.name);
        };
        let columns: Vec<ArrayRef> = vec![
            winner.value.to_array()?,
            ScalarValue::Utf8(winner.source.clone()).to_array()?,
            ScalarValue::Utf8(winner.record_id.clone()).to_array()?,
            ScalarValue::Utf8(Some(self.pool.rule.label().to_owned())).to_array()?,
            winner.ts.cast_to(&self.ts_type)?.to_array()?,
        ];
        Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
            fields.clone(),
            columns,
            None,
        )?)))
    }

    fn size(&self) -> usize {
        let candidate = |c: &Candidate| {
            size_of::<Candidate>()
                + c.value.size()
                + c.ts.size()
                + c.source.as_ref().map_or(0, String::len)
                + c.record_id.as_ref().map_or(0, String::len)
        };
        size_of::<Self>()
            + self
                .pool
                .entries()
                .iter()
                .map(|(_, c)| candidate(c))
                .sum::<usize>()
            + self
                .options
                .source_order
                .iter()
                .map(String::len)
                .sum::<usize>()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn candidate(value: &str, source: &str, record: &str, ts: Option<i64>) -> Candidate {
        let order = DEFAULT_SOURCE_PRIORITY.map(str::to_owned);
        Candidate {
            value: ScalarValue::Utf8(Some(value.to_owned())),
            source: Some(source.to_owned()),
            record_id: Some(record.to_owned()),
            ts: ScalarValue::TimestampMicrosecond(ts, None),
            priority: source_rank(&order, Some(source)),
        }
    }

    #[test]
    fn source_rank_ignores_case_and_ranks_unlisted_then_null_last() {
        let order = DEFAULT_SOURCE_PRIORITY.map(str::to_owned);
        assert_eq!(source_rank(&order, Some(" Cegid")), 0);
        assert_eq!(source_rank(&order, Some("web")), 2);
        assert_eq!(source_rank(&order, Some("crm")), 3);
        assert_eq!(source_rank(&order, None), 4);
    }

    #[test]
    fn blank_strings_are_missing_unless_kept() {
        let blank = ScalarValue::Utf8(Some("  ".into()));
        assert!(is_missing(&blank, false));
        assert!(!is_missing(&blank, true));
        assert!(is_missing(&ScalarValue::Utf8(None), true));
        assert!(!is_missing(&ScalarValue::Int64(Some(0)), false));
    }

    #[test]
    fn ties_go_to_the_newest_then_priority_then_record_id() {
        let a = candidate("x", "web", "web:2", Some(5));
        let b = candidate("y", "cegid", "cegid:9", Some(5));
        let c = candidate("z", "cegid", "cegid:1", Some(5));
        let d = candidate("w", "cegid", "cegid:0", None);
        let all = [a, b, d, c.clone()];
        assert_eq!(survive(Rule::MostRecent, &all), Some(&c));
    }

    #[test]
    fn the_pool_gives_the_same_winner_in_any_order() {
        let candidates = [
            candidate("Marie", "web", "w1", Some(3)),
            candidate("Marie", "shopify", "s1", Some(1)),
            candidate("Maria", "cegid", "c1", Some(2)),
            candidate("Maria", "web", "w2", Some(4)),
        ];
        for rule in [
            Rule::SourcePriority,
            Rule::MostRecent,
            Rule::MostFrequent,
            Rule::Longest,
            Rule::FirstNonNull,
        ] {
            let forward = survive(rule, &candidates).cloned();
            let mut reversed = candidates.to_vec();
            reversed.reverse();
            assert_eq!(survive(rule, &reversed).cloned(), forward, "{rule:?}");
        }
    }
}
