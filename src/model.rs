//! The canonical model: table definitions read from `schemas/canonical/*.toml`.
//!
//! The TOML files are the single source of truth. They are embedded in the binary at build time
//! (so `amigo` works from any directory) and turned into Arrow schemas here; nothing in Rust
//! repeats a column list. The lake checks every write to a canonical table against its definition.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use include_dir::{Dir, include_dir};
use serde::Deserialize;

use crate::lake::TableName;

static CANONICAL_DIR: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/schemas/canonical");

/// Time zone of every canonical timestamp.
pub const UTC: &str = "UTC";

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("schema file {file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{table}: {message}")]
    Mismatch { table: String, message: String },
}

/// One table of the canonical model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableDef {
    pub schema: String,
    pub name: String,
    pub description: String,
    /// Columns that identify a record (the natural key).
    #[serde(default)]
    pub key: Vec<String>,
    pub columns: Vec<ColumnDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnDef {
    pub name: String,
    #[serde(rename = "type")]
    pub type_name: String,
    #[serde(default = "default_nullable")]
    pub nullable: bool,
    pub description: String,
    /// Allowed values, for code columns.
    #[serde(default)]
    pub values: Vec<String>,
}

fn default_nullable() -> bool {
    true
}

impl TableDef {
    pub fn table_name(&self) -> TableName {
        TableName::new(&self.schema, &self.name)
    }

