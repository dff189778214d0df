//! `survive_longest(value, source, record_id, ts[, priority][, keep_empty])`: survivorship longest.

use std::sync::LazyLock;

use datafusion::logical_expr::{AggregateUDF, Documentation};

use super::candidate::{Candidate, Rule, survive};
use super::function::SurviveFunc;
use super::{argument_docs, with_argument_docs};
use crate::common::DOC_SECTION_SURVIVORSHIP;

/// The survivor among `candidates` (missing values already left out), longest.
pub fn survive_longest(candidates: &[Candidate]) -> Option<&Candidate> {
    survive(Rule::Longest, candidates)
}

/// The `survive_longest` aggregate.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(SurviveFunc::new(Rule::Longest))
}

pub(super) static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    let builder = Documentation::builder(
        DOC_SECTION_SURVIVORSHIP,
        "Aggregate: the longest string (in characters, surrounding spaces ignored), the most \
         complete form of a value (`Marie-Anne` over `M.`), with its provenance `{value, \
         source, record_id, rule: 'longest', ts}`. The value must be a string. NULL values, \
         and unless `keep_empty` empty or whitespace-only strings, are not candidates. Ties: \
         the most recent `ts`, then the higher source priority, then the smallest `record_id`, \
         then the smallest value.",
        "survive_longest(value, source, record_id, ts[, priority][, keep_empty])",
    )
    .with_sql_example(
        r#"```sql
> select s['value'] as value, s['source'] as source, s['rule'] as rule
  from (select survive_longest(address, source, record_id, updated_at) as s
  from (values ('12 rue de la Paix', 'web', 'web:1', timestamp '2024-05-01'), ('12 rue de la Paix, Bât. B', 'cegid', 'cegid:7', timestamp '2023-01-01'))
  t(address, source, record_id, updated_at));
+---------------------------+--------+---------+
| value                     | source | rule    |
+---------------------------+--------+---------+
| 12 rue de la Paix, Bât. B | cegid  | longest |
+---------------------------+--------+---------+
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
    fn the_longest_in_characters_wins() {
        let all = [
            candidate("Hélène", "web", "w1", Some(1)),
            candidate("Helene ", "cegid", "c1", Some(9)),
            candidate("Hélène-Marie", "shopify", "s1", Some(3)),
        ];
        assert_eq!(
            survive_longest(&all).map(|c| c.record_id.as_deref()),
            Some(Some("s1"))
        );
        // Same length: the most recent.
        assert_eq!(
            survive_longest(&all[..2]).map(|c| c.record_id.as_deref()),
            Some(Some("c1"))
        );
    }
}
