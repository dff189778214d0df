//! `survive_most_frequent(value, source, record_id, ts[, priority][, keep_empty])`: survivorship most frequent.

use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::candidate::{Candidate, Rule, survive};
use super::function::SurviveFunc;
use super::{argument_docs, with_argument_docs};
use crate::common::DOC_SECTION_SURVIVORSHIP;

/// The survivor among `candidates` (missing values already left out), most frequent.
pub fn survive_most_frequent(candidates: &[Candidate]) -> Option<&Candidate> {
    survive(Rule::MostFrequent, candidates)
}

/// The `survive_most_frequent` aggregate.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SurviveFunc::new(Rule::MostFrequent))
}

pub(super) static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    let builder = Documentation::builder(
        DOC_SECTION_SURVIVORSHIP,
        "Aggregate: the value most records hold, with the provenance of the most recent record \
         holding it: `{value, source, record_id, rule: 'most_frequent', ts}`. Values are \
         compared exactly (normalize them first). NULL values, and unless `keep_empty` empty \
         or whitespace-only strings, are not candidates. Ties between values: the value whose \
         most recent record is the most recent, then the higher source priority, then the \
         smallest `record_id`, then the smallest value.",
        "survive_most_frequent(value, source, record_id, ts[, priority][, keep_empty])",
    )
    .with_sql_example(
        r#"```sql
> select s['value'] as value, s['record_id'] as record_id, s['rule'] as rule
  from (select survive_most_frequent(city, source, record_id, updated_at) as s
  from (values ('Lyon', 'cegid', 'cegid:7', timestamp '2023-01-01'), ('Paris', 'web', 'web:1', timestamp '2024-05-01'),
  ('Lyon', 'shopify', 'shopify:3', timestamp '2022-06-01')) t(city, source, record_id, updated_at));
+-------+-----------+---------------+
| value | record_id | rule          |
+-------+-----------+---------------+
| Lyon  | cegid:7   | most_frequent |
+-------+-----------+---------------+
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
    fn the_commonest_value_wins_with_its_newest_record() {
        let all = [
            candidate("Lyon", "web", "w1", Some(1)),
            candidate("Paris", "cegid", "c1", Some(9)),
            candidate("Lyon", "shopify", "s1", Some(3)),
        ];
        assert_eq!(
            survive_most_frequent(&all).map(|c| c.record_id.as_deref()),
            Some(Some("s1"))
        );
        // One each: the most recent value.
        assert_eq!(
            survive_most_frequent(&all[..2]).map(|c| c.record_id.as_deref()),
            Some(Some("c1"))
        );
    }
}
