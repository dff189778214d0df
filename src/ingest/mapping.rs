//! Source mappings: how one source system's export files become lake tables.
//!
//! A mapping is data (`schemas/sources/<source>.toml`), not code: a new source is a new file.
//! It names the source's entities (customers, orders ...), and for each one the files that hold
//! it, their format (separator, encoding, decimal separator, time zone ...), the columns to load
//! with their types, the natural key, and derived (normalized) columns as SQL expressions over
//! the loaded columns. The bundled mappings are embedded in the binary; `--mappings DIR` reads
//! others.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono_tz::Tz;
use include_dir::{Dir, include_dir};
use serde::Deserialize;

static BUNDLED_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/schemas/sources");

/// A mapping file that does not load, with the file and the reason.
#[derive(Debug, thiserror::Error)]
#[error("source mapping {file}: {message}")]
pub struct MappingError {
    pub file: String,
    pub message: String,
}

/// One source system and its entities.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceMapping {
    /// Name used on the command line (`--source`) and in lake metadata.
    pub source: String,
    pub description: String,
    /// Format defaults for every entity of the source.
    #[serde(default)]
    pub format: Format,
    pub entities: Vec<EntityMapping>,
}

/// The file format. Entity values override the source's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Format {
    /// `csv` (the default) or `jsonl` (one JSON object per line).
    pub kind: Option<FileKind>,
    /// CSV field separator (default `,`).
    pub delimiter: Option<char>,
    /// Text encoding (default `utf-8`; e.g. `windows-1252`), any WHATWG label.
    pub encoding: Option<String>,
    /// Decimal separator of numbers (default `.`).
    pub decimal_separator: Option<char>,
    /// IANA time zone of timestamps written without an offset (default UTC).
    pub timezone: Option<String>,
    /// Words read as true and false by `boolean` columns (compared case-insensitively).
    pub true_values: Option<Vec<String>>,
    pub false_values: Option<Vec<String>>,
    /// Longest field accepted, in bytes (default 65536); a longer one quarantines its row.
    pub max_field_bytes: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Csv,
    Jsonl,
}

/// One entity of a source: the files that hold it and the table it is loaded into.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityMapping {
    /// Name used with `--entity`.
    pub name: String,
    /// Lake table name `schema.table`: the table of every version is `<table>_history`, and a
    /// view `<table>` shows the current version of each record.
    pub table: String,
    pub description: String,
    /// File name patterns (`*` wildcard, case-insensitive) that pick this entity's files when a
    /// directory is given.
    pub files: Vec<String>,
    /// Columns (by `name`) that identify a record: a row with the same key is a new version of
    /// the same record.
    pub key: Vec<String>,
    #[serde(default)]
    pub format: Format,
    /// Values looked up in a lake table, usable as a time zone by timestamp columns.
    #[serde(default)]
    pub lookups: Vec<Lookup>,
    pub columns: Vec<ColumnMapping>,
    /// Normalized columns: SQL expressions over the loaded columns (and earlier derived ones).
    #[serde(default)]
    pub derived: Vec<Derived>,
    /// Which customer record each row is about, so that a row of a person erased under GDPR
    /// is recognised by their record id (a ticket or consent event carries no email).
    pub person: Option<PersonRef>,
    /// How the entity's current records read as tables of amigo's model
    /// (`schemas/canonical/`), which the pipelines read: see [`super::canonical`].
    #[serde(default)]
    pub canonical: Vec<CanonicalMapping>,
}

/// The entity as rows of a canonical table: each canonical column as a SQL expression over the
/// entity's columns (those of its current view `table`, `_valid_from` included; the view is
/// named `src` for a correlated lookup). Columns left out are NULL; those the model says are
/// never NULL must be given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CanonicalMapping {
    /// `raw.<table>` of `schemas/canonical/<table>.toml`.
    pub table: String,
    /// One canonical row per distinct set of values: an order from the lines that repeat it.
    #[serde(default)]
    pub distinct: bool,
    pub columns: BTreeMap<String, String>,
}

