//! Scratch buffers shared by the similarity algorithms, and the two strings of a comparison
//! as sequences of small integer symbols.
//!
//! The kernels keep one [`Scratch`] per batch, so comparing a million pairs allocates a
//! handful of buffers once instead of once per row.
//!
//! Strings are compared by Unicode scalar value (`char`). When both strings are ASCII the
//! algorithms run directly over their bytes (alphabet 128). Otherwise both are decoded to
//! symbols: the code points themselves, as bytes, when all are below U+0100 (Latin-1, which
//! covers most accented Latin names); else dense ids, where each distinct character of the first string gets an id `0..k`, and every
//! character of the second string that does not occur in the first gets the single id `k`.
//! This keeps the alphabet (and the bit-mask tables indexed by it) no larger than the first
//! string, and is exact for every algorithm that only ever compares a character of one string
//! with a character of the other, which is the case for all of them here.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Alphabet of the ASCII fast path: the bytes themselves are the symbols.
pub(crate) const ASCII_ALPHABET: usize = 128;
/// Alphabet when every character is below U+0100: the code points are the symbols.
const LATIN1_ALPHABET: usize = 256;
/// Strings up to this many bytes get their ids by a linear scan of their distinct characters
/// rather than from a hash map.
const SHORT_BYTES: usize = 48;

/// A character of a string being compared: a byte (ASCII path) or a symbol id.
pub(crate) trait Symbol: Copy + Eq + Ord {
    /// Row of this symbol in tables indexed by symbol, below the alphabet size.
    fn index(self) -> usize;
}

impl Symbol for u8 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

impl Symbol for u32 {
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

/// Reusable buffers for every similarity algorithm. Each call leaves them in a state the
/// next call can reuse (the pattern table all zero), so no call allocates once they have
/// grown to the batch's longest strings.
#[derive(Default)]
pub struct Scratch {
    pub(crate) encoder: Encoder,
    pub(crate) pattern: PatternTable,
    pub(crate) words_a: Vec<u64>,
    pub(crate) words_b: Vec<u64>,
    pub(crate) rows: [Vec<i32>; 3],
    pub(crate) last_row: Vec<i32>,
    pub(crate) ranges_a: Vec<(usize, usize)>,
    pub(crate) ranges_b: Vec<(usize, usize)>,
    pub(crate) packed_a: Vec<u64>,
    pub(crate) packed_b: Vec<u64>,
    pub(crate) text_a: String,
    pub(crate) text_b: String,
}

impl Scratch {
    /// Empty buffers; they grow on first use.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Decodes two non-ASCII strings to symbols, see the module documentation.
#[derive(Default)]
pub(crate) struct Encoder {
    ids: HashMap<char, u32, BuildHasherDefault<CharHasher>>,
    distinct: Vec<char>,
    a: Vec<u32>,
    b: Vec<u32>,
    latin1_a: Vec<u8>,
    latin1_b: Vec<u8>,
}

impl Encoder {
    /// `a` and `b` as symbols: their bytes when both are ASCII, their code points as bytes
    /// when all are below U+0100, dense ids otherwise.
    pub(crate) fn symbols<'a>(&'a mut self, a: &'a str, b: &'a str) -> Symbols<'a> {
        if a.is_ascii() && b.is_ascii() {
            return Symbols::Bytes(a.as_bytes(), b.as_bytes(), ASCII_ALPHABET);
        }
        if latin1(a, &mut self.latin1_a) && latin1(b, &mut self.latin1_b) {
            return Symbols::Bytes(&self.latin1_a, &self.latin1_b, LATIN1_ALPHABET);
        }
        let (a, b, alphabet) = self.encode_ids(a, b);
        Symbols::Ids(a, b, alphabet)
    }

