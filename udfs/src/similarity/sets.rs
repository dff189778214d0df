//! Strings as sets of pieces (character n-grams or whitespace-separated tokens), held as
//! byte ranges into the string so that building the sets allocates nothing per row.

use std::cmp::Ordering;

/// Is `c` a token separator? Unicode White_Space plus the ASCII information separators
/// U+001C..U+001F, which is what Python's `str.split()` (and so rapidfuzz) splits on.
#[inline]
pub(crate) fn is_separator(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Byte ranges of the whitespace-separated tokens of `s`, in order.
pub(crate) fn tokens(s: &str, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (is_separator(c), start) {
            (true, Some(st)) => {
                out.push((st, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(st) = start {
        out.push((st, s.len()));
    }
}

/// Byte ranges of the character `n`-grams of `s` (`n` ≥ 1), in order. A non-empty string
/// shorter than `n` characters is its own single gram; the empty string has none.
pub(crate) fn ngrams(s: &str, n: usize, out: &mut Vec<(usize, usize)>) {
    out.clear();
    if s.is_ascii() {
        if !s.is_empty() {
            let grams = s.len().saturating_sub(n) + 1;
            out.extend((0..grams).map(|i| (i, (i + n).min(s.len()))));
        }
        return;
    }
    // `ends` runs n characters ahead; when it runs out, the last gram reaches the end.
    let mut ends = s.char_indices().map(|(i, _)| i).skip(n);
    for (start, _) in s.char_indices() {
        match ends.next() {
            Some(end) => out.push((start, end)),
            None => {
                out.push((start, s.len()));
                break;
            }
        }
    }
}

/// Sorts `ranges` by the text they cover and drops repeated texts: the set of pieces.
pub(crate) fn sort_dedup(s: &str, ranges: &mut Vec<(usize, usize)>) {
    ranges.sort_unstable_by(|x, y| s[x.0..x.1].cmp(&s[y.0..y.1]));
    ranges.dedup_by(|x, y| s[x.0..x.1] == s[y.0..y.1]);
}

/// Number of pieces common to two sets built by [`sort_dedup`].
pub(crate) fn count_common(
    a: &str,
    a_set: &[(usize, usize)],
    b: &str,
    b_set: &[(usize, usize)],
) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a_set.len() && j < b_set.len() {
        let (x, y) = (&a[a_set[i].0..a_set[i].1], &b[b_set[j].0..b_set[j].1]);
        match x.cmp(y) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// `|A ∩ B| / |A ∪ B|`, 0 when either set is empty.
pub(crate) fn jaccard_index(a_len: usize, b_len: usize, common: usize) -> f64 {
    if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    common as f64 / (a_len + b_len - common) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts<'a>(s: &'a str, ranges: &[(usize, usize)]) -> Vec<&'a str> {
        ranges.iter().map(|&(a, b)| &s[a..b]).collect()
    }

    #[test]
    fn tokens_split_on_any_whitespace() {
        let mut out = Vec::new();
        let s = "  jean\u{a0}pierre\tDUPONT \u{3000}x ";
        tokens(s, &mut out);
        assert_eq!(texts(s, &out), ["jean", "pierre", "DUPONT", "x"]);
        tokens("", &mut out);
        assert!(out.is_empty());
        tokens(" \t ", &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn ngrams_of_characters() {
        let mut out = Vec::new();
        ngrams("abcd", 2, &mut out);
        assert_eq!(texts("abcd", &out), ["ab", "bc", "cd"]);
        ngrams("héllo", 3, &mut out);
        assert_eq!(texts("héllo", &out), ["hél", "éll", "llo"]);
        ngrams("é", 2, &mut out);
        assert_eq!(texts("é", &out), ["é"]);
        ngrams("ab", 2, &mut out);
        assert_eq!(texts("ab", &out), ["ab"]);
        ngrams("", 2, &mut out);
        assert!(out.is_empty());
        ngrams("éa", 1, &mut out);
        assert_eq!(texts("éa", &out), ["é", "a"]);
    }

    #[test]
    fn set_overlap() {
        let (a, b) = ("abab", "babb");
        let (mut ra, mut rb) = (Vec::new(), Vec::new());
        ngrams(a, 2, &mut ra);
        ngrams(b, 2, &mut rb);
        sort_dedup(a, &mut ra);
        sort_dedup(b, &mut rb);
        assert_eq!(texts(a, &ra), ["ab", "ba"]);
        assert_eq!(texts(b, &rb), ["ab", "ba", "bb"]);
        assert_eq!(count_common(a, &ra, b, &rb), 2);
        assert_eq!(jaccard_index(2, 3, 2), 2.0 / 3.0);
        assert_eq!(jaccard_index(0, 0, 0), 0.0);
    }
}
