//! The nickname table behind `nickname_root` and `name_similarity`.
//!
//! The bundled table is `udfs/data/nicknames.csv` (compiled in). A program can build its own
//! table from a CSV of the same shape, usually merged over the bundled one, and give it to
//! [`super::NicknameRootFunc::with_table`] and [`super::NameSimilarityFunc::with_nicknames`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, LazyLock};

use datafusion::common::Result;

use super::csv_table::CsvTable;
use super::normalize_name::normalize_name;

/// The bundled nickname table, as text.
pub const BUNDLED_NICKNAMES_CSV: &str = include_str!("../../data/nicknames.csv");

static BUNDLED: LazyLock<Arc<NicknameTable>> = LazyLock::new(|| {
    // The bundled file is checked by a unit test; should it ever fail to parse, names are
    // still normalized, only without nickname roots.
    Arc::new(NicknameTable::from_csv("nicknames.csv", BUNDLED_NICKNAMES_CSV).unwrap_or_default())
});

/// Nicknames and the formal first name each one stands for, both in
/// [`normalize_name`](super::normalize_name) form.
///
/// A table maps each nickname to exactly one root: a CSV that gives one nickname two different
/// roots is rejected. Ambiguous nicknames (`alex`: Alexandre, Alexander, Alexandra, Alexis) are
/// settled in the data, not in code; the bundled table keeps, for each nickname, the formal
/// name it most often stands for in the language where the nickname is most used, French
/// first, then English, Italian, German and Spanish (so `alex` → `alexandre`, `fred` →
/// `frederic`). Roots are a matching key, not a claim about a person's legal name: a root can
/// differ in spelling across languages (`alexandre`/`alexander`), which `name_similarity`
/// absorbs with its Jaro-Winkler comparison.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct NicknameTable {
    roots: HashMap<String, String>,
}

impl NicknameTable {
    /// The bundled table (`udfs/data/nicknames.csv`).
    pub fn bundled() -> Arc<NicknameTable> {
        Arc::clone(&BUNDLED)
    }

    /// Reads a table from CSV text with a header naming the columns `nickname` and `root`
    /// (others, such as `language`, are ignored); `name` appears in errors. Both columns are
    /// normalized with `normalize_name`, so `Bébert,Albert` works. A nickname given two
    /// different roots, or an empty cell, is an error naming the line.
    pub fn from_csv(name: &str, text: &str) -> Result<Self> {
        let table = CsvTable::parse(name, text)?;
        let nickname_col = table.column("nickname")?;
        let root_col = table.column("root")?;
        let mut roots: HashMap<String, (String, usize)> = HashMap::new();
        for (line, row) in table.rows() {
            let (Some(nickname), Some(root)) = (
                normalize_name(&row[nickname_col]),
                normalize_name(&row[root_col]),
            ) else {
                return Err(table.error(line, "empty nickname or root"));
            };
            if nickname == root {
                continue;
            }
            match roots.entry(nickname.into_owned()) {
                Entry::Vacant(e) => {
                    e.insert((root.into_owned(), line));
                }
                Entry::Occupied(e) if e.get().0 != root => {
                    return Err(table.error(
                        line,
                        &format!(
                            "nickname \"{}\" already has the root \"{}\" (line {}); a \
                             nickname has one root per table",
                            e.key(),
                            e.get().0,
                            e.get().1
                        ),
                    ));
                }
                Entry::Occupied(_) => {}
            }
        }
        Ok(Self {
            roots: roots.into_iter().map(|(k, (v, _))| (k, v)).collect(),
        })
    }

    /// The bundled table with the rows of CSV `text` added; a nickname in `text` replaces the
    /// bundled root.
    pub fn bundled_with_csv(name: &str, text: &str) -> Result<Self> {
        Ok(Self::bundled().merged_with(&Self::from_csv(name, text)?))
    }

    /// This table with the rows of `overrides` added, `overrides` winning on a shared nickname.
    pub fn merged_with(&self, overrides: &NicknameTable) -> NicknameTable {
        let mut roots = self.roots.clone();
        roots.extend(overrides.roots.iter().map(|(k, v)| (k.clone(), v.clone())));
        Self { roots }
    }

    /// Number of nicknames.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Has the table no nickname?
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The root of `nickname`, which must be in normalized form.
    pub fn get(&self, nickname: &str) -> Option<&str> {
        self.roots.get(nickname).map(String::as_str)
    }