    /// `a` and `b` as dense ids (see the module documentation), with the alphabet size.
    pub(crate) fn encode_ids(&mut self, a: &str, b: &str) -> (&[u32], &[u32], usize) {
        self.a.clear();
        self.b.clear();
        if a.len() <= SHORT_BYTES {
            // A name has a handful of distinct characters: a scan beats hashing them.
            self.distinct.clear();
            for c in a.chars() {
                let id = match self.distinct.iter().position(|&d| d == c) {
                    Some(id) => id,
                    None => {
                        self.distinct.push(c);
                        self.distinct.len() - 1
                    }
                };
                self.a.push(id as u32);
            }
            let absent = self.distinct.len();
            for c in b.chars() {
                let id = self.distinct.iter().position(|&d| d == c);
                self.b.push(id.unwrap_or(absent) as u32);
            }
            return (&self.a, &self.b, absent + 1);
        }
        self.ids.clear();
        for c in a.chars() {
            let next = self.ids.len() as u32;
            self.a.push(*self.ids.entry(c).or_insert(next));
        }
        let absent = self.ids.len() as u32;
        for c in b.chars() {
            self.b.push(self.ids.get(&c).copied().unwrap_or(absent));
        }
        (&self.a, &self.b, absent as usize + 1)
    }
}

/// The code points of `s` as bytes into `out`; false when one is U+0100 or above.
///
/// Read from the UTF-8 bytes directly: below U+0100 a character is an ASCII byte or one of
/// the two-byte sequences led by 0xC2 or 0xC3, so no general decoding is needed.
fn latin1(s: &str, out: &mut Vec<u8>) -> bool {
    out.clear();
    out.reserve(s.len());
    let mut bytes = s.bytes();
    while let Some(byte) = bytes.next() {
        match byte {
            0..0x80 => out.push(byte),
            0xC2 | 0xC3 => match bytes.next() {
                Some(next) => out.push(((byte & 0x03) << 6) | (next & 0x3F)),
                None => return false,
            },
            _ => return false,
        }
    }
    true
}

/// The two strings of a comparison as symbol sequences, with the alphabet size.
pub(crate) enum Symbols<'a> {
    /// ASCII bytes (alphabet 128) or Latin-1 code points (alphabet 256).
    Bytes(&'a [u8], &'a [u8], usize),
    /// Dense ids.
    Ids(&'a [u32], &'a [u32], usize),
}

/// Evaluates `$body` with `$a` and `$b` bound to the symbol sequences of two strings and `$k`
/// to the alphabet size; the body is compiled once for bytes and once for ids.
macro_rules! with_symbols {
    ($encoder:expr, $s1:expr, $s2:expr, |$a:ident, $b:ident, $k:ident| $body:expr) => {
        match $encoder.symbols($s1, $s2) {
            $crate::similarity::scratch::Symbols::Bytes($a, $b, $k) => $body,
            $crate::similarity::scratch::Symbols::Ids($a, $b, $k) => $body,
        }
    };
}
pub(crate) use with_symbols;

/// A multiplicative hash for `char` keys: the std SipHash is needlessly slow for them and
/// the ids map is rebuilt for every non-ASCII pair.
#[derive(Default)]
pub(crate) struct CharHasher(u64);

