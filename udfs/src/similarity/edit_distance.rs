//! Edit-distance algorithms over symbol sequences (see [`super::scratch`]): Levenshtein and the
//! longest common subsequence bit-parallel, optimal string alignment and Damerau-Levenshtein
//! by dynamic programming in linear memory.
//!
//! All are character-based, symmetric, and remove the common prefix and suffix first (which
//! never changes these distances and makes near-duplicates cheap).

use super::scratch::{PatternTable, Symbol, common_affix};

/// The two sequences without their common prefix and suffix, and the length removed.
fn trim<'a, S: Symbol>(a: &'a [S], b: &'a [S]) -> (&'a [S], &'a [S], usize) {
    let (prefix, suffix) = common_affix(a, b);
    (
        &a[prefix..a.len() - suffix],
        &b[prefix..b.len() - suffix],
        prefix + suffix,
    )
}

/// Levenshtein distance (insertions, deletions, substitutions, each costing 1).
///
/// Myers' bit-vector algorithm (Myers 1999) in the block formulation of Hyyrö (2003): the
/// shorter string is the pattern, held 64 characters per machine word, and each character of
/// the longer string advances the whole DP column with a few word operations. O(⌈m/64⌉·n).
pub(crate) fn levenshtein<S: Symbol>(
    a: &[S],
    b: &[S],
    alphabet: usize,
    table: &mut PatternTable,
    vp: &mut Vec<u64>,
    vn: &mut Vec<u64>,
) -> usize {
    let (a, b, _) = trim(a, b);
    let (pattern, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if pattern.is_empty() {
        return text.len();
    }
    table.with_pattern(pattern, alphabet, |pm| {
        if pm.words() == 1 {
            myers_word(pm, pattern.len(), text)
        } else {
            myers_blocks(pm, pattern.len(), text, vp, vn)
        }
    })
}

fn myers_word<S: Symbol>(pm: &PatternTable, m: usize, text: &[S]) -> usize {
    let last = 1u64 << (m - 1);
    let (mut vp, mut vn) = (!0u64, 0u64);
    let mut distance = m;
    for &c in text {
        let eq = pm.get(c, 0);
        let d0 = ((eq & vp).wrapping_add(vp) ^ vp) | eq | vn;
        let hp = vn | !(d0 | vp);
        let hn = vp & d0;
        distance += usize::from(hp & last != 0);
        distance -= usize::from(hn & last != 0);
        let hp = (hp << 1) | 1;
        let hn = hn << 1;
        vp = hn | !(d0 | hp);
        vn = hp & d0;
    }
    distance
}

fn myers_blocks<S: Symbol>(
    pm: &PatternTable,
    m: usize,
    text: &[S],
    vp: &mut Vec<u64>,
    vn: &mut Vec<u64>,
) -> usize {
    let words = pm.words();
    vp.clear();
    vp.resize(words, !0);
    vn.clear();
    vn.resize(words, 0);
    let last = 1u64 << ((m - 1) % 64);
    let mut distance = m;
    for &c in text {
        // Horizontal deltas entering the block from above: +1 in row 0 of the DP matrix.
        let (mut hp_carry, mut hn_carry) = (1u64, 0u64);
        for w in 0..words {
            let (vp_w, vn_w) = (vp[w], vn[w]);
            let eq = pm.get(c, w) | hn_carry;
            let d0 = ((eq & vp_w).wrapping_add(vp_w) ^ vp_w) | eq | vn_w;
            let hp = vn_w | !(d0 | vp_w);
            let hn = vp_w & d0;
            let (hp_out, hn_out) = if w + 1 < words {
                (hp >> 63, hn >> 63)
            } else {
                (u64::from(hp & last != 0), u64::from(hn & last != 0))
            };
            let hp = (hp << 1) | hp_carry;
            let hn = (hn << 1) | hn_carry;
            (hp_carry, hn_carry) = (hp_out, hn_out);
            vp[w] = hn | !(d0 | hp);
            vn[w] = hp & d0;
        }
        distance = distance + hp_carry as usize - hn_carry as usize;
    }
    distance
}

/// Length of the longest common subsequence, bit-parallel (Allison–Dix / Hyyrö 2004):
/// O(⌈m/64⌉·n).
pub(crate) fn lcs_length<S: Symbol>(
    a: &[S],
    b: &[S],
    alphabet: usize,
    table: &mut PatternTable,
    state: &mut Vec<u64>,
) -> usize {
    let (a, b, common) = trim(a, b);
    let (pattern, text) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if pattern.is_empty() {
        return common;
    }
    let middle = table.with_pattern(pattern, alphabet, |pm| {
        let words = pm.words();
        state.clear();
        state.resize(words, !0);
        for &c in text {
            let mut carry = false;
            for (w, s) in state.iter_mut().enumerate() {
                let u = *s & pm.get(c, w);
                let (sum, c1) = s.overflowing_add(u);
                let (sum, c2) = sum.overflowing_add(u64::from(carry));
                carry = c1 || c2;
                *s = sum | (*s - u);
            }
        }
        let tail_bits = pattern.len() % 64;
        state
            .iter()
            .enumerate()
            .map(|(w, &s)| {
                let zeros = !s;
                if w + 1 == words && tail_bits != 0 {
                    (zeros & ((1u64 << tail_bits) - 1)).count_ones()
                } else {
                    zeros.count_ones()
                }
            })
            .sum::<u32>() as usize
    });
    common + middle
}

/// Optimal string alignment distance: Levenshtein plus transpositions of two adjacent
/// characters, no substring edited twice. Three DP rows, O(n·m).
pub(crate) fn osa<S: Symbol>(a: &[S], b: &[S], rows: &mut [Vec<i32>; 3]) -> usize {
    let (a, b, _) = trim(a, b);
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len());
    }
    let m = b.len();
    let [r0, r1, r2] = rows;
    for r in [&mut *r0, &mut *r1, &mut *r2] {
        r.clear();
        r.resize(m + 1, 0);
    }
    let (mut before, mut prev, mut cur) = (r0, r1, r2);
    for (j, cell) in prev.iter_mut().enumerate() {
        *cell = j as i32;
    }
    for i in 1..=a.len() {
        cur[0] = i as i32;
        for j in 1..=m {
            let cost = i32::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        (before, prev, cur) = (prev, cur, before);
    }
    prev[m] as usize
}

