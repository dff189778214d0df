//! `normalize_name(name)`: the canonical form of a person's name, for matching.

use std::borrow::Cow;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::fold::{Apostrophe, fold_into, is_folded_ascii};
use crate::common::{DOC_SECTION_NAME, map_to_utf8, one_string_return_type, one_string_signature};

/// Courtesy and professional titles (FR, EN, IT, DE, ES), folded. They are dropped only as
/// whole tokens at the start or the end of a name. A title of two tokens is written with a
/// space: `Sig.ra` folds to `sig ra`.
#[rustfmt::skip]
const TITLES: &[&str] = &[
    // French
    "mme", "mmes", "mlle", "mlles", "monsieur", "madame", "mademoiselle", "docteur", "pr",
    "professeur",
    // English
    "mr", "mrs", "ms", "mx", "miss", "mister", "dr", "doctor", "prof", "professor",
    // Italian
    "sig", "sigra", "sig ra", "signa", "sig na", "sigg", "signor", "signora", "signorina",
    "dott", "dottssa", "dott ssa", "prof ssa", "avv",
    // German
    "herr", "frau", "fraulein", "hr",
    // Spanish
    "sra", "srta", "senor", "senora", "senorita",
];

/// Returns the canonical form of a person's name, or `None` when it has no letter or digit.
///
/// The canonical form is made of words of lowercase letters and digits separated by single
/// spaces:
/// - Latin letters lose their accents (`Hélène` → `helene`) and the letters that do not
///   decompose are spelled in ASCII (`ß` → `ss`, `œ` → `oe`, `ø` → `o`, `ł` → `l`, `đ` → `d`);
///   letters of other scripts are kept, lowercased and in NFKC (`山田`, `дмитрий`).
/// - Hyphens and other punctuation separate words (`Jean-Pierre` → `jean pierre`); an
///   apostrophe joins (`O'Brien` → `obrien`, `d'Artagnan` → `dartagnan`), the form that most
///   exports and email addresses use once the apostrophe is lost.
/// - Titles (`M.`, `Mme`, `Mlle`, `Mr`, `Mrs`, `Ms`, `Miss`, `Dr`, `Pr`, `Prof`, `Sig.`,
///   `Sig.ra`, `Dott.`, `Herr`, `Frau`, `Sra`…) are dropped when they are whole words at the
///   start or the end, as long as a word remains. `M` counts as a title only when written
///   `M.` at the start, since a bare `M` is as likely an initial.
///
/// The value is borrowed from `s` when it is already canonical.
pub fn normalize_name(s: &str) -> Option<Cow<'_, str>> {
    let leading_m_dot = {
        let start = s.trim_start().as_bytes();
        start.len() >= 2 && matches!(start[0], b'M' | b'm') && start[1] == b'.'
    };
    if is_folded_ascii(s) {
        return Some(Cow::Borrowed(strip_titles(s, false)));
    }
    let mut folded = String::with_capacity(s.len());
    fold_into(s, Apostrophe::Join, &mut folded);
    if folded.is_empty() {
        return None;
    }
    let kept = strip_titles(&folded, leading_m_dot);
    if kept.len() == folded.len() {
        return Some(Cow::Owned(folded));
    }
    Some(Cow::Owned(kept.to_owned()))
}

/// The part of folded `name` left once leading and trailing titles are dropped.
fn strip_titles(name: &str, leading_m_dot: bool) -> &str {
    let mut rest = name;
    let mut allow_m = leading_m_dot;
    while let Some(len) = leading_title_len(rest, allow_m) {
        if len >= rest.len() {
            break;
        }
        rest = &rest[len + 1..];
        allow_m = false;
    }
    while let Some(len) = trailing_title_len(rest) {
        if len >= rest.len() {
            break;
        }
        rest = &rest[..rest.len() - len - 1];
    }
    rest
}

