//! `normalize_address(address)`: the canonical form of a street address line, for matching.

use std::borrow::Cow;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::abbreviations::{ABBREVIATIONS, MAX_VARIANT_WORDS};
use crate::common::{
    DOC_SECTION_ADDRESS, map_to_utf8, one_string_return_type, one_string_signature,
};
use crate::name::fold::{Apostrophe, fold_into, is_folded_ascii};

/// Words of an already-canonical address checked without allocating; longer ones go the
/// general way.
const FAST_PATH_WORDS: usize = 32;

/// Returns the canonical form of an address line, or `None` when it has no letter or digit.
///
/// - Case, accents and punctuation are folded as for names (`Élysées` → `elysees`, hyphens and
///   commas are word breaks), except that an apostrophe is a word break (`d'Italie` →
///   `d italie`, as La Poste writes addresses) unless it starts a final English possessive `s`
///   (`St Mary's` → `st marys`).
/// - Street types, unit designators, titles and directions are written as one canonical
///   abbreviation, from `udfs/data/address_abbreviations.csv`: `avenue`, `ave`, `av.` → `av`;
///   `Street`, `St.` → `st`, and `Saint` → `st` too, which settles the Street/Saint ambiguity
///   of `St` without guessing from its position; `Apartment`, `Appt`, `Apt` → `apt`; up to
///   three words (`Lieu-dit` → `ld`, `P.O. Box` → `po box`). German compounds ending in
///   `straße`/`strasse` end in `str` (`Hauptstraße` → `hauptstr`).
/// - Numbers are kept. A French repetition suffix is its own word (`12bis` → `12 bis`);
///   ordinals are digits with a suffix (`first` → `1st`, `2ème`/`2eme`/`deuxième` → `2e`,
///   `1ère`/`premier` → `1er`); `n°`, `no` and `nr` before a number are dropped; `#` before
///   a number is `apt`, unless a unit word already precedes it (`Suite #4` → `ste 4`).
///
/// The value is borrowed from `address` when it is already canonical.
pub fn normalize_address(address: &str) -> Option<Cow<'_, str>> {
    if is_folded_ascii(address) && is_canonical(address) {
        return Some(Cow::Borrowed(address));
    }
    let folded = fold_address(address);
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let mut out = String::with_capacity(folded.len());
    rewrite(&words, |piece| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(piece);
    });
    (!out.is_empty()).then_some(Cow::Owned(out))
}

/// Does the folded ASCII `address` rewrite to itself? Checked without allocating.
fn is_canonical(address: &str) -> bool {
    let mut words = [""; FAST_PATH_WORDS];
    let mut count = 0;
    for word in address.split(' ') {
        let Some(slot) = words.get_mut(count) else {
            return false;
        };
        *slot = word;
        count += 1;
    }
    let mut rest = address;
    let mut same = true;
    rewrite(&words[..count], |piece| {
        if !same {
            return;
        }
        match rest.strip_prefix(piece) {
            Some("") => rest = "",
            Some(after) if after.starts_with(' ') => rest = &after[1..],
            _ => same = false,
        }
    });
    same && rest.is_empty()
}

/// Folds `address` keeping `#` as a word of its own and reading `°` as `o` (`n°` → `no`).
fn fold_address(address: &str) -> String {
    let address: Cow<str> = if address.contains('°') {
        Cow::Owned(address.replace('°', "o"))
    } else {
        Cow::Borrowed(address)
    };
    let mut out = String::with_capacity(address.len());
    if !address.contains('#') {
        fold_into(&address, Apostrophe::BreakExceptPossessive, &mut out);
        return out;
    }
    let mut part = String::new();
    for (i, piece) in address.split('#').enumerate() {
        if i > 0 {
            out.push_str(" # ");
        }
        fold_into(piece, Apostrophe::BreakExceptPossessive, &mut part);
        out.push_str(&part);
    }
    out
}

/// Calls `emit` with each word (or words) of the canonical form of folded `words`.
fn rewrite(words: &[&str], mut emit: impl FnMut(&str)) {
    let table = &*ABBREVIATIONS;
    let mut scratch = String::new();
    let mut last_was_unit = false;
    let mut i = 0;
    while i < words.len() {
        let word = words[i];
        let next_is_number = words
            .get(i + 1)
            .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()));
        i += 1;
        if word == "#" {
            if next_is_number && !last_was_unit {
                emit("apt");
                last_was_unit = true;
            }
            continue;
        }
        if matches!(word, "no" | "nr" | "num" | "numero") && next_is_number {
            continue;
        }
        if word.starts_with(|c: char| c.is_ascii_digit()) {
            emit(number_word(word, &mut scratch));
            last_was_unit = false;
            continue;
        }
        if let Some((canonical, used)) = longest_variant(&words[i - 1..], &mut scratch) {
            i += used - 1;
            last_was_unit = table.is_unit(canonical);
            emit(canonical);
            continue;
        }
        last_was_unit = false;
        match word.strip_suffix("strasse") {
            Some(stem) if !stem.is_empty() => {
                scratch.clear();
                scratch.push_str(stem);
                scratch.push_str("str");
                emit(&scratch);
            }
            _ => emit(word),
        }
    }
}

/// The canonical form of the longest variant (up to three words) that `words` starts with,
/// and how many words it takes.
fn longest_variant<'t>(words: &[&str], key: &mut String) -> Option<(&'t str, usize)> {
    let table: &'t _ = &*ABBREVIATIONS;
    let first = words.first()?;
    if !table.starts_multi_word(first) {
        return table.get(first).map(|c| (c, 1));
    }
    (1..=MAX_VARIANT_WORDS.min(words.len()))
        .rev()
        .find_map(|n| {
            key.clear();
            for (k, w) in words[..n].iter().enumerate() {
                if k > 0 {
                    key.push(' ');
                }
                key.push_str(w);
            }
            table.get(key).map(|c| (c, n))
        })
}