/// Damerau-Levenshtein distance (unrestricted: Levenshtein plus transpositions of adjacent
/// characters, with edits allowed between transposed characters), as defined by Lowrance
/// and Wagner (1975). Computed in O(n·m) time and O(m + alphabet) memory with the
/// algorithm of Zhao and Sahni (2019), which keeps only the last two DP rows plus, for each
/// column, the value needed by a transposition ending there.
pub(crate) fn damerau_levenshtein<S: Symbol>(
    a: &[S],
    b: &[S],
    alphabet: usize,
    rows: &mut [Vec<i32>; 3],
    last_row: &mut Vec<i32>,
) -> usize {
    let (a, b, _) = trim(a, b);
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len());
    }
    let (n, m) = (a.len(), b.len());
    let max_val = (n.max(m) + 1) as i32;
    // Row (1-based) of the last occurrence of each symbol in `a`, -1 when not seen yet.
    last_row.clear();
    last_row.resize(alphabet, -1);
    let [fr, r1, r] = rows;
    fr.clear();
    fr.resize(m + 2, max_val);
    r1.clear();
    r1.resize(m + 2, max_val);
    // Row 0 of the DP matrix; index j + 1 is column j, index 0 a sentinel column.
    r.clear();
    r.push(max_val);
    r.extend(0..=m as i32);
    for i in 1..=n {
        std::mem::swap(r, r1);
        let mut last_col = -1i32;
        let mut last_i2l1 = r[1];
        r[1] = i as i32;
        let mut t = max_val;
        let ai = a[i - 1];
        for j in 1..=m {
            let bj = b[j - 1];
            let diag = r1[j] + i32::from(ai != bj);
            let left = r[j] + 1;
            let up = r1[j + 1] + 1;
            let mut d = diag.min(left).min(up);
            if ai == bj {
                last_col = j as i32;
                fr[j + 1] = r1[j - 1];
                t = last_i2l1;
            } else {
                let k = last_row[bj.index()];
                if j as i32 - last_col == 1 {
                    d = d.min(fr[j + 1] + (i as i32 - k));
                } else if i as i32 - k == 1 {
                    d = d.min(t + (j as i32 - last_col));
                }
            }
            last_i2l1 = r[j + 1];
            r[j + 1] = d;
        }
        last_row[ai.index()] = i as i32;
    }
    r[m + 1] as usize
}

