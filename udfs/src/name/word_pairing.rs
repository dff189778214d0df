//! The word pairing behind `name_similarity`: a name read into words and nickname roots, and
//! the score of two such names (the formula is documented on
//! [`name_similarity_with`](super::name_similarity_with)).

use std::ops::Range;

use rapidfuzz::distance::jaro_winkler;

use super::nicknames::NicknameTable;
use super::normalize_name::normalize_name;

/// Words of a name taken into account; the rest is ignored, which bounds the pairing work.
pub const MAX_NAME_WORDS: usize = 8;
/// Bytes of a name taken into account (cut at a character boundary), which bounds the
/// Jaro-Winkler work.
pub const MAX_NAME_BYTES: usize = 256;
/// Jaro-Winkler similarity below which two words count as different (score 0).
pub const WORD_MATCH_THRESHOLD: f64 = 0.8;
/// Score of an initial against a word starting with that letter (`J` / `Jean`).
pub const INITIAL_SCORE: f64 = 0.75;
/// Exponent of the coverage factor that discounts words without a counterpart.
pub const COVERAGE_EXPONENT: f64 = 0.25;

/// The words of a name with their roots, in one buffer reused from row to row.
#[derive(Default)]
pub(crate) struct PreparedName {
    text: String,
    words: Vec<Word>,
}

struct Word {
    written: Range<usize>,
    root: Range<usize>,
    single_letter: bool,
}

impl PreparedName {
    /// Reads `name`; false when it has no word.
    pub(crate) fn prepare(&mut self, name: &str, nicknames: &NicknameTable) -> bool {
        self.text.clear();
        self.words.clear();
        let mut end = name.len().min(MAX_NAME_BYTES);
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        let Some(normalized) = normalize_name(&name[..end]) else {
            return false;
        };
        for word in normalized.split(' ') {
            let root = nicknames.get(word).unwrap_or(word);
            let several = root.contains(' ');
            for root_word in root.split(' ') {
                if self.words.len() == MAX_NAME_WORDS {
                    return true;
                }
                let written = if several { root_word } else { word };
                let start = self.text.len();
                self.text.push_str(written);
                let written_range = start..self.text.len();
                let root_range = if written == root_word {
                    written_range.clone()
                } else {
                    let start = self.text.len();
                    self.text.push_str(root_word);
                    start..self.text.len()
                };
                self.words.push(Word {
                    single_letter: written.chars().nth(1).is_none(),
                    written: written_range,
                    root: root_range,
                });
            }
        }
        !self.words.is_empty()
    }

    fn root(&self, i: usize) -> &str {
        &self.text[self.words[i].root.clone()]
    }

    fn written(&self, i: usize) -> &str {
        &self.text[self.words[i].written.clone()]
    }

    /// The score of the formula in [`name_similarity_with`](super::name_similarity_with);
    /// `pairs` is scratch space.
    pub(crate) fn similarity(
        &self,
        other: &PreparedName,
        pairs: &mut Vec<(f64, usize, usize)>,
    ) -> f64 {
        let mut used_self = [false; MAX_NAME_WORDS];
        let mut used_other = [false; MAX_NAME_WORDS];
        let mut units_self = self.words.len();
        let mut units_other = other.words.len();
        let mut sum = 0.0;

        for (i, used) in used_self.iter_mut().enumerate().take(self.words.len()) {
            if let Some(j) =
                (0..other.words.len()).find(|&j| !used_other[j] && self.root(i) == other.root(j))
            {
                *used = true;
                used_other[j] = true;
                sum += 1.0;
            }
        }
        sum += joined_matches(
            self,
            other,
            &mut used_self,
            &mut used_other,
            &mut units_self,
        );
        sum += joined_matches(
            other,
            self,
            &mut used_other,
            &mut used_self,
            &mut units_other,
        );

        pairs.clear();
        for i in (0..self.words.len()).filter(|&i| !used_self[i]) {
            for j in (0..other.words.len()).filter(|&j| !used_other[j]) {
                let score = self.word_score(i, other, j);
                if score > 0.0 {
                    pairs.push((score, i, j));
                }
            }
        }
        pairs.sort_unstable_by(|x, y| y.0.total_cmp(&x.0));
        for &(score, i, j) in pairs.iter() {
            if !used_self[i] && !used_other[j] {
                used_self[i] = true;
                used_other[j] = true;
                sum += score;
            }
        }

        let lo = units_self.min(units_other).max(1) as f64;
        let hi = units_self.max(units_other).max(1) as f64;
        (sum / lo * (lo / hi).powf(COVERAGE_EXPONENT)).clamp(0.0, 1.0)
    }

    fn word_score(&self, i: usize, other: &PreparedName, j: usize) -> f64 {
        let (a, b) = (&self.words[i], &other.words[j]);
        if a.single_letter || b.single_letter {
            let (initial, full, full_side, k) = if a.single_letter {
                (self.written(i), other, b, j)
            } else {
                (other.written(j), self, a, i)
            };
            let is_initial_of = !full_side.single_letter
                && (full.written(k).starts_with(initial) || full.root(k).starts_with(initial));
            return if is_initial_of { INITIAL_SCORE } else { 0.0 };
        }
        let mut score = jaro_winkler(self.root(i), other.root(j));
        if a.written != a.root || b.written != b.root {
            score = score.max(jaro_winkler(self.written(i), other.written(j)));
        }
        if score >= WORD_MATCH_THRESHOLD {
            score
        } else {
            0.0
        }
    }
}

fn jaro_winkler(a: &str, b: &str) -> f64 {
    jaro_winkler::normalized_similarity(a.chars(), b.chars())
}

/// Pairs each unused word of `whole` with two adjacent unused words of `parts` that spell it
/// joined; the two words then count as one unit of `parts`. Returns the score added.
fn joined_matches(
    parts: &PreparedName,
    whole: &PreparedName,
    used_parts: &mut [bool; MAX_NAME_WORDS],
    used_whole: &mut [bool; MAX_NAME_WORDS],
    units_parts: &mut usize,
) -> f64 {
    let mut sum = 0.0;
    for (j, used) in used_whole.iter_mut().enumerate().take(whole.words.len()) {
        if *used {
            continue;
        }
        let target = whole.root(j);
        for i in 0..parts.words.len().saturating_sub(1) {
            if used_parts[i] || used_parts[i + 1] {
                continue;
            }
            let (first, second) = (parts.root(i), parts.root(i + 1));
            if target.len() == first.len() + second.len()
                && target.starts_with(first)
                && target.ends_with(second)
            {
                used_parts[i] = true;
                used_parts[i + 1] = true;
                *used = true;
                *units_parts -= 1;
                sum += 1.0;
                break;
            }
        }
    }
    sum
}
