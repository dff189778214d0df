//! The street-address abbreviation table behind `normalize_address`, from
//! `udfs/data/address_abbreviations.csv` (compiled in).

use std::collections::HashMap;
use std::sync::LazyLock;

use datafusion::common::Result;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::name::csv_table::CsvTable;
use crate::name::fold::{Apostrophe, fold_into};

/// The bundled abbreviation table, as text.
pub const BUNDLED_ADDRESS_ABBREVIATIONS_CSV: &str =
    include_str!("../../data/address_abbreviations.csv");

/// Most words in one variant (`post office box`).
pub(crate) const MAX_VARIANT_WORDS: usize = 3;

pub(crate) static ABBREVIATIONS: LazyLock<AbbreviationTable> = LazyLock::new(|| {
    // The bundled file is checked by a unit test; should it ever fail to parse, addresses are
    // still folded, only without abbreviations.
    AbbreviationTable::parse(BUNDLED_ADDRESS_ABBREVIATIONS_CSV).unwrap_or_default()
});

/// Folded variants → canonical form, and the canonical forms of unit designators.
///
/// Every word of an address is looked up, so the maps use a fast non-cryptographic hash (the
/// keys are the bundled table, not user data).
#[derive(Default)]
pub(crate) struct AbbreviationTable {
    canonical: FxHashMap<String, String>,
    units: FxHashSet<String>,
    /// First words of the variants of several words (`lieu` of `lieu dit`): only a word in
    /// this set needs the lookups of two- and three-word keys.
    multi_word_starts: FxHashSet<String>,
}

impl AbbreviationTable {
    /// Reads the table: a variant with two canonical forms, a canonical form that is a variant
    /// of another, or a variant of more than [`MAX_VARIANT_WORDS`] words is an error.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let table = CsvTable::parse("address_abbreviations.csv", text)?;
        let variant_col = table.column("variant")?;
        let canonical_col = table.column("canonical")?;
        let kind_col = table.column("kind")?;
        table.column("language")?;
        let mut out = Self::default();
        let mut lines = HashMap::new();
        for (line, row) in table.rows() {
            let mut variant = String::new();
            fold_into(&row[variant_col], Apostrophe::Join, &mut variant);
            let mut canonical = String::new();
            fold_into(&row[canonical_col], Apostrophe::Join, &mut canonical);
            if variant.is_empty() || canonical.is_empty() {
                return Err(table.error(line, "empty variant or canonical form"));
            }
            if variant.split(' ').count() > MAX_VARIANT_WORDS {
                return Err(table.error(line, "a variant has at most three words"));
            }
            if row[kind_col] == "unit" {
                out.units.insert(canonical.clone());
            }
            if let Some(previous) = out.canonical.get(&variant)
                && *previous != canonical
            {
                return Err(table.error(
                    line,
                    &format!(
                        "\"{variant}\" is already abbreviated \"{previous}\" (line {})",
                        lines[&variant]
                    ),
                ));
            }
            if let Some((first, _)) = variant.split_once(' ') {
                out.multi_word_starts.insert(first.to_string());
            }
            lines.insert(variant.clone(), line);
            out.canonical.insert(variant, canonical);
        }
        for (variant, canonical) in &out.canonical {
            if let Some(other) = out.canonical.get(canonical)
                && other != canonical
            {
                return Err(table.error(
                    lines[variant],
                    &format!("\"{canonical}\" is itself abbreviated \"{other}\""),
                ));
            }
        }
        Ok(out)
    }

    /// The canonical form of the folded words `variant` (single spaces between words).
    pub(crate) fn get(&self, variant: &str) -> Option<&str> {
        self.canonical.get(variant).map(String::as_str)
    }

    /// Can `word` start a variant of several words?
    pub(crate) fn starts_multi_word(&self, word: &str) -> bool {
        self.multi_word_starts.contains(word)
    }

    /// Is `canonical` the canonical form of a unit designator (apartment, suite, floor…)?
    pub(crate) fn is_unit(&self, canonical: &str) -> bool {
        self.units.contains(canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_parses_with_its_columns() -> Result<()> {
        // parse() checks one canonical form per variant and no chains.
        let table = AbbreviationTable::parse(BUNDLED_ADDRESS_ABBREVIATIONS_CSV)?;
        assert!(table.canonical.len() >= 150, "{}", table.canonical.len());
        for (variant, canonical) in [
            ("avenue", "av"),
            ("boulevard", "bd"),
            ("street", "st"),
            ("saint", "st"),
            ("lieu dit", "ld"),
            ("p o box", "po box"),
            ("strasse", "str"),
        ] {
            assert_eq!(table.get(variant), Some(canonical), "{variant}");
        }
        assert!(table.is_unit("apt") && table.is_unit("ste") && !table.is_unit("st"));
        assert!(table.starts_multi_word("lieu") && !table.starts_multi_word("avenue"));
        let raw = CsvTable::parse(
            "address_abbreviations.csv",
            BUNDLED_ADDRESS_ABBREVIATIONS_CSV,
        )?;
        let kind = raw.column("kind")?;
        let kinds = [
            "street",
            "unit",
            "title",
            "direction",
            "ordinal",
            "box",
            "area",
        ];
        for (line, row) in raw.rows() {
            assert!(kinds.contains(&row[kind].as_str()), "line {line}");
        }
        Ok(())
    }

    #[test]
    fn conflicts_and_chains_are_rejected() {
        let header = "variant,canonical,kind,language\n";
        let two = format!("{header}av,av,street,fr\nAv.,avenue,street,fr\n");
        let err = AbbreviationTable::parse(&two).err().map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("line 3")),
            "{err:?}"
        );
        let chain = format!("{header}avenue,av,street,fr\nav,avn,street,fr\n");
        assert!(AbbreviationTable::parse(&chain).is_err());
        let long = format!("{header}a b c d,x,street,fr\n");
        assert!(AbbreviationTable::parse(&long).is_err());
    }
}