#[cfg(test)]
pub(crate) mod tests {
    use proptest::prelude::*;

    use super::super::scratch::{ASCII_ALPHABET, Encoder, with_symbols};
    use super::*;

    /// Textbook Wagner–Fischer Levenshtein, the reference for the bit-parallel one.
    pub(crate) fn naive_levenshtein(a: &[char], b: &[char]) -> usize {
        let mut prev: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.iter().enumerate() {
            let mut cur = vec![i + 1; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                cur[j + 1] = (prev[j + 1] + 1)
                    .min(cur[j] + 1)
                    .min(prev[j] + usize::from(ca != cb));
            }
            prev = cur;
        }
        prev[b.len()]
    }

    /// Textbook Lowrance–Wagner Damerau-Levenshtein with the full matrix.
    pub(crate) fn naive_damerau(a: &[char], b: &[char]) -> usize {
        let (n, m) = (a.len(), b.len());
        let max = n + m;
        let mut d = vec![vec![0usize; m + 2]; n + 2];
        d[0][0] = max;
        for i in 0..=n {
            d[i + 1][0] = max;
            d[i + 1][1] = i;
        }
        for j in 0..=m {
            d[0][j + 1] = max;
            d[1][j + 1] = j;
        }
        let mut da = std::collections::HashMap::new();
        for i in 1..=n {
            let mut db = 0;
            for j in 1..=m {
                let k = *da.get(&b[j - 1]).unwrap_or(&0);
                let l = db;
                let cost = if a[i - 1] == b[j - 1] {
                    db = j;
                    0
                } else {
                    1
                };
                d[i + 1][j + 1] = (d[i][j] + cost)
                    .min(d[i + 1][j] + 1)
                    .min(d[i][j + 1] + 1)
                    .min(d[k][l] + (i - k - 1) + 1 + (j - l - 1));
            }
            da.insert(a[i - 1], i);
        }
        d[n + 1][m + 1]
    }