/// The customer record a row belongs to: `<system>:<id>`, as in `raw.customer_records`
/// (`source_system:source_id`), with the system fixed (`system = "cegid"`) or read from a
/// column (`system_column = "source_system"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    pub system: Option<String>,
    pub system_column: Option<String>,
    /// Column (by `name`) holding the customer's id in that system.
    pub id: String,
}

/// A column from the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    /// Header name in a CSV file, or dotted path in a JSON object (`consents.email_marketing`).
    /// Absent for a `sequence_within` column.
    pub source: Option<String>,
    /// Column name in the lake.
    pub name: String,
    /// `string` (default), `int`, `float`, `decimal(P,S)`, `boolean`, `date` or `timestamp`.
    #[serde(rename = "type", default = "string_type")]
    pub type_name: String,
    /// chrono format of a date or timestamp (`%d/%m/%Y`); `iso8601` accepts RFC 3339 / ISO 8601
    /// with or without an offset.
    pub format: Option<String>,
    /// IANA zone of this timestamp column, or `lookup:<name>` for a per-row zone.
    pub timezone: Option<String>,
    /// A row without this value is quarantined (key columns always are required).
    #[serde(default)]
    pub required: bool,
    /// A prefix that is not part of the value (Shopify's `'` Excel guard), removed if present.
    pub strip_prefix: Option<String>,
    /// Generated: the row's 1-based position among the rows of the file with the same values
    /// of these columns (Shopify exports one row per order line, without a line number).
    pub sequence_within: Option<Vec<String>>,
}

fn string_type() -> String {
    "string".to_owned()
}

/// A per-row value read from a lake table: `table.value` where `table.key` = this row's `on`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lookup {
    pub name: String,
    pub table: String,
    pub key: String,
    pub value: String,
    /// Column (by `name`) of this entity whose value is looked up.
    pub on: String,
}

/// A derived column: `sql` is a DataFusion SQL expression, with amigo's functions.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Derived {
    pub name: String,
    pub sql: String,
}

/// The type of a mapped column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Int,
    Float,
    Decimal { precision: u8, scale: i8 },
    Boolean,
    Date,
    Timestamp,
}

impl ColumnType {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim().to_ascii_lowercase();
        Some(match text.as_str() {
            "string" => Self::String,
            "int" => Self::Int,
            "float" => Self::Float,
            "boolean" => Self::Boolean,
            "date" => Self::Date,
            "timestamp" => Self::Timestamp,
            _ => {
                let inner = text.strip_prefix("decimal(")?.strip_suffix(')')?;
                let (p, s) = inner.split_once(',')?;
                let precision: u8 = p.trim().parse().ok()?;
                let scale: i8 = s.trim().parse().ok()?;
                if precision == 0 || precision > 38 || scale < 0 || scale as u8 > precision {
                    return None;
                }
                Self::Decimal { precision, scale }
            }
        })
    }
}

/// Where a timestamp column's zone comes from, for values without an offset.
#[derive(Debug, Clone, PartialEq)]
pub enum ZoneSource {
    Fixed(Tz),
    Lookup(String),
}

impl Format {
    /// `self` with the unset fields taken from `defaults`.
    fn or(&self, defaults: &Format) -> Format {
        Format {
            kind: self.kind.or(defaults.kind),
            delimiter: self.delimiter.or(defaults.delimiter),
            encoding: self.encoding.clone().or_else(|| defaults.encoding.clone()),
            decimal_separator: self.decimal_separator.or(defaults.decimal_separator),
            timezone: self.timezone.clone().or_else(|| defaults.timezone.clone()),
            true_values: self
                .true_values
                .clone()
                .or_else(|| defaults.true_values.clone()),
            false_values: self
                .false_values
                .clone()
                .or_else(|| defaults.false_values.clone()),
            max_field_bytes: self.max_field_bytes.or(defaults.max_field_bytes),
        }
    }

    pub fn kind(&self) -> FileKind {
        self.kind.unwrap_or(FileKind::Csv)
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter.map_or(b',', |c| c as u8)
    }

    pub fn decimal_separator(&self) -> u8 {
        self.decimal_separator.map_or(b'.', |c| c as u8)
    }

