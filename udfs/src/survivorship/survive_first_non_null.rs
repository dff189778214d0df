//! `survive_first_non_null(value, source, record_id, ts[, priority][, keep_empty])`: survivorship first non-null.

use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::candidate::{Candidate, Rule, survive};
use super::function::SurviveFunc;
use super::{argument_docs, with_argument_docs};
use crate::common::DOC_SECTION_SURVIVORSHIP;

/// The survivor among `candidates` (missing values already left out), first non-null.
pub fn survive_first_non_null(candidates: &[Candidate]) -> Option<&Candidate> {
    survive(Rule::FirstNonNull, candidates)
}

/// The `survive_first_non_null` aggregate.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SurviveFunc::new(Rule::FirstNonNull))
}

pub(super) static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    let builder = Documentation::builder(
        DOC_SECTION_SURVIVORSHIP,
        "Aggregate: the first value recorded, the one of the record with the earliest `ts` \
         (NULL counts as latest), with its provenance `{value, source, record_id, rule: \
         'first_non_null', ts}`: for values that should not change once known, such as a \
         creation date or a first store. NULL values, and unless `keep_empty` empty or \
         whitespace-only strings, are not candidates. Ties: the higher source priority, then \
         the smallest `record_id`, then the smallest value.",
        "survive_first_non_null(value, source, record_id, ts[, priority][, keep_empty])",
    )
    .with_sql_example(
        r#"```sql
> select s['value'] as value, s['record_id'] as record_id, s['rule'] as rule
  from (select survive_first_non_null(store, source, record_id, created_at) as s
  from (values (NULL, 'cegid', 'cegid:1', timestamp '2019-01-01'), ('S042', 'cegid', 'cegid:7', timestamp '2020-03-01'),
  ('S001', 'web', 'web:1', timestamp '2024-05-01')) t(store, source, record_id, created_at));
+-------+-----------+----------------+
| value | record_id | rule           |
+-------+-----------+----------------+
| S042  | cegid:7   | first_non_null |
+-------+-----------+----------------+
```"#,
    );
    with_argument_docs(builder, &argument_docs())
        .with_related_udf("survive_by_priority")
        .with_related_udf("survive_most_recent")
        .build()
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survivorship::candidate::tests::candidate;

    #[test]
    fn the_earliest_wins_and_null_times_are_latest() {
        let all = [
            candidate("a", "cegid", "c1", None),
            candidate("b", "web", "w1", Some(2)),
            candidate("c", "shopify", "s1", Some(3)),
        ];
        assert_eq!(
            survive_first_non_null(&all).map(|c| c.record_id.as_deref()),
            Some(Some("w1"))
        );
    }
}
