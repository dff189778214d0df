//! What every survivorship rule shares: the candidates (a value with its provenance) and the
//! order that decides between them.
//!
//! Ties are broken the same way by every rule, after the rule's own key: the most recent `ts`
//! (a NULL `ts` counts as oldest), then the higher source priority, then the smallest
//! `record_id`, then the smallest value. So a survivor never depends on row order or
//! partitioning.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::mem::size_of;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::Documentation;

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

    pub(super) fn documentation(self) -> &'static Documentation {
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
pub(super) struct Pool {
    pub(super) rule: Rule,
    best: Option<Candidate>,
    by_value: HashMap<ScalarValue, (u64, Candidate)>,
}

impl Pool {
    pub(super) fn new(rule: Rule) -> Self {
        Self {
            rule,
            best: None,
            by_value: HashMap::new(),
        }
    }

    pub(super) fn add(&mut self, candidate: Candidate, count: u64) {
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
    pub(super) fn entries(&self) -> Vec<(u64, &Candidate)> {
        match self.rule {
            Rule::MostFrequent => self.by_value.values().map(|(n, c)| (*n, c)).collect(),
            _ => self.best.iter().map(|c| (1, c)).collect(),
        }
    }

    /// Bytes held, for the accumulators' `size()`.
    pub(super) fn size(&self) -> usize {
        let candidate = |c: &Candidate| {
            size_of::<Candidate>()
                + c.value.size()
                + c.ts.size()
                + c.source.as_ref().map_or(0, String::len)
                + c.record_id.as_ref().map_or(0, String::len)
        };
        size_of::<Self>()
            + self
                .by_value
                .values()
                .map(|(_, c)| candidate(c) + c.value.size() + size_of::<u64>())
                .sum::<usize>()
            + self.best.as_ref().map_or(0, candidate)
    }

    pub(super) fn winner(&self) -> Option<&Candidate> {
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