    pub fn encoding(&self) -> &'static encoding_rs::Encoding {
        self.encoding
            .as_deref()
            .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
            .unwrap_or(encoding_rs::UTF_8)
    }

    pub fn max_field_bytes(&self) -> usize {
        self.max_field_bytes.unwrap_or(65536)
    }

    pub fn true_values(&self) -> Vec<String> {
        self.true_values
            .clone()
            .unwrap_or_else(|| ["true", "yes", "y", "1", "t"].map(String::from).to_vec())
    }

    pub fn false_values(&self) -> Vec<String> {
        self.false_values
            .clone()
            .unwrap_or_else(|| ["false", "no", "n", "0", "f"].map(String::from).to_vec())
    }
}

impl SourceMapping {
    /// Parses and checks a mapping; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, MappingError> {
        let error = |message: String| MappingError {
            file: file.to_owned(),
            message,
        };
        let mut mapping: SourceMapping = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        for entity in &mut mapping.entities {
            entity.format = entity.format.or(&mapping.format);
            entity
                .check()
                .map_err(|m| error(format!("entity {}: {m}", entity.name)))?;
        }
        let mut names = HashSet::new();
        for entity in &mapping.entities {
            if !names.insert(&entity.name) {
                return Err(error(format!("entity {} is defined twice", entity.name)));
            }
        }
        Ok(mapping)
    }

    pub fn entity(&self, name: &str) -> Option<&EntityMapping> {
        self.entities.iter().find(|e| e.name == name)
    }
}

impl EntityMapping {
    fn check(&self) -> Result<(), String> {
        let (schema, table) = self
            .table
            .split_once('.')
            .ok_or_else(|| format!("table {:?} must be schema.table", self.table))?;
        crate::lake::check_identifier(schema).map_err(|e| e.to_string())?;
        crate::lake::check_identifier(table).map_err(|e| e.to_string())?;
        if let Some(label) = &self.format.encoding
            && encoding_rs::Encoding::for_label(label.as_bytes()).is_none()
        {
            return Err(format!("unknown encoding {label:?}"));
        }
        if let Some(zone) = &self.format.timezone {
            zone.parse::<Tz>()
                .map_err(|_| format!("unknown time zone {zone:?}"))?;
        }
        let mut names = HashSet::new();
        for column in &self.columns {
            crate::lake::check_identifier(&column.name).map_err(|e| e.to_string())?;
            if column.name.starts_with('_') {
                return Err(format!(
                    "column {}: names starting with _ are reserved for ingest metadata",
                    column.name
                ));
            }
            if !names.insert(column.name.as_str()) {
                return Err(format!("column {} is defined twice", column.name));
            }
            let column_type = column.column_type()?;
            match (&column.source, &column.sequence_within) {
                (Some(_), None) => {}
                (None, Some(within)) => {
                    if column_type != ColumnType::Int {
                        return Err(format!(
                            "column {}: a sequence_within column has type int",
                            column.name
                        ));
                    }
                    for other in within {
                        if !self.columns.iter().any(|c| &c.name == other) {
                            return Err(format!(
                                "column {}: sequence_within names unknown column {other}",
                                column.name
                            ));
                        }
                    }
                }
                _ => {
                    return Err(format!(
                        "column {}: give either source or sequence_within",
                        column.name
                    ));
                }
            }
            if let Some(ZoneSource::Lookup(name)) = column.zone(&self.format)?
                && !self.lookups.iter().any(|l| l.name == name)
            {
                return Err(format!(
                    "column {}: time zone lookup {name} is not defined",
                    column.name
                ));
            }
        }
        if self.key.is_empty() {
            return Err("key must name at least one column".to_owned());
        }
        for key in &self.key {
            let column = self
                .column(key)
                .ok_or_else(|| format!("key column {key} is not a column"))?;
            if !matches!(column.column_type()?, ColumnType::String | ColumnType::Int) {
                return Err(format!("key column {key} must be a string or an int"));
            }
        }
        for lookup in &self.lookups {
            if self.column(&lookup.on).is_none() {
                return Err(format!(
                    "lookup {}: on names unknown column {}",
                    lookup.name, lookup.on
                ));
            }
        }
        for derived in &self.derived {
            crate::lake::check_identifier(&derived.name).map_err(|e| e.to_string())?;
            if !names.insert(derived.name.as_str()) {
                return Err(format!(
                    "derived column {} clashes with a column",
                    derived.name
                ));
            }
        }
        if self.files.is_empty() {
            return Err("files must list at least one file name pattern".to_owned());
        }
        if let Some(person) = &self.person {
            match (&person.system, &person.system_column) {
                (Some(_), None) => {}
                (None, Some(column)) if self.column(column).is_some() => {}
                (None, Some(column)) => {
                    return Err(format!("person: system_column {column} is not a column"));
                }
                _ => return Err("person: give exactly one of system and system_column".to_owned()),
            }
            if self.column(&person.id).is_none() {
                return Err(format!("person: id {} is not a column", person.id));
            }
        }
        for canonical in &self.canonical {
            canonical.check()?;
        }
        Ok(())
    }

