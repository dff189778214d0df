//! The lake as a DataFusion catalog: one [`LakeSchema`] per lake schema.
//!
//! Table names are listed when the lake is opened; a table's manifest and schema are read the
//! first time a statement uses it. Views and external tables created in a session live next to
//! the lake tables (views are also saved in the lake by the session, see `session.rs`).

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock, Weak};

use async_trait::async_trait;
use datafusion::catalog::{CatalogProvider, SchemaProvider};
use datafusion::common::exec_err;
use datafusion::datasource::TableProvider;
use datafusion::error::Result;

use super::table::LakeTable;
use super::{Lake, LakeContents, Manifest, TableName};

/// Name of the DataFusion catalog that holds the lake.
pub const CATALOG: &str = "amigo";

pub struct LakeCatalog {
    lake: Arc<Lake>,
    schemas: RwLock<BTreeMap<String, Arc<LakeSchema>>>,
}

impl fmt::Debug for LakeCatalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LakeCatalog({})", self.lake.location())
    }
}

impl LakeCatalog {
    pub fn new(lake: Arc<Lake>, contents: &LakeContents) -> Self {
        let schemas = contents
            .tables
            .iter()
            .map(|(schema, tables)| {
                (
                    schema.clone(),
                    LakeSchema::new(lake.clone(), schema, tables.keys().cloned()),
                )
            })
            .collect();
        Self {
            lake,
            schemas: RwLock::new(schemas),
        }
    }

    pub fn lake(&self) -> &Arc<Lake> {
        &self.lake
    }

    pub fn lake_schema(&self, name: &str) -> Option<Arc<LakeSchema>> {
        read(&self.schemas).get(name).cloned()
    }

    /// Adds an empty schema (after `CREATE SCHEMA` saved it in the lake).
    pub fn add_schema(&self, name: &str) -> Arc<LakeSchema> {
        let mut schemas = write(&self.schemas);
        schemas
            .entry(name.to_string())
            .or_insert_with(|| LakeSchema::new(self.lake.clone(), name, std::iter::empty()))
            .clone()
    }
}

impl CatalogProvider for LakeCatalog {
    fn schema_names(&self) -> Vec<String> {
        read(&self.schemas).keys().cloned().collect()
    }

    fn schema(&self, name: &str) -> Option<Arc<dyn SchemaProvider>> {
        self.lake_schema(name).map(|s| s as Arc<dyn SchemaProvider>)
    }
}

enum Entry {
    /// A lake table; loaded on first use.
    Lake(Option<Arc<LakeTable>>),
    /// A view or external table registered by a statement of this session.
    Session(Arc<dyn TableProvider>),
}

pub struct LakeSchema {
    lake: Arc<Lake>,
    name: String,
    entries: RwLock<HashMap<String, Entry>>,
    me: Weak<LakeSchema>,
}

impl fmt::Debug for LakeSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LakeSchema({})", self.name)
    }
}

impl LakeSchema {
    fn new(lake: Arc<Lake>, name: &str, tables: impl Iterator<Item = String>) -> Arc<Self> {
        let entries = tables.map(|t| (t, Entry::Lake(None))).collect();
        Arc::new_cyclic(|me| Self {
            lake,
            name: name.to_string(),
            entries: RwLock::new(entries),
            me: me.clone(),
        })
    }

    /// Whether `table` is a table stored in the lake (as opposed to a view or session table).
    pub fn is_lake_table(&self, table: &str) -> bool {
        matches!(read(&self.entries).get(table), Some(Entry::Lake(_)))
    }

    /// Makes a newly committed version the one later statements read.
    pub async fn table_committed(&self, table: &str, manifest: Manifest) -> Result<()> {
        let name = TableName::new(&self.name, table);
        let loaded = LakeTable::load(self.lake.clone(), name, manifest, self.me.clone()).await?;
        write(&self.entries).insert(table.to_string(), Entry::Lake(Some(Arc::new(loaded))));
        Ok(())
    }

    /// Forgets a dropped lake table.
    pub fn table_dropped(&self, table: &str) {
        write(&self.entries).remove(table);
    }
}

#[async_trait]
impl SchemaProvider for LakeSchema {
    fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = read(&self.entries).keys().cloned().collect();
        names.sort();
        names
    }

    async fn table(&self, table: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        match read(&self.entries).get(table) {
            None => return Ok(None),
            Some(Entry::Session(provider)) => return Ok(Some(provider.clone())),
            Some(Entry::Lake(Some(loaded))) => return Ok(Some(loaded.clone())),
            Some(Entry::Lake(None)) => {}
        }
        let name = TableName::new(&self.name, table);
        let Some(manifest) = self.lake.current_manifest(&name).await? else {
            // Dropped by another process since the lake was listed.
            self.table_dropped(table);
            return Ok(None);
        };
        let loaded =
            Arc::new(LakeTable::load(self.lake.clone(), name, manifest, self.me.clone()).await?);
        write(&self.entries).insert(table.to_string(), Entry::Lake(Some(loaded.clone())));
        Ok(Some(loaded))
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> Result<Option<Arc<dyn TableProvider>>> {
        let mut entries = write(&self.entries);
        match entries.get(&name) {
            Some(Entry::Lake(_)) => {
                exec_err!("{}.{name} is a lake table; drop it first", self.name)
            }
            _ => Ok(entries
                .insert(name, Entry::Session(table))
                .and_then(|old| match old {
                    Entry::Session(provider) => Some(provider),
                    Entry::Lake(_) => None,
                })),
        }
    }

    fn deregister_table(&self, name: &str) -> Result<Option<Arc<dyn TableProvider>>> {
        let mut entries = write(&self.entries);
        match entries.get(name) {
            Some(Entry::Lake(_)) => exec_err!(
                "{}.{name} is a lake table; use DROP TABLE to drop it",
                self.name
            ),
            Some(Entry::Session(_)) => Ok(entries.remove(name).and_then(|e| match e {
                Entry::Session(provider) => Some(provider),
                Entry::Lake(_) => None,
            })),
            None => Ok(None),
        }
    }

    fn table_exist(&self, name: &str) -> bool {
        read(&self.entries).contains_key(name)
    }
}

/// Lock helpers: a poisoned lock only means another statement panicked while holding it; the
/// map itself is still consistent (every update is a single insert or remove).
fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(|e| e.into_inner())
}
