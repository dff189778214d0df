//! The country table behind `normalize_country`: ISO 3166-1 codes and names in several
//! languages, from `udfs/data/countries.csv` (compiled in).

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::LazyLock;

use datafusion::common::Result;

use crate::name::csv_table::CsvTable;
use crate::name::fold::{Apostrophe, fold_into};

/// The bundled country table, as text.
pub const BUNDLED_COUNTRIES_CSV: &str = include_str!("../../data/countries.csv");

/// Longest input looked up, in bytes: no country name comes near it once folded.
const MAX_COUNTRY_BYTES: usize = 200;

/// The columns whose values name a country (the codes included).
const NAME_COLUMNS: &[&str] = &[
    "alpha2", "alpha3", "name_en", "name_fr", "name_de", "name_it", "name_es",
];

pub(crate) static COUNTRIES: LazyLock<CountryTable> = LazyLock::new(|| {
    // The bundled file is checked by a unit test; should it ever fail to parse, every country
    // is unknown (NULL) rather than the query failing.
    CountryTable::parse(BUNDLED_COUNTRIES_CSV).unwrap_or_default()
});

/// Folded names and codes → ISO 3166-1 alpha-2 code.
#[derive(Default)]
pub(crate) struct CountryTable {
    alpha2: Vec<String>,
    by_key: HashMap<String, usize>,
}

impl CountryTable {
    /// Reads the table; a name that folds to the same key as a name of another country is an
    /// error naming both lines.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let table = CsvTable::parse("countries.csv", text)?;
        let alpha2_col = table.column("alpha2")?;
        let name_cols = NAME_COLUMNS
            .iter()
            .map(|c| table.column(c))
            .collect::<Result<Vec<_>>>()?;
        let other_col = table.column("other_names")?;
        let mut out = Self::default();
        let mut lines = Vec::new();
        for (line, row) in table.rows() {
            let code = row[alpha2_col].to_ascii_uppercase();
            if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(table.error(line, &format!("bad alpha2 code {code:?}")));
            }
            let index = out.alpha2.len();
            out.alpha2.push(code);
            lines.push(line);
            let names = name_cols
                .iter()
                .map(|&c| row[c].as_str())
                .chain(row[other_col].split('|'))
                .filter(|n| !n.trim().is_empty());
            for name in names {
                let mut key = String::new();
                let key = country_key(name, &mut key)
                    .ok_or_else(|| table.error(line, &format!("name {name:?} has no letter")))?;
                match out.by_key.entry(key.to_owned()) {
                    Entry::Vacant(e) => {
                        e.insert(index);
                    }
                    Entry::Occupied(e) if *e.get() != index => {
                        return Err(table.error(
                            line,
                            &format!(
                                "{name:?} is also a name of {} (line {})",
                                out.alpha2[*e.get()],
                                lines[*e.get()]
                            ),
                        ));
                    }
                    Entry::Occupied(_) => {}
                }
            }
        }
        Ok(out)
    }

    /// The alpha-2 code of the country `text` names, if any.
    pub(crate) fn lookup(&self, text: &str) -> Option<&str> {
        if text.len() > MAX_COUNTRY_BYTES {
            return None;
        }
        let mut ascii = [0u8; MAX_COUNTRY_BYTES];
        if text.is_ascii() && !text.contains('&') {
            // The fold of ASCII text without `&` is its letters and digits, lowercased: no
            // allocation for the common case.
            let mut len = 0;
            for b in text.bytes().filter(u8::is_ascii_alphanumeric) {
                ascii[len] = b.to_ascii_lowercase();
                len += 1;
            }
            let key = std::str::from_utf8(&ascii[..len]).ok()?;
            return self.by_key.get(key).map(|&i| self.alpha2[i].as_str());
        }
        let mut buf = String::new();
        let key = country_key(text, &mut buf)?;
        self.by_key.get(key).map(|&i| self.alpha2[i].as_str())
    }

    /// Number of countries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.alpha2.len()
    }
}

/// The lookup key of a country name: folded (case, accents), `&` read as `and`, and every
/// space and punctuation removed. `None` when nothing is left.
fn country_key<'b>(name: &str, buf: &'b mut String) -> Option<&'b str> {
    if name.contains('&') {
        fold_into(&name.replace('&', " and "), Apostrophe::Join, buf);
    } else {
        fold_into(name, Apostrophe::Join, buf);
    }
    buf.retain(|c| c != ' ');
    (!buf.is_empty()).then_some(buf.as_str())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn bundled_table_has_every_iso_country_and_no_conflict() -> Result<()> {
        // parse() fails on a name shared by two countries.
        let countries = CountryTable::parse(BUNDLED_COUNTRIES_CSV)?;
        assert_eq!(countries.len(), 249);
        assert_eq!(COUNTRIES.len(), 249);
        let table = CsvTable::parse("countries.csv", BUNDLED_COUNTRIES_CSV)?;
        let (a2, a3, en, fr) = (
            table.column("alpha2")?,
            table.column("alpha3")?,
            table.column("name_en")?,
            table.column("name_fr")?,
        );
        let mut seen2 = HashSet::new();
        let mut seen3 = HashSet::new();
        for (line, row) in table.rows() {
            assert!(seen2.insert(row[a2].clone()), "line {line}: alpha2 twice");
            assert!(seen3.insert(row[a3].clone()), "line {line}: alpha3 twice");
            assert!(
                row[a3].len() == 3 && row[a3].bytes().all(|b| b.is_ascii_uppercase()),
                "line {line}: alpha3 {:?}",
                row[a3]
            );
            assert!(!row[en].is_empty() && !row[fr].is_empty(), "line {line}");
            // Every code and name leads back to its own row.
            assert_eq!(countries.lookup(&row[a3]), Some(row[a2].as_str()));
            assert_eq!(countries.lookup(&row[en]), Some(row[a2].as_str()));
            assert_eq!(countries.lookup(&row[fr]), Some(row[a2].as_str()));
        }
        Ok(())
    }

    #[test]
    fn conflicting_names_are_rejected() {
        let text = "alpha2,alpha3,name_en,name_fr,name_de,name_it,name_es,other_names\n\
                    AA,AAA,Foo,Foo,,,,\nBB,BBB,Bar,Bar,,,,FOO\n";
        let err = CountryTable::parse(text).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("line 3") && e.contains("AA") && e.contains("line 2")),
            "{err:?}"
        );
    }
}