    pub fn column(&self, name: &str) -> Option<&ColumnMapping> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The table holding every version of every record.
    pub fn history_table(&self) -> String {
        format!("{}_history", self.table)
    }

    /// Does `file_name` match one of the entity's patterns?
    pub fn matches_file(&self, file_name: &str) -> bool {
        let name = file_name.to_lowercase();
        self.files
            .iter()
            .any(|pattern| wildcard_match(&pattern.to_lowercase(), &name))
    }
}

impl ColumnMapping {
    pub fn column_type(&self) -> Result<ColumnType, String> {
        ColumnType::parse(&self.type_name)
            .ok_or_else(|| format!("column {}: unknown type {:?}", self.name, self.type_name))
    }

    /// Is the stored value possibly different from the text received? Then the text is kept
    /// too, in `<name>_raw`.
    pub fn keeps_raw(&self) -> bool {
        self.source.is_some() && (self.type_name != "string" || self.strip_prefix.is_some())
    }

    /// The zone of a timestamp column's values that carry no offset.
    pub fn zone(&self, format: &Format) -> Result<Option<ZoneSource>, String> {
        if self.column_type()? != ColumnType::Timestamp {
            return Ok(None);
        }
        let text = self
            .timezone
            .as_deref()
            .or(format.timezone.as_deref())
            .unwrap_or("UTC");
        if let Some(lookup) = text.strip_prefix("lookup:") {
            return Ok(Some(ZoneSource::Lookup(lookup.to_owned())));
        }
        text.parse::<Tz>()
            .map(|tz| Some(ZoneSource::Fixed(tz)))
            .map_err(|_| format!("column {}: unknown time zone {text:?}", self.name))
    }
}

/// `*` matches any run of characters; everything else matches itself.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, rest)) => {
            let Some(tail) = name.strip_prefix(prefix) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| wildcard_match(rest, &tail[i..]))
        }
    }
}

/// Every mapping: the bundled ones, or those in `dir` when given.
impl CanonicalMapping {
    /// The canonical table's definition.
    pub fn table_def(&self) -> Result<&'static crate::model::TableDef, String> {
        let model = crate::model::Model::canonical().map_err(|e| e.to_string())?;
        let name = self
            .table
            .strip_prefix("raw.")
            .map(|table| crate::lake::TableName::new("raw", table))
            .ok_or_else(|| format!("canonical: table {:?} must be raw.<table>", self.table))?;
        model.table(&name).ok_or_else(|| {
            format!(
                "canonical: {} is not a table of schemas/canonical",
                self.table
            )
        })
    }

    fn check(&self) -> Result<(), String> {
        let def = self.table_def()?;
        if let Some(unknown) = self.columns.keys().find(|c| def.column(c).is_none()) {
            return Err(format!(
                "canonical: {unknown} is not a column of {}",
                self.table
            ));
        }
        if let Some(missing) = def
            .columns
            .iter()
            .find(|c| !c.nullable && !self.columns.contains_key(&c.name))
        {
            return Err(format!(
                "canonical: {} of {} is never NULL, so it must be given",
                missing.name, self.table
            ));
        }
        Ok(())
    }
}