impl Hasher for CharHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u32(u32::from(b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (self.0 ^ u64::from(n)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// For each symbol, the bit mask of the positions where it occurs in a pattern string, in
/// 64-bit words: the input of the bit-parallel algorithms.
///
/// Between uses every mask is zero: [`PatternTable::with_pattern`] sets the bits of one
/// pattern and clears exactly those bits again afterwards, which costs O(pattern length)
/// rather than O(alphabet × words).
#[derive(Default)]
pub(crate) struct PatternTable {
    masks: Vec<u64>,
    words: usize,
}

impl PatternTable {
    /// Runs `f` with the masks of `pattern` (symbols below `alphabet`).
    pub(crate) fn with_pattern<S: Symbol, R>(
        &mut self,
        pattern: &[S],
        alphabet: usize,
        f: impl FnOnce(&PatternTable) -> R,
    ) -> R {
        self.words = pattern.len().div_ceil(64).max(1);
        let needed = alphabet * self.words;
        if self.masks.len() < needed {
            self.masks.resize(needed, 0);
        }
        if self.words == 1 {
            // The common case (names), without the word arithmetic.
            for (i, c) in pattern.iter().enumerate() {
                self.masks[c.index()] |= 1 << i;
            }
            let result = f(self);
            for c in pattern {
                self.masks[c.index()] = 0;
            }
            return result;
        }
        for (i, c) in pattern.iter().enumerate() {
            self.masks[c.index() * self.words + i / 64] |= 1 << (i % 64);
        }
        let result = f(self);
        for (i, c) in pattern.iter().enumerate() {
            self.masks[c.index() * self.words + i / 64] = 0;
        }
        result
    }

    /// Number of 64-bit words per symbol.
    #[inline(always)]
    pub(crate) fn words(&self) -> usize {
        self.words
    }

    /// Positions of `symbol` in word `word` of the pattern.
    #[inline(always)]
    pub(crate) fn get<S: Symbol>(&self, symbol: S, word: usize) -> u64 {
        self.masks[symbol.index() * self.words + word]
    }
}

/// Is `s` longer than `max_chars` characters? Counts characters only when the byte length
/// leaves a doubt.
#[inline]
pub(crate) fn exceeds_chars(s: &str, max_chars: usize) -> bool {
    s.len() > max_chars && (s.len() > 4 * max_chars || s.chars().count() > max_chars)
}

/// Lengths of the common prefix and of the common suffix (not overlapping the prefix).
#[inline]
pub(crate) fn common_affix<S: Symbol>(a: &[S], b: &[S]) -> (usize, usize) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (prefix, suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoder_shares_the_absent_id() {
        let mut encoder = Encoder::default();
        let (a, b, alphabet) = encoder.encode_ids("éa", "xaéy");
        assert_eq!(a, &[0, 1]);
        assert_eq!(b, &[2, 1, 0, 2]);
        assert_eq!(alphabet, 3);
        // Past SHORT_BYTES the ids come from the hash map: the same ids, in order.
        let (long_a, long_b) = ("éa".repeat(30), "xaéy".repeat(20));
        let (a, b, alphabet) = encoder.encode_ids(&long_a, &long_b);
        assert!(long_a.len() > SHORT_BYTES);
        assert_eq!(a, [0, 1].repeat(30));
        assert_eq!(b, [2, 1, 0, 2].repeat(20));
        assert_eq!(alphabet, 3);
    }

    #[test]
    fn encoder_picks_the_smallest_alphabet() {
        let mut encoder = Encoder::default();
        assert!(matches!(
            encoder.symbols("ab", "c"),
            Symbols::Bytes(b"ab", b"c", 128)
        ));
        assert!(matches!(
            encoder.symbols("éa", "ÿ"),
            Symbols::Bytes(&[0xE9, 0x61], &[0xFF], 256)
        ));
        assert!(matches!(
            encoder.symbols("éa", "ł"),
            Symbols::Ids(&[0, 1], &[2], 3)
        ));
    }

    #[test]
    fn pattern_table_is_cleared_after_use() {
        let mut table = PatternTable::default();
        let pattern: Vec<u8> = (0..130).map(|i| b'a' + (i % 3) as u8).collect();
        let ones = table.with_pattern(&pattern, ASCII_ALPHABET, |t| {
            assert_eq!(t.words(), 3);
            (0..3).map(|w| t.get(b'a', w).count_ones()).sum::<u32>()
        });
        assert_eq!(ones, 44);
        assert!(table.masks.iter().all(|&m| m == 0));
    }

    #[test]
    fn latin1_bytes_are_the_code_points() {
        let mut out = Vec::new();
        let all: String = (0u8..=255).map(char::from).collect();
        assert!(latin1(&all, &mut out));
        assert_eq!(out, (0u8..=255).collect::<Vec<_>>());
        assert!(!latin1("aĀ", &mut out));
        assert!(!latin1("a€", &mut out));
        assert!(!latin1("a😀", &mut out));
    }

    #[test]
    fn char_limits() {
        assert!(!exceeds_chars("ééé", 3));
        assert!(exceeds_chars("éééé", 3));
        assert!(!exceeds_chars("abc", 3));
        assert_eq!(common_affix(b"abxcd", b"abycd"), (2, 2));
        assert_eq!(common_affix(b"aaa", b"aa"), (2, 0));
    }
}
