//! The lake as a DataFusion catalog: one [`LakeSchema`] per lake schema.
//!
//! Table names are listed when the lake is opened; a table's manifest and schema are read the
//! first time a statement uses it. Views and external tables created in a session live next to
//! the lake tables (views are also saved in the lake by the session, see `session.rs`).
//!
//! A long-lived session (the server's) must see what other processes commit (an ingest, a
//! resolution, a GDPR opposition or erasure, which rewrites versions in place): a loaded
//! version is trusted for [`RECHECK_AFTER`], then the lake is asked for the current manifest
//! again, and a scan planned on an older version (a view's plan keeps its tables) reads the
//! current one when its columns are the same.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};

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

    /// The version of a lake table statements read now (`None`: no such lake table).
    pub async fn table_version(&self, name: &TableName) -> Result<Option<u64>> {
        let Some(schema) = self.lake_schema(&name.schema) else {
            return Ok(None);
        };
        Ok(schema
            .current_table(&name.table)
            .await?
            .map(|table| table.manifest().version))
    }

    /// The current version of a lake table, with its manifest.
    pub async fn table(&self, name: &TableName) -> Result<Option<Arc<LakeTable>>> {
        match self.lake_schema(&name.schema) {
            Some(schema) => schema.current_table(&name.table).await,
            None => Ok(None),
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

/// How long a loaded version is used before the lake is asked again for the current one: one
/// listing and one manifest read per table and period at most, and what another process
/// commits is seen within it.
pub const RECHECK_AFTER: Duration = Duration::from_secs(1);

/// A loaded table version, and when it was last known to be current.
struct Loaded {
    table: Arc<LakeTable>,
    checked_at: Instant,
}

impl Loaded {
    fn now(table: Arc<LakeTable>) -> Self {
        Self {
            table,
            checked_at: Instant::now(),
        }
    }
}

enum Entry {
    /// A lake table; loaded on first use.
    Lake(Option<Loaded>),
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
        write(&self.entries).insert(
            table.to_string(),
            Entry::Lake(Some(Loaded::now(Arc::new(loaded)))),
        );
        Ok(())
    }

    /// The current version of a lake table (`None` for an unknown, dropped or session table),
    /// asking the lake again when the loaded one was last checked over [`RECHECK_AFTER`] ago.
    pub async fn current_table(&self, table: &str) -> Result<Option<Arc<LakeTable>>> {
        let cached = match read(&self.entries).get(table) {
            None | Some(Entry::Session(_)) => return Ok(None),
            Some(Entry::Lake(Some(loaded))) if loaded.checked_at.elapsed() < RECHECK_AFTER => {
                return Ok(Some(loaded.table.clone()));
            }
            Some(Entry::Lake(loaded)) => loaded.as_ref().map(|l| l.table.clone()),
        };
        let name = TableName::new(&self.name, table);
        let Some(manifest) = self.lake.current_manifest(&name).await? else {
            // Dropped by another process since the lake was listed.
            self.table_dropped(table);
            return Ok(None);
        };
        let current = match cached {
            Some(loaded) if loaded.manifest() == &manifest => loaded,
            _ => {
                Arc::new(LakeTable::load(self.lake.clone(), name, manifest, self.me.clone()).await?)
            }
        };
        let mut entries = write(&self.entries);
        // A statement of this session may have replaced the entry meanwhile: keep a lake entry
        // only where there was one.
        if let Some(entry @ Entry::Lake(_)) = entries.get_mut(table) {
            *entry = Entry::Lake(Some(Loaded::now(current.clone())));
        }
        Ok(Some(current))
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
        if let Some(Entry::Session(provider)) = read(&self.entries).get(table) {
            return Ok(Some(provider.clone()));
        }
        Ok(self
            .current_table(table)
            .await?
            .map(|t| t as Arc<dyn TableProvider>))
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