pub fn load_mappings(dir: Option<&Path>) -> Result<BTreeMap<String, SourceMapping>, MappingError> {
    let mut files: Vec<(String, String)> = Vec::new();
    match dir {
        None => {
            for file in BUNDLED_DIR.files() {
                let name = file.path().display().to_string();
                if name.ends_with(".toml") {
                    let text = file.contents_utf8().ok_or_else(|| MappingError {
                        file: name.clone(),
                        message: "not UTF-8".to_owned(),
                    })?;
                    files.push((format!("schemas/sources/{name}"), text.to_owned()));
                }
            }
        }
        Some(dir) => {
            let entries = std::fs::read_dir(dir).map_err(|e| MappingError {
                file: dir.display().to_string(),
                message: e.to_string(),
            })?;
            for entry in entries {
                let path = entry
                    .map_err(|e| MappingError {
                        file: dir.display().to_string(),
                        message: e.to_string(),
                    })?
                    .path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let text = std::fs::read_to_string(&path).map_err(|e| MappingError {
                        file: path.display().to_string(),
                        message: e.to_string(),
                    })?;
                    files.push((path.display().to_string(), text));
                }
            }
        }
    }
    let mut mappings = BTreeMap::new();
    for (file, text) in files {
        let mapping = SourceMapping::parse(&file, &text)?;
        if mappings.contains_key(&mapping.source) {
            return Err(MappingError {
                file,
                message: format!("source {} is defined twice", mapping.source),
            });
        }
        mappings.insert(mapping.source.clone(), mapping);
    }
    Ok(mappings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_mappings_load() {
        let mappings = load_mappings(None).unwrap();
        for source in [
            "shopify",
            "cegid",
            "web",
            "consents",
            "catalog",
            "marketing",
        ] {
            assert!(mappings.contains_key(source), "{source}");
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("clients*.csv", "clients.csv"));
        assert!(wildcard_match("clients*.csv", "clients_2026-11-24.csv"));
        assert!(!wildcard_match("clients*.csv", "tickets.csv"));
        assert!(wildcard_match("*", "x"));
    }

    #[test]
    fn types() {
        assert_eq!(
            ColumnType::parse("decimal(18, 2)"),
            Some(ColumnType::Decimal {
                precision: 18,
                scale: 2
            })
        );
        assert_eq!(ColumnType::parse("decimal(2,3)"), None);
        assert_eq!(ColumnType::parse("text"), None);
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let text = r#"
source = "x"
description = "x"
[[entities]]
name = "e"
table = "raw.e"
description = "e"
files = ["*.csv"]
key = ["id"]
[[entities.columns]]
source = "ID"
name = "id"
type = "decimal(40,2)"
"#;
        let err = SourceMapping::parse("x.toml", text)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("x.toml") && err.contains("unknown type"),
            "{err}"
        );
        let text = text
            .replace("decimal(40,2)", "string")
            .replace("key = [\"id\"]", "key = [\"nope\"]");
        let err = SourceMapping::parse("x.toml", &text)
            .unwrap_err()
            .to_string();
        assert!(err.contains("key column nope"), "{err}");

        // A canonical section must fit the model.
        let valid = text.replace("key = [\"nope\"]", "key = [\"id\"]");
        let canonical = |columns: &str| {
            let text = format!(
                "{valid}\n[[entities.canonical]]\ntable = \"raw.customer_records\"\n\
                 [entities.canonical.columns]\n{columns}"
            );
            SourceMapping::parse("x.toml", &text).map_err(|e| e.to_string())
        };
        let complete = "source_system = \"'x'\"\nsource_id = \"id\"\n\
                        created_at = \"now()\"\nupdated_at = \"now()\"\n";
        assert!(canonical(complete).is_ok());
        let err = canonical(&format!("{complete}shoe_size = \"id\"\n")).unwrap_err();
        assert!(
            err.contains("shoe_size is not a column of raw.customer_records"),
            "{err}"
        );
        let err = canonical("source_system = \"'x'\"\nsource_id = \"id\"\n").unwrap_err();
        assert!(
            err.contains("created_at of raw.customer_records is never NULL"),
            "{err}"
        );
    }
}