    /// The Arrow schema of the table. Types were checked when the model was loaded.
    pub fn arrow_schema(&self) -> SchemaRef {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| {
                let data_type = parse_type(&c.type_name).unwrap_or(DataType::Null);
                Field::new(&c.name, data_type, c.nullable)
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Checks that `actual` has exactly this table's columns, in order, with the same types.
    /// Field nullability flags are not compared (a query's output is always flagged nullable);
    /// the lake checks the data itself for nulls and codes with [`crate::lake::validate_batch`].
    pub fn check_schema(&self, actual: &Schema) -> Result<(), ModelError> {
        let expected = self.arrow_schema();
        let mismatch = |message: String| ModelError::Mismatch {
            table: self.table_name().to_string(),
            message,
        };
        let names = |s: &Schema| {
            s.fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if expected.fields().len() != actual.fields().len() {
            return Err(mismatch(format!(
                "expected columns ({}), got ({})",
                names(&expected),
                names(actual)
            )));
        }
        for (want, got) in expected.fields().iter().zip(actual.fields()) {
            if want.name() != got.name() {
                return Err(mismatch(format!(
                    "expected column {} where the data has {} (expected columns: {})",
                    want.name(),
                    got.name(),
                    names(&expected)
                )));
            }
            if want.data_type() != got.data_type() {
                return Err(mismatch(format!(
                    "column {} should be {} but is {}",
                    want.name(),
                    want.data_type(),
                    got.data_type()
                )));
            }
        }
        Ok(())
    }
}

/// The canonical model: every table definition, by qualified name.
#[derive(Debug)]
pub struct Model {
    tables: BTreeMap<TableName, TableDef>,
}

impl Model {
    /// The model embedded from `schemas/canonical`. Loaded once; a broken schema file is a build
    /// defect caught by the tests, so this returns the error rather than panicking.
    pub fn canonical() -> Result<&'static Model, &'static ModelError> {
        static MODEL: OnceLock<Result<Model, ModelError>> = OnceLock::new();
        MODEL
            .get_or_init(|| {
                let files = CANONICAL_DIR
                    .files()
                    .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
                    .map(|f| {
                        let name = format!("schemas/canonical/{}", f.path().display());
                        (name, f.contents_utf8().unwrap_or_default().to_string())
                    });
                Model::from_files(files)
            })
            .as_ref()
    }

    /// Builds a model from `(file name, TOML text)` pairs, validating every definition.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Model, ModelError> {
        let mut tables = BTreeMap::new();
        for (file, text) in files {
            let invalid = |message: String| ModelError::Invalid {
                file: file.clone(),
                message,
            };
            let def: TableDef = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
            for column in &def.columns {
                parse_type(&column.type_name)
                    .map_err(|m| invalid(format!("{}: {m}", column.name)))?;
            }
            for key in &def.key {
                if def.column(key).is_none() {
                    return Err(invalid(format!("key column {key} is not a column")));
                }
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(dup) = def.columns.iter().find(|c| !seen.insert(&c.name)) {
                return Err(invalid(format!("column {} is defined twice", dup.name)));
            }
            let name = def.table_name();
            if tables.insert(name.clone(), def).is_some() {
                return Err(invalid(format!("table {name} is defined twice")));
            }
        }
        Ok(Model { tables })
    }

    pub fn table(&self, name: &TableName) -> Option<&TableDef> {
        self.tables.get(name)
    }

    pub fn tables(&self) -> impl Iterator<Item = &TableDef> {
        self.tables.values()
    }
}

/// Parses a model type name: `string`, `int32`, `int64`, `float64`, `boolean`, `date`,
/// `timestamp` (microseconds, UTC) or `decimal(P,S)`.
pub fn parse_type(name: &str) -> Result<DataType, String> {
    let name = name.trim();
    Ok(match name {
        "string" => DataType::Utf8,
        "int32" => DataType::Int32,
        "int64" => DataType::Int64,
        "float64" => DataType::Float64,
        "boolean" => DataType::Boolean,
        "date" => DataType::Date32,
        "timestamp" => DataType::Timestamp(TimeUnit::Microsecond, Some(UTC.into())),
        _ => {
            let inner = name
                .strip_prefix("decimal(")
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(|| format!("unknown type {name:?}"))?;
            let (p, s) = inner
                .split_once(',')
                .ok_or_else(|| format!("decimal needs (precision,scale): {name:?}"))?;
            let precision: u8 = p
                .trim()
                .parse()
                .map_err(|_| format!("bad precision in {name:?}"))?;
            let scale: i8 = s
                .trim()
                .parse()
                .map_err(|_| format!("bad scale in {name:?}"))?;
            if precision == 0 || precision > 38 || scale < 0 || scale as u8 > precision {
                return Err(format!("decimal precision/scale out of range in {name:?}"));
            }
            DataType::Decimal128(precision, scale)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_model_loads_with_every_entity() {
        let model = Model::canonical().expect("canonical model");
        for table in [
            "customer_records",
            "orders",
            "order_lines",
            "products",
            "stores",
            "associates",
            "consent_events",
            "interactions",
        ] {
            let def = model.table(&TableName::new("raw", table)).expect(table);
            assert!(!def.columns.is_empty());
            assert!(!def.key.is_empty(), "{table} has a natural key");
        }
    }

    #[test]
    fn money_is_decimal_and_timestamps_are_utc() {
        let model = Model::canonical().expect("canonical model");
        for def in model.tables() {
            for field in def.arrow_schema().fields() {
                match field.data_type() {
                    DataType::Timestamp(unit, tz) => {
                        assert_eq!(*unit, TimeUnit::Microsecond);
                        assert_eq!(tz.as_deref(), Some(UTC), "{}", field.name());
                    }
                    DataType::Float32 | DataType::Float64 => {
                        panic!("{}.{} is a float", def.name, field.name())
                    }
                    _ => {}
                }
                if field.name().ends_with("_amount") || field.name() == "price" {
                    assert_eq!(field.data_type(), &DataType::Decimal128(18, 2));
                    assert!(
                        def.column("currency").is_some(),
                        "{} has a currency",
                        def.name
                    );
                }
            }
        }
    }

    #[test]
    fn parse_type_rejects_unknown_and_malformed_types() {
        assert_eq!(parse_type("decimal(18,2)"), Ok(DataType::Decimal128(18, 2)));
        assert!(parse_type("varchar").is_err());
        assert!(parse_type("decimal(18)").is_err());
        assert!(parse_type("decimal(2,5)").is_err());
    }

    #[test]
    fn invalid_files_are_reported_with_their_name() {
        let bad = Model::from_files([(
            "x.toml".to_string(),
            "schema='raw'\nname='t'\ndescription='d'\nkey=['nope']\n[[columns]]\nname='a'\ntype='string'\ndescription='d'\n".to_string(),
        )]);
        let message = bad.expect_err("key not a column").to_string();
        assert!(
            message.contains("x.toml") && message.contains("nope"),
            "{message}"
        );
    }

    #[test]
    fn check_schema_names_the_table_and_column() {
        let model = Model::canonical().expect("canonical model");
        let def = model
            .table(&TableName::new("raw", "stores"))
            .expect("stores");
        let mut fields: Vec<Field> = def
            .arrow_schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields[0] = Field::new("store_id", DataType::Int64, false);
        let message = def
            .check_schema(&Schema::new(fields))
            .expect_err("type mismatch")
            .to_string();
        assert!(
            message.contains("raw.stores") && message.contains("store_id"),
            "{message}"
        );
    }
}
