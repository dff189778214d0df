//! `consent_merge(status, source, event_ts)`: one consent state from the consent events of
//! merged records, for one customer and channel.
//!
//! First the latest event of each source (a source's latest choice replaces its earlier
//! ones), then the most restrictive across sources: an opt-out anywhere beats an opt-in
//! elsewhere, because contacting someone who opted out is the costly mistake.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, TimeUnit};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDFImpl, Documentation, GroupsAccumulator, Signature, Volatility,
};

use super::accumulator::{ConsentMergeAccumulator, ConsentMergeGroupsAccumulator, Types};

use crate::aggregate::{is_string_like, is_time_like, without_dictionary};
use crate::common::DOC_SECTION_CONSENT;

pub const NAME: &str = "consent_merge";

/// Statuses from most to least restrictive; any other value ranks between pending and
/// opt-in: not knowing what a person chose is no permission to contact them.
pub const OPT_OUT: &str = "opt_out";
pub const PENDING: &str = "pending_double_opt_in";
pub const OPT_IN: &str = "opt_in";

/// `status` trimmed, lowercased, with `-` and spaces as `_` (`Opt-Out` is `opt_out`).
pub fn normalize_status(status: &str) -> String {
    status
        .trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Rank of a normalized status, 0 the most restrictive.
pub fn restriction_rank(status: &str) -> u8 {
    match status {
        OPT_OUT => 0,
        PENDING => 1,
        OPT_IN => 3,
        _ => 2,
    }
}

/// One consent event.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentEvent {
    /// Normalized (see [`normalize_status`]).
    pub status: String,
    pub source: Option<String>,
    /// NULL counts as older than any time.
    pub ts: ScalarValue,
}

/// The merged consent state.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedConsent {
    /// The deciding event.
    pub event: ConsentEvent,
    /// Every source that had an event, sorted (NULL last).
    pub sources_considered: Vec<Option<String>>,
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

/// Within one source: the latest event; at the same time, the most restrictive.
fn latest_first(a: &ConsentEvent, b: &ConsentEvent) -> Ordering {
    newest_first(&a.ts, &b.ts)
        .then(restriction_rank(&a.status).cmp(&restriction_rank(&b.status)))
        .then_with(|| a.status.cmp(&b.status))
}

/// Across sources: the most restrictive; then the latest, then the first source by name.
fn most_restrictive_first(a: &ConsentEvent, b: &ConsentEvent) -> Ordering {
    restriction_rank(&a.status)
        .cmp(&restriction_rank(&b.status))
        .then_with(|| newest_first(&a.ts, &b.ts))
        .then_with(|| match (&a.source, &b.source) {
            (Some(x), Some(y)) => x.cmp(y),
            (x, y) => x.is_none().cmp(&y.is_none()),
        })
        .then_with(|| a.status.cmp(&b.status))
}

/// The latest event of each source.
#[derive(Debug, Clone, Default)]
pub(super) struct LatestBySource {
    pub(super) events: BTreeMap<Option<String>, ConsentEvent>,
}

impl LatestBySource {
    pub(super) fn add(&mut self, event: ConsentEvent) {
        match self.events.get_mut(&event.source) {
            Some(kept) => {
                if latest_first(&event, kept).is_lt() {
                    *kept = event;
                }
            }
            None => {
                self.events.insert(event.source.clone(), event);
            }
        }
    }

    pub(super) fn merged(&self) -> Option<MergedConsent> {
        let event = self
            .events
            .values()
            .min_by(|a, b| most_restrictive_first(a, b))?
            .clone();
        let mut sources_considered: Vec<Option<String>> = self.events.keys().cloned().collect();
        // BTreeMap puts None first; NULL reads better last.
        sources_considered.sort_by(|a, b| match (a, b) {
            (Some(x), Some(y)) => x.cmp(y),
            (x, y) => x.is_none().cmp(&y.is_none()),
        });
        Some(MergedConsent {
            event,
            sources_considered,
        })
    }
}