    /// Textbook optimal string alignment with the full matrix.
    fn naive_osa(a: &[char], b: &[char]) -> usize {
        let (n, m) = (a.len(), b.len());
        let mut d = vec![vec![0usize; m + 1]; n + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=n {
            for j in 1..=m {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[n][m]
    }

    fn naive_lcs(a: &[char], b: &[char]) -> usize {
        let mut prev = vec![0usize; b.len() + 1];
        for ca in a {
            let mut cur = vec![0usize; b.len() + 1];
            for (j, cb) in b.iter().enumerate() {
                cur[j + 1] = if ca == cb {
                    prev[j] + 1
                } else {
                    prev[j + 1].max(cur[j])
                };
            }
            prev = cur;
        }
        prev[b.len()]
    }

    struct Buffers {
        table: PatternTable,
        words: [Vec<u64>; 2],
        rows: [Vec<i32>; 3],
        last_row: Vec<i32>,
        encoder: Encoder,
    }

    impl Buffers {
        fn new() -> Self {
            Self {
                table: PatternTable::default(),
                words: [Vec::new(), Vec::new()],
                rows: [Vec::new(), Vec::new(), Vec::new()],
                last_row: Vec::new(),
                encoder: Encoder::default(),
            }
        }

        /// (levenshtein, lcs, osa, damerau) over dense symbol ids (the general path), or
        /// over code points when `latin1` and the strings allow it.
        fn all_ids(&mut self, a: &str, b: &str) -> [usize; 4] {
            self.all_encoded(a, b, false)
        }

        fn all_encoded(&mut self, a: &str, b: &str, smallest_alphabet: bool) -> [usize; 4] {
            let [vp, vn] = &mut self.words;
            let (table, rows, last_row) = (&mut self.table, &mut self.rows, &mut self.last_row);
            if smallest_alphabet {
                return with_symbols!(self.encoder, a, b, |x, y, k| [
                    levenshtein(x, y, k, table, vp, vn),
                    lcs_length(x, y, k, table, vp),
                    osa(x, y, rows),
                    damerau_levenshtein(x, y, k, rows, last_row),
                ]);
            }
            let (x, y, k) = self.encoder.encode_ids(a, b);
            [
                levenshtein(x, y, k, table, vp, vn),
                lcs_length(x, y, k, table, vp),
                osa(x, y, rows),
                damerau_levenshtein(x, y, k, rows, last_row),
            ]
        }

        /// The same over bytes (the ASCII path).
        fn all_bytes(&mut self, a: &str, b: &str) -> [usize; 4] {
            let (x, y, k) = (a.as_bytes(), b.as_bytes(), ASCII_ALPHABET);
            let [vp, vn] = &mut self.words;
            [
                levenshtein(x, y, k, &mut self.table, vp, vn),
                lcs_length(x, y, k, &mut self.table, vp),
                osa(x, y, &mut self.rows),
                damerau_levenshtein(x, y, k, &mut self.rows, &mut self.last_row),
            ]
        }
    }

    #[test]
    fn reference_values() {
        let mut buffers = Buffers::new();
        // kitten/sitting: 3 (Levenshtein 1966, the textbook example).
        assert_eq!(buffers.all_ids("kitten", "sitting")[0], 3);
        // "CA" -> "ABC": Damerau-Levenshtein 2 (CA -> AC -> ABC), OSA 3 (Wikipedia,
        // "Optimal string alignment distance").
        let [lev, _, osa, damerau] = buffers.all_bytes("CA", "ABC");
        assert_eq!((lev, osa, damerau), (3, 3, 2));
        assert_eq!(buffers.all_bytes("ab", "ba"), [2, 1, 1, 1]);
        assert_eq!(buffers.all_bytes("", "abc"), [3, 0, 3, 3]);
        assert_eq!(buffers.all_bytes("abc", "abc"), [0, 3, 0, 0]);
    }

    #[test]
    fn long_strings_cross_word_boundaries() {
        let mut buffers = Buffers::new();
        let a: String = (0..300)
            .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
            .collect();
        let mut b = a.clone();
        b.replace_range(10..12, "XY");
        b.insert_str(150, "ZZZ");
        b.truncate(280);
        let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let expected = naive_levenshtein(&ca, &cb);
        assert_eq!(buffers.all_bytes(&a, &b)[0], expected);
        assert_eq!(buffers.all_bytes(&a, &b)[1], naive_lcs(&ca, &cb));
    }

    fn small_alphabet_string() -> impl Strategy<Value = String> {
        prop_oneof![
            "[abcé]{0,12}",
            "[ab]{0,80}",
            "[abcdefghij]{60,200}",
            "\\PC{0,20}",
        ]
    }

    proptest! {
        #[test]
        fn bit_parallel_and_linear_memory_match_the_textbook_algorithms(
            a in small_alphabet_string(),
            b in small_alphabet_string(),
        ) {
            let mut buffers = Buffers::new();
            let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
            let [lev, lcs, osa_d, damerau] = buffers.all_ids(&a, &b);
            prop_assert_eq!(lev, naive_levenshtein(&ca, &cb));
            prop_assert_eq!(lcs, naive_lcs(&ca, &cb));
            prop_assert_eq!(damerau, naive_damerau(&ca, &cb));
            prop_assert_eq!(osa_d, naive_osa(&ca, &cb));
            prop_assert!(damerau <= osa_d && osa_d <= lev);
            prop_assert_eq!(buffers.all_ids(&b, &a), [lev, lcs, osa_d, damerau]);
            prop_assert_eq!(buffers.all_encoded(&a, &b, true), [lev, lcs, osa_d, damerau]);
            if a.is_ascii() && b.is_ascii() {
                prop_assert_eq!(buffers.all_bytes(&a, &b), [lev, lcs, osa_d, damerau]);
            }
        }
    }
}
