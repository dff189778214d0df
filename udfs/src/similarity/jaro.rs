//! `jaro(a, b)`: the Jaro similarity (DuckDB's `jaro_similarity`).

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::scratch::{PatternTable, Scratch, Symbol, exceeds_chars, with_symbols};
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// The Jaro similarity of `a` and `b`, in [0, 1], over Unicode characters.
///
/// Two characters match when they are equal and at most `max(|a|, |b|) / 2 - 1` positions
/// apart (integer division, at least 0), each character matching at most once, scanning `b`
/// left to right and taking the leftmost free match in `a`. With `m` matches and `t` the
/// number of matched characters that are out of order, halved and rounded down:
/// `jaro = (m/|a| + m/|b| + (m - t)/m) / 3`, and 0 when `m = 0`. Empty strings give 0, as
/// in DuckDB and Snowflake. `None` when a string is longer than [`MAX_CHARS`] characters.
pub fn jaro(a: &str, b: &str) -> Option<f64> {
    jaro_with(&mut Scratch::new(), a, b)
}

/// [`jaro`] with caller-owned buffers.
pub fn jaro_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    if a == b {
        return Some(if a.is_empty() { 0.0 } else { 1.0 });
    }
    let Scratch {
        encoder,
        pattern,
        words_a,
        words_b,
        ..
    } = scratch;
    Some(with_symbols!(encoder, a, b, |x, y, k| {
        jaro_symbols(x, y, k, pattern, words_a, words_b)
    }))
}

/// Jaro over symbol sequences, bit-parallel: the positions of each symbol of `p` are bit
/// masks, so finding the leftmost free match of a character of `t` inside its window is a few
/// word operations (the approach of rapidfuzz and DuckDB). O(n · ⌈window/64⌉).
pub(crate) fn jaro_symbols<S: Symbol>(
    p: &[S],
    t: &[S],
    alphabet: usize,
    table: &mut PatternTable,
    p_flags: &mut Vec<u64>,
    t_flags: &mut Vec<u64>,
) -> f64 {
    let (p_len, t_len) = (p.len(), t.len());
    if p_len == 0 || t_len == 0 {
        return 0.0;
    }
    let window = (p_len.max(t_len) / 2).saturating_sub(1);
    // Characters farther than the window from the end of the other string never match.
    let p = &p[..p_len.min(t_len + window)];
    let t = &t[..t_len.min(p_len + window)];
    // A common prefix matches itself, in order: no need to search it.
    let prefix = p.iter().zip(t).take_while(|(x, y)| x == y).count();
    let (p, t) = (&p[prefix..], &t[prefix..]);
    let (mut matches, mut transposed) = (prefix, 0);
    if !p.is_empty() && !t.is_empty() {
        (matches, transposed) = table.with_pattern(p, alphabet, |pm| {
            if p.len() <= 64 && t.len() <= 64 {
                let (found, transposed) = jaro_word(pm, p, t, window);
                return (prefix + found, transposed);
            }
            let found = flag_matches(pm, p.len(), t, window, p_flags, t_flags);
            (prefix + found, count_transposed(p, t, p_flags, t_flags))
        });
    }
    if matches == 0 {
        return 0.0;
    }
    let m = matches as f64;
    let t = (transposed / 2) as f64;
    (m / p_len as f64 + m / t_len as f64 + (m - t) / m) / 3.0
}

/// Matches and out-of-order matches when both strings fit one machine word (names do): the
/// window is a mask that slides along `p` as `t` is scanned, and the flags are two words.
fn jaro_word<S: Symbol>(pm: &PatternTable, p: &[S], t: &[S], window: usize) -> (usize, usize) {
    // Positions 0..=window of `p` for the first character of `t`.
    let mut bound = if window >= 63 {
        !0u64
    } else {
        (1u64 << (window + 1)) - 1
    };
    let (mut p_flags, mut t_flags) = (0u64, 0u64);
    for (j, &c) in t.iter().enumerate() {
        let candidates = pm.get(c, 0) & bound & !p_flags;
        p_flags |= candidates & candidates.wrapping_neg();
        t_flags |= u64::from(candidates != 0) << j;
        bound = if j < window {
            (bound << 1) | 1
        } else {
            bound << 1
        };
    }
    let matches = p_flags.count_ones() as usize;
    let mut transposed = 0;
    while t_flags != 0 {
        let (i, j) = (p_flags.trailing_zeros(), t_flags.trailing_zeros());
        transposed += usize::from(p[i as usize] != t[j as usize]);
        p_flags &= p_flags - 1;
        t_flags &= t_flags - 1;
    }
    (matches, transposed)
}