/// Merges `events` (of one customer and channel): the latest per source, then the most
/// restrictive across sources. `None` without events.
pub fn consent_merge(events: &[ConsentEvent]) -> Option<MergedConsent> {
    let mut latest = LatestBySource::default();
    for e in events {
        latest.add(e.clone());
    }
    latest.merged()
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_CONSENT,
        "Aggregate: merges the consent events of one customer's records for one channel (group \
         by customer and channel, and purpose if needed). Keeps each source's latest event \
         (at the same time, its most restrictive), then the most restrictive status across \
         sources: `opt_out` beats `pending_double_opt_in`, which beats any other status, which \
         beats `opt_in`. Statuses are compared trimmed, lowercased, with `-` and spaces read \
         as `_`. Ties across sources: the latest event, then the first source by name. NULL \
         statuses are ignored; a NULL `event_ts` counts as oldest. Returns `{status, source, \
         ts, sources_considered}`: the deciding event's normalized status, source and time, \
         and the sorted sources that had an event; NULL when there is no event.",
        "consent_merge(status, source, event_ts)",
    )
    .with_sql_example(
        r#"```sql
> select c['status'] as status, c['source'] as source, c['sources_considered'] as sources
  from (select consent_merge(status, source, ts) as c
  from (values ('opt_out', 'web', timestamp '2023-01-01'), ('opt_in', 'web', timestamp '2024-03-01'),
  ('opt_out', 'shopify', timestamp '2022-05-01'), ('opt_in', 'cegid', timestamp '2024-06-01')) t(status, source, ts));
+---------+---------+----------------------+
| status  | source  | sources              |
+---------+---------+----------------------+
| opt_out | shopify | [cegid, shopify, web] |
+---------+---------+----------------------+
```"#,
    )
    .with_argument(
        "status",
        "Status after the event: `opt_in`, `opt_out`, `pending_double_opt_in` (string).",
    )
    .with_argument("source", "Source system of the event (string).")
    .with_argument("event_ts", "When the choice was made (timestamp or date).")
    .with_related_udf("survive_most_recent")
    .build()
});

/// The `consent_merge` aggregate.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ConsentMergeFunc {
    signature: Signature,
}

impl Default for ConsentMergeFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl ConsentMergeFunc {
    pub fn new() -> Self {
        Self {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

pub(super) fn result_fields(ts_type: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("status", DataType::Utf8, true),
        Field::new("source", DataType::Utf8, true),
        Field::new("ts", ts_type.clone(), true),
        Field::new(
            "sources_considered",
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            true,
        ),
    ])
}

fn list_of(t: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(t, true)))
}

impl AggregateUDFImpl for ConsentMergeFunc {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        let [status, source, ts] = arg_types else {
            return plan_err!(
                "{NAME} expects (status, source, event_ts), got {} argument(s)",
                arg_types.len()
            );
        };
        if !is_string_like(status) {
            return plan_err!("{NAME}: status must be a string, got {status}");
        }
        if !is_string_like(source) {
            return plan_err!("{NAME}: source must be a string, got {source}");
        }
        let ts = match without_dictionary(ts) {
            DataType::Null => DataType::Timestamp(TimeUnit::Microsecond, None),
            t if is_time_like(&t) => t,
            t => return plan_err!("{NAME}: event_ts must be a timestamp or a date, got {t}"),
        };
        Ok(vec![DataType::Utf8, DataType::Utf8, ts])
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let Some(ts) = arg_types.get(2) else {
            return plan_err!("{NAME} expects (status, source, event_ts)");
        };
        Ok(DataType::Struct(result_fields(ts)))
    }

    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(ConsentMergeAccumulator::new(Types::of(&args)?)))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(ConsentMergeGroupsAccumulator::new(Types::of(
            &args,
        )?)))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let DataType::Struct(fields) = args.return_type() else {
            return plan_err!("{NAME}: unexpected return type");
        };
        let ts_type = fields[2].data_type().clone();
        let field = |suffix: &str, t: DataType| {
            Arc::new(Field::new(
                format!("{}_{suffix}", args.name),
                list_of(t),
                true,
            ))
        };
        Ok(vec![
            field("statuses", DataType::Utf8),
            field("sources", DataType::Utf8),
            field("ts", ts_type),
        ])
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(status: &str, source: Option<&str>, ts: Option<i64>) -> ConsentEvent {
        ConsentEvent {
            status: normalize_status(status),
            source: source.map(str::to_owned),
            ts: ScalarValue::TimestampMicrosecond(ts, None),
        }
    }

    #[test]
    fn a_source_s_latest_choice_replaces_its_earlier_ones() {
        let merged = consent_merge(&[
            event("opt_out", Some("web"), Some(1)),
            event("opt_in", Some("web"), Some(2)),
        ]);
        assert_eq!(merged.map(|m| m.event.status), Some("opt_in".to_owned()));
    }

    #[test]
    fn an_opt_out_anywhere_beats_opt_ins_elsewhere() {
        let merged = consent_merge(&[
            event("opt_in", Some("cegid"), Some(9)),
            event("Opt-Out", Some("shopify"), Some(1)),
            event("pending_double_opt_in", Some("web"), Some(5)),
        ]);
        let Some(merged) = merged else {
            panic!("no result")
        };
        assert_eq!(merged.event.status, "opt_out");
        assert_eq!(merged.event.source.as_deref(), Some("shopify"));
        assert_eq!(merged.sources_considered.len(), 3);
    }

    #[test]
    fn pending_beats_unknown_beats_opt_in() {
        let pending = consent_merge(&[
            event("opt_in", Some("a"), Some(1)),
            event("pending_double_opt_in", Some("b"), Some(1)),
        ]);
        assert_eq!(pending.map(|m| m.event.status), Some(PENDING.to_owned()));
        let unknown = consent_merge(&[
            event("opt_in", Some("a"), Some(1)),
            event("unsubscribed", Some("b"), Some(1)),
        ]);
        assert_eq!(
            unknown.map(|m| m.event.status),
            Some("unsubscribed".to_owned())
        );
    }

    #[test]
    fn ties_are_deterministic() {
        // Same source, same time: the more restrictive.
        let same_time = [
            event("opt_in", Some("web"), Some(3)),
            event("opt_out", Some("web"), Some(3)),
        ];
        let mut reversed = same_time.to_vec();
        reversed.reverse();
        assert_eq!(
            consent_merge(&same_time).map(|m| m.event.status),
            Some("opt_out".to_owned())
        );
        assert_eq!(consent_merge(&same_time), consent_merge(&reversed));
        // Across sources, same status: the latest, then the first source by name.
        let merged = consent_merge(&[
            event("opt_in", Some("web"), Some(3)),
            event("opt_in", Some("cegid"), Some(3)),
            event("opt_in", None, None),
        ]);
        let Some(merged) = merged else {
            panic!("no result")
        };
        assert_eq!(merged.event.source.as_deref(), Some("cegid"));
        assert_eq!(
            merged.sources_considered,
            vec![Some("cegid".to_owned()), Some("web".to_owned()), None]
        );
        assert_eq!(consent_merge(&[]), None);
    }
}
