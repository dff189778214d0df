//! Text folding shared by the name and address functions: lowercase, Latin accents stripped,
//! punctuation turned into single spaces.
//!
//! Latin letters are folded to ASCII (compatibility decomposition, combining marks dropped,
//! plus the letters that do not decompose: `ß`→`ss`, `œ`→`oe`, `æ`→`ae`, `ø`→`o`, `ł`→`l`,
//! `đ`/`ð`→`d`, `þ`→`th`, `ı`→`i`). Letters of other scripts (Cyrillic, Greek, CJK, Hangul…)
//! are kept, lowercased and in NFKC, with their own marks: stripping them would change the
//! letter (Russian `й` is not `и`, Japanese `ガ` is not `カ`).

use unicode_normalization::char::{decompose_compatible, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// What an apostrophe inside a word becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Apostrophe {
    /// Removed, joining the word: `O'Brien` → `obrien`, `d'Artagnan` → `dartagnan`.
    Join,
    /// A word break, except before a final English possessive `s`: `l'Église` → `l eglise`,
    /// `St Mary's` → `st marys`.
    BreakExceptPossessive,
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '`' | '\u{00B4}' | '\u{2032}'
    )
}

/// Latin letters that compatibility decomposition leaves alone.
fn latin_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'œ' => "oe",
        'æ' => "ae",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        'ƒ' => "f",
        _ => return None,
    })
}

/// Is `s` already folded ASCII: lowercase letters and digits in words separated by single
/// spaces, no leading or trailing space? Such a string folds to itself.
pub(crate) fn is_folded_ascii(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(' ')
        && !s.ends_with(' ')
        && !s.contains("  ")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b' ')
}

/// Writes the folded form of `s` to `out` (cleared first): words of lowercase letters and
/// digits separated by single spaces, with no leading or trailing space.
pub(crate) fn fold_into(s: &str, apostrophe: Apostrophe, out: &mut String) {
    if !fold_once(s, apostrophe, out) || is_nfkc_quick(out.chars()) == IsNormalized::Yes {
        return;
    }
    // Letters of other scripts were kept: NFKC composes what was kept decomposed (Hangul
    // jamo, kana + voicing mark) and maps compatibility forms to standard letters, which may
    // be capitals or Latin letters (a modifier letter capital AE is an `Æ`): fold once more.
    let composed: String = out.nfkc().collect();
    if fold_once(&composed, apostrophe, out) && is_nfkc_quick(out.chars()) != IsNormalized::Yes {
        *out = out.nfkc().collect();
    }
}

/// One folding pass; true when letters of other scripts were kept.
fn fold_once(s: &str, apostrophe: Apostrophe, out: &mut String) -> bool {
    out.clear();
    let mut writer = Writer {
        out,
        pending_space: false,
        last: Last::Separator,
        kept_non_ascii: false,
    };
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if is_apostrophe(c) {
            let joins = match apostrophe {
                Apostrophe::Join => true,
                Apostrophe::BreakExceptPossessive => {
                    let mut ahead = chars.clone();
                    matches!(ahead.next(), Some('s' | 'S'))
                        && !ahead.next().is_some_and(char::is_alphanumeric)
                }
            };
            if !joins {
                writer.separator();
            }
            continue;
        }
        if c.is_ascii() {
            writer.ascii(c.to_ascii_lowercase());
            continue;
        }
        for lower in c.to_lowercase() {
            writer.non_ascii(lower);
        }
    }
    writer.kept_non_ascii
}

#[derive(PartialEq, Eq)]
enum Last {
    Separator,
    Latin,
    Other,
}

struct Writer<'a> {
    out: &'a mut String,
    pending_space: bool,
    last: Last,
    kept_non_ascii: bool,
}

