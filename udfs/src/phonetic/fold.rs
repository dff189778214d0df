//! Folding a value to the uppercase ASCII letters that every phonetic code works on.
//!
//! Phonetic algorithms are defined over the 26 letters A–Z. Names arrive with accents, ligatures,
//! punctuation and sometimes other scripts, so each value is first folded once, on the stack:
//! accented and compatibility forms lose their marks (`É` → `E`, `Ç` → `C`, `ﬁ` → `FI`,
//! fullwidth `Ａ` → `A`), the letters with no decomposition are spelled out (`ß` → `SS`,
//! `Œ` → `OE`, `Æ` → `AE`, `Ø` → `O`, `Ł` → `L`, `Þ` → `TH`...), combining marks are dropped,
//! and everything else (digits, punctuation, spaces, letters of non-Latin scripts) becomes a
//! word separator. Separators are trimmed at both ends and runs of them collapse to one space,
//! which matters only to the codes that look at word boundaries (Metaphone, Double Metaphone).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Longest folded value, in letters and separators; a longer value is coded on its first
/// `MAX_FOLDED_LEN` bytes. PostgreSQL's `metaphone` refuses inputs over 255 bytes; codes of
/// names never depend on what lies that far.
pub const MAX_FOLDED_LEN: usize = 255;

/// A value folded to uppercase ASCII letters and single-space separators, on the stack.
pub struct Folded {
    bytes: [u8; MAX_FOLDED_LEN],
    len: usize,
    /// A separator was seen since the last letter: written before the next letter only, so
    /// that separators never lead, trail or repeat.
    pending_separator: bool,
}

impl Folded {
    /// Folds `s`; stops reading once [`MAX_FOLDED_LEN`] bytes are written.
    pub fn new(s: &str) -> Self {
        let mut folded = Self {
            bytes: [0; MAX_FOLDED_LEN],
            len: 0,
            pending_separator: false,
        };
        if s.is_ascii() {
            // Fast path: most names are plain ASCII, no decoding or table lookups.
            for b in s.bytes() {
                let more = if b.is_ascii_alphabetic() {
                    folded.push_letter(b.to_ascii_uppercase())
                } else {
                    folded.push_separator()
                };
                if !more {
                    break;
                }
            }
        } else {
            for c in s.chars() {
                if !folded.push_char(c) {
                    break;
                }
            }
        }
        folded
    }

    /// The folded bytes: `A`–`Z` and single spaces between words.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The letters only, separators skipped, for the codes that ignore word boundaries.
    pub fn letters(&self) -> impl Iterator<Item = u8> + '_ {
        self.as_bytes().iter().copied().filter(|&b| b != b' ')
    }

    /// Does the value contain at least one letter? (Separators never lead, so a non-empty
    /// folded value starts with a letter.)
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends the folding of one non-ASCII-fast-path character; `false` once full.
    fn push_char(&mut self, c: char) -> bool {
        if c.is_ascii() {
            return if c.is_ascii_alphabetic() {
                self.push_letter(c.to_ascii_uppercase() as u8)
            } else {
                self.push_separator()
            };
        }
        // Letters that have no Unicode decomposition but an obvious Latin spelling.
        let spelled: &[u8] = match c {
            'ß' | 'ẞ' => b"SS",
            'Æ' | 'æ' | 'Ǽ' | 'ǽ' | 'Ǣ' | 'ǣ' => b"AE",
            'Œ' | 'œ' => b"OE",
            'Ø' | 'ø' | 'Ǿ' | 'ǿ' => b"O",
            'Ł' | 'ł' => b"L",
            'Đ' | 'đ' | 'Ð' | 'ð' => b"D",
            'Þ' | 'þ' => b"TH",
            'Ħ' | 'ħ' => b"H",
            'Ŧ' | 'ŧ' => b"T",
            'ı' => b"I",
            'ĸ' => b"K",
            'Ŋ' | 'ŋ' => b"N",
            'ƒ' => b"F",
            // The Catalan middle dot (`l·l`) sits inside a word.
            '·' => b"",
            _ => return self.push_decomposed(c),
        };
        spelled.iter().all(|&b| self.push_letter(b))
    }

    /// Appends the compatibility decomposition of `c`, keeping its ASCII letters only.
    fn push_decomposed(&mut self, c: char) -> bool {
        if is_combining_mark(c) {
            // A mark that arrived decomposed (`e` + U+0301) belongs to the previous letter.
            return true;
        }
        let mut more = true;
        let mut wrote_letter = false;
        decompose_compatible(c, |part| {
            if !more {
                return;
            }
            if part.is_ascii_alphabetic() {
                more = self.push_letter(part.to_ascii_uppercase() as u8);
                wrote_letter = true;
            } else if !is_combining_mark(part) && !wrote_letter {
                // A character of another script, a digit or a symbol: a word boundary.
                more = self.push_separator();
            }
        });
        more
    }

    fn push_letter(&mut self, letter: u8) -> bool {
        debug_assert!(letter.is_ascii_uppercase());
        if self.pending_separator && self.len > 0 {
            if self.len + 2 > MAX_FOLDED_LEN {
                return false;
            }
            self.bytes[self.len] = b' ';
            self.len += 1;
        }
        self.pending_separator = false;
        if self.len == MAX_FOLDED_LEN {
            return false;
        }
        self.bytes[self.len] = letter;
        self.len += 1;
        true
    }

    fn push_separator(&mut self) -> bool {
        self.pending_separator = true;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        String::from_utf8_lossy(Folded::new(s).as_bytes()).into_owned()
    }

    #[test]
    fn ascii_is_uppercased_and_separators_collapse() {
        assert_eq!(fold("Jean-Pierre"), "JEAN PIERRE");
        assert_eq!(fold("  o'Brien  "), "O BRIEN");
        assert_eq!(fold("a  -- b"), "A B");
        assert_eq!(fold("123"), "");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn accents_ligatures_and_special_letters_fold() {
        assert_eq!(fold("Éléonore"), "ELEONORE");
        assert_eq!(fold("François"), "FRANCOIS");
        assert_eq!(fold("Straße"), "STRASSE");
        assert_eq!(fold("Œuvre Ægir"), "OEUVRE AEGIR");
        assert_eq!(fold("Søren Łukasz Đorđe"), "SOREN LUKASZ DORDE");
        assert_eq!(fold("Þór"), "THOR");
        assert_eq!(fold("ﬁfi Ｒｏｂ"), "FIFI ROB");
        assert_eq!(fold("Nguyễn"), "NGUYEN");
        assert_eq!(fold("Col·lecció"), "COLLECCIO");
        // Decomposed input: the combining marks vanish.
        assert_eq!(fold("Jose\u{301} Mu\u{308}ller"), "JOSE MULLER");
    }

    #[test]
    fn other_scripts_are_separators() {
        assert_eq!(fold("Иван"), "");
        assert_eq!(fold("山田 Taro"), "TARO");
        assert_eq!(fold("Smith (Смит)"), "SMITH");
        assert!(Folded::new("Ἀλέξανδρος").is_empty());
    }

    #[test]
    fn long_values_are_cut() {
        let long = "ab ".repeat(1000);
        let folded = Folded::new(&long);
        assert!(folded.as_bytes().len() <= MAX_FOLDED_LEN);
        assert!(folded.as_bytes().ends_with(b"AB"));
        assert_eq!(
            Folded::new(&"é".repeat(10_000)).as_bytes().len(),
            MAX_FOLDED_LEN
        );
    }
}