    /// The `(nickname, root)` pairs, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.roots.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `name` normalized, with nicknames replaced by their roots: the whole name when it is a
    /// nickname (`JP` or `J.-P.` → `jean pierre`), otherwise each word (`Bob Smith` →
    /// `robert smith`).
    /// `None` when `name` has no letter or digit.
    pub fn root_of<'n>(&self, name: &'n str) -> Option<Cow<'n, str>> {
        let normalized = normalize_name(name)?;
        if let Some(root) = self.get(&normalized) {
            return Some(Cow::Owned(root.to_owned()));
        }
        if normalized.contains(' ') && normalized.split(' ').all(|w| w.chars().count() == 1) {
            // Initials written apart: `J.-P.` is looked up as `jp`.
            let joined: String = normalized.split(' ').collect();
            if let Some(root) = self.get(&joined) {
                return Some(Cow::Owned(root.to_owned()));
            }
        }
        if !normalized.split(' ').any(|w| self.roots.contains_key(w)) {
            return Some(normalized);
        }
        let mut out = String::with_capacity(normalized.len() + 8);
        for word in normalized.split(' ') {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(self.get(word).unwrap_or(word));
        }
        Some(Cow::Owned(out))
    }
}

impl fmt::Debug for NicknameTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NicknameTable({} nicknames)", self.roots.len())
    }
}

impl Hash for NicknameTable {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Consistent with `Eq`: equal tables have as many entries.
        self.roots.len().hash(state);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn bundled_table_parses_with_its_columns_and_no_conflict() -> Result<()> {
        let table = CsvTable::parse("nicknames.csv", BUNDLED_NICKNAMES_CSV)?;
        table.column("nickname")?;
        table.column("root")?;
        let language = table.column("language")?;
        let languages: HashSet<&str> = ["fr", "en", "it", "de", "es"].into();
        for (line, row) in table.rows() {
            assert!(
                languages.contains(row[language].as_str()),
                "line {line}: language {:?}",
                row[language]
            );
        }
        // from_csv rejects a nickname with two roots.
        let nicknames = NicknameTable::from_csv("nicknames.csv", BUNDLED_NICKNAMES_CSV)?;
        assert!(nicknames.len() >= 300, "{} nicknames", nicknames.len());
        assert_eq!(nicknames.len(), NicknameTable::bundled().len());
        // No chains: a root is never itself a nickname, so one lookup is enough.
        for (nickname, root) in nicknames.iter() {
            for word in root.split(' ') {
                assert!(
                    nicknames.get(word).is_none(),
                    "{nickname} → {root}, and {word} is a nickname"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn bundled_examples() {
        let table = NicknameTable::bundled();
        for (nickname, root) in [
            ("bob", "robert"),
            ("jeannot", "jean"),
            ("beppe", "giuseppe"),
            ("alex", "alexandre"),
            ("bill", "william"),
            ("peggy", "margaret"),
            ("pepe", "jose"),
            ("jp", "jean pierre"),
        ] {
            assert_eq!(table.get(nickname), Some(root), "{nickname}");
        }
    }

    #[test]
    fn root_of_whole_name_then_words() {
        let table = NicknameTable::bundled();
        let root = |s| table.root_of(s).map(Cow::into_owned);
        assert_eq!(root("Bob").as_deref(), Some("robert"));
        assert_eq!(root("BOB Smith").as_deref(), Some("robert smith"));
        assert_eq!(root("J.P.").as_deref(), Some("jean pierre"));
        assert_eq!(root("Hélène").as_deref(), Some("helene"));
        assert!(matches!(
            table.root_of("marie"),
            Some(Cow::Borrowed("marie"))
        ));
        assert_eq!(root("--"), None);
    }

    #[test]
    fn csv_errors_and_merging() -> Result<()> {
        let err = NicknameTable::from_csv("mine.csv", "nickname,root\nal,albert\nal,alain\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("mine.csv line 3") && err.contains("line 2"),
            "{err}"
        );
        let err = NicknameTable::from_csv("mine.csv", "nick,root\nal,albert\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("no column \"nickname\""), "{err}");
        let err = NicknameTable::from_csv("mine.csv", "nickname,root\n--,albert\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("empty"), "{err}");

        let merged = NicknameTable::bundled_with_csv(
            "mine.csv",
            "nickname,root,language\nAlex,Alexis,fr\nBébert,Hubert,fr\nZaza,Isabelle,fr\n",
        )?;
        assert_eq!(merged.get("alex"), Some("alexis"));
        assert_eq!(merged.get("bebert"), Some("hubert"));
        assert_eq!(merged.get("zaza"), Some("isabelle"));
        assert_eq!(merged.get("bob"), Some("robert"));
        Ok(())
    }
}