/// Byte length of the longest title that is a whole word at the start of `name`.
fn leading_title_len(name: &str, allow_m: bool) -> Option<usize> {
    longest_title(allow_m, |title| {
        name.strip_prefix(title)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}

/// Byte length of the longest title that is a whole word at the end of `name`.
fn trailing_title_len(name: &str) -> Option<usize> {
    longest_title(false, |title| {
        name.strip_suffix(title)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with(' '))
    })
}

fn longest_title(allow_m: bool, is_there: impl Fn(&str) -> bool) -> Option<usize> {
    TITLES
        .iter()
        .copied()
        .chain(allow_m.then_some("m"))
        .filter(|title| is_there(title))
        .map(str::len)
        .max()
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_NAME,
        "Returns the canonical form of a person's name for matching: lowercase words separated \
         by single spaces, Latin accents stripped (ß → ss, œ → oe, ø → o, ł → l), other scripts \
         kept in NFKC, hyphens and punctuation as word breaks, apostrophes removed \
         (O'Brien → obrien), and leading or trailing titles dropped (M., Mme, Mlle, Mr, Mrs, \
         Ms, Miss, Dr, Pr, Prof, Sig., Sig.ra, Dott., Herr, Frau, Sra…). Returns NULL when the \
         value has no letter or digit.",
        "normalize_name(name)",
    )
    .with_sql_example(
        r#"```sql
> select normalize_name('Mme Hélène DUPONT-Lefèvre');
+---------------------------------------------------+
| normalize_name(Utf8("Mme Hélène DUPONT-Lefèvre")) |
+---------------------------------------------------+
| helene dupont lefevre                             |
+---------------------------------------------------+
```"#,
    )
    .with_argument(
        "name",
        "String expression: a full name, first name or last name.",
    )
    .with_related_udf("name_tokens")
    .with_related_udf("nickname_root")
    .with_related_udf("name_similarity")
    .build()
});

/// The `normalize_name` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizeNameFunc {
    signature: Signature,
}

impl Default for NormalizeNameFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizeNameFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for NormalizeNameFunc {
    fn name(&self) -> &str {
        "normalize_name"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, normalize_name)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Option<String> {
        normalize_name(s).map(Cow::into_owned)
    }

    #[test]
    fn accents_case_punctuation_and_spaces() {
        assert_eq!(
            norm("  Hélène   DUPONT-Lefèvre ").as_deref(),
            Some("helene dupont lefevre")
        );
        assert_eq!(norm("Jean-Pierre").as_deref(), Some("jean pierre"));
        assert_eq!(norm("J.-P. Dupont").as_deref(), Some("j p dupont"));
        assert_eq!(norm("Müller, Jürgen").as_deref(), Some("muller jurgen"));
        assert_eq!(norm("François Lœb").as_deref(), Some("francois loeb"));
    }

    #[test]
    fn letters_that_do_not_decompose() {
        assert_eq!(norm("Weiß").as_deref(), Some("weiss"));
        assert_eq!(
            norm("Søren Kierkegaard").as_deref(),
            Some("soren kierkegaard")
        );
        assert_eq!(norm("Łukasz Wałęsa").as_deref(), Some("lukasz walesa"));
        assert_eq!(norm("Đoković").as_deref(), Some("dokovic"));
        assert_eq!(norm("Lætitia Cœur").as_deref(), Some("laetitia coeur"));
    }

    #[test]
    fn apostrophes_join() {
        assert_eq!(norm("O'Brien").as_deref(), Some("obrien"));
        assert_eq!(norm("d’Artagnan").as_deref(), Some("dartagnan"));
        assert_eq!(norm("D ARTAGNAN").as_deref(), Some("d artagnan"));
        assert_eq!(norm("Dartagnan").as_deref(), Some("dartagnan"));
    }

    #[test]
    fn titles_are_dropped_only_at_the_ends() {
        for (raw, expected) in [
            ("M. Jean Dupont", "jean dupont"),
            ("M Dupont", "m dupont"),
            ("Mme Dupont", "dupont"),
            ("MLLE. Marie Curie", "marie curie"),
            ("Dr. John Watson", "john watson"),
            ("Mrs Hudson", "hudson"),
            ("Sig.ra Maria Rossi", "maria rossi"),
            ("Dott.ssa Anna Bianchi", "anna bianchi"),
            ("Herr Hans Müller", "hans muller"),
            ("Frau Dr. Weber", "weber"),
            ("Sra. Ana García", "ana garcia"),
            ("Jean Dupont M.", "jean dupont m"),
            ("John Watson, Dr", "john watson"),
            // A title in the middle is a name.
            ("Jean Miss Dupont", "jean miss dupont"),
            // Nothing but a title: kept, it is all there is.
            ("Mme", "mme"),
            ("Mister", "mister"),
            // Words that merely start like a title.
            ("Mrsa Drake", "mrsa drake"),
        ] {
            assert_eq!(norm(raw).as_deref(), Some(expected), "{raw:?}");
        }
    }

    #[test]
    fn other_scripts_are_kept() {
        assert_eq!(norm("山田 太郎").as_deref(), Some("山田 太郎"));
        assert_eq!(norm("김민준").as_deref(), Some("김민준"));
        assert_eq!(norm("Дмитрий ИВАНОВ").as_deref(), Some("дмитрий иванов"));
        assert_eq!(norm("ﾔﾏﾀﾞ").as_deref(), Some("ヤマダ"));
    }

    #[test]
    fn borrows_when_already_canonical() {
        assert!(matches!(
            normalize_name("jean pierre dupont"),
            Some(Cow::Borrowed("jean pierre dupont"))
        ));
        assert!(matches!(
            normalize_name("mme dupont"),
            Some(Cow::Borrowed("dupont"))
        ));
    }

    #[test]
    fn nothing_left_is_none() {
        for s in ["", "   ", "-.-", "''", "()"] {
            assert_eq!(norm(s), None, "{s:?}");
        }
    }
}