impl Writer<'_> {
    fn separator(&mut self) {
        if !self.out.is_empty() {
            self.pending_space = true;
        }
        self.last = Last::Separator;
    }

    fn push(&mut self, c: char, last: Last) {
        if self.pending_space {
            self.out.push(' ');
            self.pending_space = false;
        }
        self.out.push(c);
        self.last = last;
    }

    fn ascii(&mut self, c: char) {
        if c.is_ascii_alphanumeric() {
            self.push(c, Last::Latin);
        } else {
            self.separator();
        }
    }

    fn non_ascii(&mut self, c: char) {
        if let Some(folded) = latin_special(c) {
            folded.chars().for_each(|f| self.push(f, Last::Latin));
            return;
        }
        if is_combining_mark(c) {
            // A mark belongs to the letter before it: dropped with a folded Latin letter,
            // kept with a letter of another script.
            if self.last == Last::Other {
                self.out.push(c);
            }
            return;
        }
        let mut first = None;
        decompose_compatible(c, |d| {
            first.get_or_insert(d);
        });
        if first.is_some_and(|d| d.is_ascii()) {
            // A Latin letter with marks, a ligature, a full-width or circled form…
            decompose_compatible(c, |d| {
                if d.is_ascii() {
                    self.ascii(d.to_ascii_lowercase());
                } else if !is_combining_mark(d) {
                    // The fraction slash of `½`, for example.
                    self.separator();
                }
            });
        } else if c.is_alphanumeric() {
            self.push(c, Last::Other);
            self.kept_non_ascii = true;
        } else {
            self.separator();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(s: &str) -> String {
        let mut out = String::new();
        fold_into(s, Apostrophe::Join, &mut out);
        out
    }

    #[test]
    fn latin_accents_ligatures_and_special_letters() {
        assert_eq!(fold("  Hélène   ÉLOÏSE "), "helene eloise");
        assert_eq!(fold("Straße Œuvre Æsir"), "strasse oeuvre aesir");
        assert_eq!(fold("Søren Łukasz Đorđe Þór"), "soren lukasz dorde thor");
        assert_eq!(fold("ﬁlm Ａｂｃ ① ª ½"), "film abc 1 a 1 2");
        // Decomposed input: e + combining acute.
        assert_eq!(fold("Ame\u{301}lie"), "amelie");
        // Turkish dotted capital I lowercases to i + combining dot, which is dropped.
        assert_eq!(fold("İSTANBUL"), "istanbul");
    }

    #[test]
    fn punctuation_hyphens_and_apostrophes() {
        assert_eq!(fold("Jean-Pierre, DUPONT."), "jean pierre dupont");
        assert_eq!(fold("O'Brien d’Artagnan"), "obrien dartagnan");
        let mut out = String::new();
        fold_into(
            "Place d'Italie, St Mary's Rd",
            Apostrophe::BreakExceptPossessive,
            &mut out,
        );
        assert_eq!(out, "place d italie st marys rd");
        assert_eq!(fold("--- ..."), "");
    }

    #[test]
    fn other_scripts_are_kept() {
        assert_eq!(fold("Дмитрий ЙОДА"), "дмитрий йода");
        assert_eq!(fold("山田 太郎"), "山田 太郎");
        assert_eq!(fold("대한민국"), "대한민국");
        assert_eq!(fold("Ελλάδα"), "ελλάδα");
        // Half-width katakana with a separate voicing mark compose to one letter.
        assert_eq!(fold("ｶﾞ"), "ガ");
        // Conjoining jamo compose to the syllable.
        assert_eq!(fold("\u{1100}\u{1161}"), "가");
        // Devanagari vowel signs are marks of the letter before them.
        assert_eq!(fold("राम"), "राम");
        // A mathematical capital zeta has no lowercase, its compatibility form has; a
        // modifier letter capital AE is a Latin letter once in NFKC.
        assert_eq!(fold("\u{1D6AD}"), "ζ");
        assert_eq!(fold("\u{1D2D}"), "ae");
    }

    #[test]
    fn folded_ascii_detection() {
        assert!(is_folded_ascii("jean pierre dupont"));
        assert!(!is_folded_ascii("Jean"));
        assert!(!is_folded_ascii("jean  pierre"));
        assert!(!is_folded_ascii(" jean"));
        assert!(!is_folded_ascii(""));
        assert!(!is_folded_ascii("o'brien"));
    }
}