/// Flags the matched positions of `p` and `t`; returns the number of matches.
fn flag_matches<S: Symbol>(
    pm: &PatternTable,
    p_len: usize,
    t: &[S],
    window: usize,
    p_flags: &mut Vec<u64>,
    t_flags: &mut Vec<u64>,
) -> usize {
    p_flags.clear();
    p_flags.resize(pm.words(), 0);
    t_flags.clear();
    t_flags.resize(t.len().div_ceil(64), 0);
    let mut matches = 0;
    for (j, &c) in t.iter().enumerate() {
        let lo = j.saturating_sub(window);
        let hi = (j + window).min(p_len - 1);
        if lo > hi {
            break;
        }
        let (first, last) = (lo / 64, hi / 64);
        for (w, flags) in p_flags.iter_mut().enumerate().take(last + 1).skip(first) {
            let mut candidates = pm.get(c, w) & !*flags;
            if w == first {
                candidates &= !0u64 << (lo % 64);
            }
            if w == last {
                candidates &= !0u64 >> (63 - hi % 64);
            }
            if candidates != 0 {
                *flags |= candidates & candidates.wrapping_neg();
                t_flags[j / 64] |= 1 << (j % 64);
                matches += 1;
                break;
            }
        }
    }
    matches
}

/// Walks the matched characters of `p` and `t` in order and counts the pairs that differ.
fn count_transposed<S: Symbol>(p: &[S], t: &[S], p_flags: &[u64], t_flags: &[u64]) -> usize {
    let mut transposed = 0;
    let mut p_words = p_flags.iter().enumerate();
    let (mut p_word, mut p_bits) = (0, 0u64);
    for (t_word, &bits) in t_flags.iter().enumerate() {
        let mut t_bits = bits;
        while t_bits != 0 {
            while p_bits == 0 {
                match p_words.next() {
                    Some((w, &b)) => (p_word, p_bits) = (w, b),
                    // Both sides have as many flags: unreachable, but never loop or panic.
                    None => return transposed,
                }
            }
            let j = t_word * 64 + t_bits.trailing_zeros() as usize;
            let i = p_word * 64 + p_bits.trailing_zeros() as usize;
            transposed += usize::from(p[i] != t[j]);
            t_bits &= t_bits - 1;
            p_bits &= p_bits - 1;
        }
    }
    transposed
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Jaro similarity of two strings, between 0 and 1 (1 for identical \
         non-empty strings): `(m/|s1| + m/|s2| + (m - t)/m) / 3` with `m` the characters that \
         match within `max(|s1|, |s2|)/2 - 1` positions and `t` half the matched characters out \
         of order; 0 when nothing matches or a string is empty. Unicode characters, \
         case-sensitive. NULL for strings longer than 16384 characters.",
        "jaro(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select jaro('MARTHA', 'MARHTA');
+-------------------------------------+
| jaro(Utf8("MARTHA"),Utf8("MARHTA")) |
+-------------------------------------+
| 0.9444444444444445                  |
+-------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("jaro_winkler")
    .build()
});

/// The `jaro` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JaroFunc {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for JaroFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl JaroFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
            aliases: vec!["jaro_similarity".to_owned()],
        }
    }
}

impl ScalarUDFImpl for JaroFunc {
    fn name(&self) -> &str {
        "jaro"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut scratch = Scratch::new();
        map_strings_to_f64(self.name(), &args.args, args.number_rows, |v| {
            jaro_with(&mut scratch, v[0], v[1])
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < 5e-4)
    }

    #[test]
    fn published_reference_values() {
        // Winkler (1990), Table 1 (also Wikipedia, "Jaro–Winkler distance").
        assert!(close(jaro("MARTHA", "MARHTA"), 0.944));
        assert!(close(jaro("DWAYNE", "DUANE"), 0.822));
        assert!(close(jaro("DIXON", "DICKSONX"), 0.767));
        // Exact fractions: MARTHA/MARHTA has m = 6, t = 1.
        assert_eq!(
            jaro("MARTHA", "MARHTA"),
            Some((1.0 + 1.0 + 5.0 / 6.0) / 3.0)
        );
    }

    #[test]
    fn edge_cases() {
        assert_eq!(jaro("", ""), Some(0.0));
        assert_eq!(jaro("", "abc"), Some(0.0));
        assert_eq!(jaro("a", "a"), Some(1.0));
        assert_eq!(jaro("a", "b"), Some(0.0));
        assert_eq!(jaro("abc", "abc"), Some(1.0));
        assert_eq!(jaro("ab", "ba"), Some(0.0));
        // Characters: "é" is one character matching itself.
        assert_eq!(jaro("héllo", "hallo"), jaro("hèllo", "hallo"));
        assert!(close(jaro("héllo", "hello"), (0.8 + 0.8 + 1.0) / 3.0));
        assert!(close(jaro("東京都", "東京"), (2.0 / 3.0 + 1.0 + 1.0) / 3.0));
        // Window 0 for three characters: shifted characters do not match.
        assert_eq!(jaro("東京都", "京都"), Some(0.0));
    }

    #[test]
    fn long_strings_use_several_words() {
        let a: String = (0..500).map(|i| (b'a' + (i % 26) as u8) as char).collect();
        let b: String = a.chars().rev().collect();
        let s = jaro(&a, &b).unwrap_or(-1.0);
        assert!((0.0..=1.0).contains(&s), "{s}");
        assert_eq!(jaro(&a, &a), Some(1.0));
        assert_eq!(jaro(&"x".repeat(MAX_CHARS + 1), "x"), None);
    }
}
