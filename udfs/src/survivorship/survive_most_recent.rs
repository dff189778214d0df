//! `survive_most_recent(value, source, record_id, ts[, priority][, keep_empty])`: survivorship most recent.

use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::candidate::{Candidate, Rule, survive};
use super::function::SurviveFunc;
use super::{argument_docs, with_argument_docs};
use crate::common::DOC_SECTION_SURVIVORSHIP;

/// The survivor among `candidates` (missing values already left out), most recent.
pub fn survive_most_recent(candidates: &[Candidate]) -> Option<&Candidate> {
    survive(Rule::MostRecent, candidates)
}

/// The `survive_most_recent` aggregate.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SurviveFunc::new(Rule::MostRecent))
}

pub(super) static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    let builder = Documentation::builder(
        DOC_SECTION_SURVIVORSHIP,
        "Aggregate: the value of the most recently updated record (largest `ts`; NULL counts \
         as oldest), with its provenance `{value, source, record_id, rule: 'most_recent', ts}`. \
         NULL values, and unless `keep_empty` empty or whitespace-only strings, are not \
         candidates. Ties: the higher source priority (`priority` as in \
         `survive_by_priority`, default cegid > shopify > web), then the smallest `record_id`, \
         then the smallest value.",
        "survive_most_recent(value, source, record_id, ts[, priority][, keep_empty])",
    )
    .with_sql_example(
        r#"```sql
> select s['value'] as value, s['record_id'] as record_id, s['rule'] as rule
  from (select survive_most_recent(email, source, record_id, updated_at) as s
  from (values ('marie@old.fr', 'cegid', 'cegid:7', timestamp '2023-01-01'), ('marie@new.fr', 'web', 'web:1', timestamp '2024-05-01'),
  ('', 'shopify', 'shopify:3', timestamp '2024-06-01')) t(email, source, record_id, updated_at));
+--------------+-----------+-------------+
| value        | record_id | rule        |
+--------------+-----------+-------------+
| marie@new.fr | web:1     | most_recent |
+--------------+-----------+-------------+
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
    fn the_newest_wins_and_null_times_are_oldest() {
        let all = [
            candidate("a", "cegid", "c1", None),
            candidate("b", "web", "w1", Some(2)),
            candidate("c", "shopify", "s1", Some(1)),
        ];
        assert_eq!(
            survive_most_recent(&all).map(|c| c.record_id.as_deref()),
            Some(Some("w1"))
        );
    }
}