/// A word starting with a digit: `12bis` → `12 bis`, `2eme` → `2e`, `1ere` → `1er`; other
/// words (`221b`, `1st`, `75001`) as they are.
fn number_word<'a>(word: &'a str, scratch: &'a mut String) -> &'a str {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let (number, suffix) = word.split_at(digits);
    let replacement = match suffix {
        "bis" | "ter" | "quater" => Some(" "),
        "e" | "eme" | "ieme" | "em" => Some("e"),
        "er" | "re" | "ere" if number == "1" => Some("er"),
        _ => None,
    };
    let Some(replacement) = replacement else {
        return word;
    };
    scratch.clear();
    scratch.push_str(number);
    if replacement == " " {
        scratch.push(' ');
        scratch.push_str(suffix);
    } else {
        scratch.push_str(replacement);
    }
    scratch
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_ADDRESS,
        "Returns the canonical form of a street address line for matching: lowercase, Latin \
         accents stripped, punctuation and hyphens as word breaks, and street types, units, \
         titles and directions written as one canonical abbreviation (French, English, \
         Italian, German and Spanish, from udfs/data/address_abbreviations.csv): avenue, ave, \
         av. → av; boulevard, blvd → bd; street, st. → st; apartment, appt, apt → apt. The \
         abbreviation is the canonical direction because it removes the ambiguous readings: \
         Saint and Street both give st, Sainte and Suite ste, Docteur and Drive dr. Numbers \
         are kept; 12bis → 12 bis; ordinals become digits (first → 1st, deuxième → 2e, \
         1ère → 1er); n°/no before a number is dropped; #4 → apt 4. NULL when the value has \
         no letter or digit.",
        "normalize_address(address)",
    )
    .with_sql_example(
        r#"```sql
> select normalize_address('12 av. des Champs-Élysées'), normalize_address('221B Baker Street');
+------------------------------------------------------+----------------------------------------------+
| normalize_address(Utf8("12 av. des Champs-Élysées")) | normalize_address(Utf8("221B Baker Street")) |
+------------------------------------------------------+----------------------------------------------+
| 12 av des champs elysees                             | 221b baker st                                |
+------------------------------------------------------+----------------------------------------------+
```"#,
    )
    .with_argument("address", "String expression: a street address line.")
    .with_related_udf("normalize_postcode")
    .with_related_udf("normalize_country")
    .build()
});

/// The `normalize_address` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizeAddressFunc {
    signature: Signature,
}

impl Default for NormalizeAddressFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizeAddressFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for NormalizeAddressFunc {
    fn name(&self) -> &str {
        "normalize_address"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, normalize_address)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Option<String> {
        normalize_address(s).map(Cow::into_owned)
    }

    fn same(a: &str, b: &str) {
        assert_eq!(norm(a), norm(b), "{a:?} vs {b:?}");
        assert!(norm(a).is_some(), "{a:?}");
    }

    #[test]
    fn equivalent_spellings_meet() {
        same("12 av. des Champs-Élysées", "12 Avenue des Champs Elysees");
        same("221B Baker St.", "221b baker street");
        same("Apt 4", "Apartment 4");
        same("Apt 4", "#4");
        same("Appt. 4", "apartment 4");
        same("Suite #200", "Ste 200");
        same("12 bd Saint-Germain", "12 boulevard St Germain");
        same("1 St James St", "1 Saint James Street");
        same("12bis rue de la Paix", "12 BIS, Rue de la Paix");
        same("3ème étage", "3e etage");
        same("1ère avenue", "premiere av");
        same("First Avenue", "1st Ave");
        same("n° 5 rue Victor Hugo", "5 rue Victor-Hugo");
        same("Lieu-dit Le Moulin", "LD le moulin");
        same("P.O. Box 123", "PO Box 123");
        same("10 Place d'Italie", "10 place d italie");
        same("Hauptstraße 5", "Hauptstr. 5");
        same("Via Roma 1, P.zza Garibaldi", "via roma 1 piazza garibaldi");
        same("123 North Main Street", "123 N Main St");
    }

    #[test]
    fn exact_forms() {
        for (raw, expected) in [
            ("12 av. des Champs-Élysées", "12 av des champs elysees"),
            ("221B Baker St.", "221b baker st"),
            ("St Mary's Rd", "st marys rd"),
            ("Rue du Dr Roux", "rue du dr roux"),
            ("Bâtiment B, Escalier 2", "bat b esc 2"),
            ("Résidence Les Pins, Apt. 12", "res les pins apt 12"),
            ("12 Rue de l'Église", "12 rue de l eglise"),
            ("Calle Mayor 3", "c mayor 3"),
        ] {
            assert_eq!(norm(raw).as_deref(), Some(expected), "{raw:?}");
        }
    }

    #[test]
    fn different_addresses_stay_different() {
        assert_ne!(norm("12 rue de la Paix"), norm("14 rue de la Paix"));
        assert_ne!(norm("12 bis rue X"), norm("12 ter rue X"));
        assert_ne!(norm("Apt 4"), norm("Apt 5"));
    }

    #[test]
    fn borrows_when_canonical_and_none_when_empty() {
        assert!(matches!(
            normalize_address("12 av des champs elysees"),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(
            normalize_address("221b baker st"),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(
            normalize_address("12 avenue foch"),
            Some(Cow::Owned(_))
        ));
        for empty in ["", "  ", ", -", "#"] {
            assert_eq!(norm(empty), None, "{empty:?}");
        }
    }
}
