//! `survive_by_priority(value, source, record_id, ts[, priority][, keep_empty])`: survivorship by source priority.

use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::candidate::{Candidate, Rule, survive};
use super::function::SurviveFunc;
use super::{argument_docs, with_argument_docs};
use crate::common::DOC_SECTION_SURVIVORSHIP;

/// The survivor among `candidates` (missing values already left out), by source priority.
pub fn survive_by_priority(candidates: &[Candidate]) -> Option<&Candidate> {
    survive(Rule::SourcePriority, candidates)
}

/// The `survive_by_priority` aggregate.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SurviveFunc::new(Rule::SourcePriority))
}

pub(super) static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    let builder = Documentation::builder(
        DOC_SECTION_SURVIVORSHIP,
        "Aggregate: the value of the source that ranks first, with its provenance \
         `{value, source, record_id, rule: 'source_priority', ts}`. Sources rank in the order \
         of the `priority` array (compared ignoring case; unlisted sources after listed ones, \
         NULL sources last), by default `['cegid', 'shopify', 'web']`; or `priority` is an \
         integer column, lower wins. NULL values, and unless `keep_empty` empty or \
         whitespace-only strings, are not candidates. Ties: the most recent `ts` (NULL counts \
         as oldest), then the smallest `record_id`, then the smallest value. NULL when no \
         record has a value.",
        "survive_by_priority(value, source, record_id, ts[, priority][, keep_empty])",
    )
    .with_sql_example(
        r#"```sql
> select s['value'] as value, s['source'] as source, s['record_id'] as record_id, s['rule'] as rule
  from (select survive_by_priority(first_name, source, record_id, updated_at) as s
  from (values ('Marie', 'web', 'web:1', timestamp '2024-05-01'), ('Marie-Anne', 'cegid', 'cegid:7', timestamp '2023-01-01'),
  ('  ', 'cegid', 'cegid:8', timestamp '2024-06-01')) t(first_name, source, record_id, updated_at));
+------------+--------+-----------+-----------------+
| value      | source | record_id | rule            |
+------------+--------+-----------+-----------------+
| Marie-Anne | cegid  | cegid:7   | source_priority |
+------------+--------+-----------+-----------------+
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
    fn the_first_source_wins_whatever_its_age() {
        let all = [
            candidate("Marie", "web", "w1", Some(9)),
            candidate("Marie-Anne", "cegid", "c1", Some(1)),
            candidate("Mary", "shopify", "s1", Some(5)),
        ];
        assert_eq!(
            survive_by_priority(&all).map(|c| c.record_id.as_deref()),
            Some(Some("c1"))
        );
        assert_eq!(survive_by_priority(&[]), None);
    }
}
