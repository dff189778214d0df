//! The lake: Parquet tables under a root directory or object-store URL.
//!
//! Layout under the root:
//! ```text
//! _amigo_lake.json                      marks the root as a lake (format version)
//! <schema>/<table>/_log/<version>.json  table versions (manifests); the highest one is current
//! <schema>/<table>/data/part-*.parquet  immutable data files named by manifests
//! <schema>/<view>.sql                   a view: the CREATE VIEW statement that defines it
//! ```
//! Schemas `raw`, `unified` and `analytics` always exist. Every write goes through
//! [`Lake::commit`], which is atomic (see [`manifest`]): a reader or a crash never sees a
//! half-written table, and the previous version stays readable until the new one is committed.

pub mod catalog;
pub mod history;
pub mod manifest;
pub mod table;
pub mod validate;
pub mod write;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use datafusion::execution::object_store::ObjectStoreUrl;
use futures::TryStreamExt;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

pub use manifest::{DataFile, Manifest};
pub use validate::validate_batch;

/// Schemas every lake has.
pub const STANDARD_SCHEMAS: [&str; 3] = ["raw", "unified", "analytics"];

const MARKER_FILE: &str = "_amigo_lake.json";
const MARKER_CONTENT: &str = "{\"format\": \"amigo-lake/1\"}\n";
const LOG_DIR: &str = "_log";
const VIEW_SUFFIX: &str = ".sql";
/// How many times an append retries when another writer committed first.
const COMMIT_RETRIES: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("lake {0} does not exist (create it with `amigo init --lake {0}`)")]
    Missing(String),
    #[error(
        "{0} is not an amigo lake: it has no {MARKER_FILE} (create one with `amigo init --lake {0}`)"
    )]
    NotALake(String),
    #[error("unsupported lake location {location}: {reason}")]
    Location { location: String, reason: String },
    #[error("{context}: {source}")]
    Store {
        context: String,
        #[source]
        source: object_store::Error,
    },
    #[error("{path}: corrupt manifest: {message}")]
    CorruptManifest { path: String, message: String },
    #[error("table {0} already exists")]
    TableExists(TableName),
    #[error("table {0} does not exist")]
    NoSuchTable(TableName),
    #[error(
        "table {table} was changed by another writer at the same time (version {version}); nothing was committed, run the statement again"
    )]
    Conflict { table: TableName, version: u64 },
    #[error("invalid name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    #[error("{context}: {source}")]
    Parquet {
        context: String,
        #[source]
        source: parquet::errors::ParquetError,
    },
    #[error("{context}: {source}")]
    Arrow {
        context: String,
        #[source]
        source: arrow::error::ArrowError,
    },
}

impl From<LakeError> for datafusion::error::DataFusionError {
    fn from(e: LakeError) -> Self {
        datafusion::error::DataFusionError::External(Box::new(e))
    }
}

pub type Result<T, E = LakeError> = std::result::Result<T, E>;

/// A lake table's qualified name: `schema.table`, both lower-case identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableName {
    pub schema: String,
    pub table: String,
}

impl TableName {
    pub fn new(schema: &str, table: &str) -> Self {
        Self {
            schema: schema.to_string(),
            table: table.to_string(),
        }
    }

    /// Checks both parts are names the lake can store: they become directory names.
    pub fn validate(&self) -> Result<()> {
        check_identifier(&self.schema)?;
        check_identifier(&self.table)
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.schema, self.table)
    }
}

/// Lake names are lower-case ASCII identifiers: they are directory and object names on every
/// store, and SQL folds unquoted names to lower case.
pub fn check_identifier(name: &str) -> Result<()> {
    let invalid = |reason: &str| LakeError::InvalidName {
        name: name.to_string(),
        reason: reason.to_string(),
    };
    let mut chars = name.chars();
    match chars.next() {
        None => return Err(invalid("empty")),
        Some(c) if !(c.is_ascii_lowercase() || c == '_') => {
            return Err(invalid(
                "lake names start with a lower-case letter or underscore",
            ));
        }
        _ => {}
    }
    if !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(invalid(
            "lake names use only lower-case letters, digits and underscores",
        ));
    }
    Ok(())
}

/// What a lake holds, as listed when it is opened.
#[derive(Debug, Default, Clone)]
pub struct LakeContents {
    /// Schema name → table name → current version (dropped tables are left out).
    pub tables: BTreeMap<String, BTreeMap<String, u64>>,
    /// Schema name → view name.
    pub views: BTreeMap<String, Vec<String>>,
}

/// How a commit relates to the table's current version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitMode {
    /// The table must not exist (CREATE TABLE).
    Create,
    /// The new files replace the table, which may exist (CREATE OR REPLACE, INSERT OVERWRITE).
    Replace,
    /// The new files are added to the current ones (INSERT INTO).
    Append,
    /// The new files replace version `base`, which they were computed from (DELETE, UPDATE):
    /// if another writer committed since, nothing is committed and the caller gets a conflict.
    Rewrite { base: u64 },
}

/// The store of an `s3://bucket/...` URL, on AWS or any S3-compatible server, configured from
/// the usual `AWS_*` variables; with the parsed URL, whose host is the (non-empty) bucket.
pub fn s3_store(location: &str) -> std::result::Result<(Arc<dyn ObjectStore>, url::Url), String> {
    let url = url::Url::parse(location).map_err(|e| e.to_string())?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err("no bucket in the URL".to_owned());
    }
    let store = object_store::aws::AmazonS3Builder::from_env()
        .with_url(location)
        .build()
        .map_err(|e| e.to_string())?;
    Ok((Arc::new(store), url))
}

/// A lake root on an object store.
pub struct Lake {
    location: String,
    store: Arc<dyn ObjectStore>,
    store_url: ObjectStoreUrl,
    root: Path,
}

impl fmt::Debug for Lake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lake")
            .field("location", &self.location)
            .finish()
    }
}

impl Lake {
    /// Opens an existing lake: a local directory (path or `file://` URL) holding the marker file.
    pub async fn open(location: &str) -> Result<Arc<Lake>> {
        let lake = Self::resolve(location, false)?;
        lake.check_marker().await?;
        Ok(Arc::new(lake))
    }

    /// Creates a lake at `location` (or opens it if it already is one).
    pub async fn init(location: &str) -> Result<Arc<Lake>> {
        let lake = Self::resolve(location, true)?;
        if lake.check_marker().await.is_err() {
            let marker = lake.root.clone().join(MARKER_FILE);
            lake.store
                .put(&marker, PutPayload::from_static(MARKER_CONTENT.as_bytes()))
                .await
                .map_err(|source| LakeError::Store {
                    context: format!("creating lake {location}"),
                    source,
                })?;
        }
        Ok(Arc::new(lake))
    }

    /// A lake on any object store: `store_url` names the store to DataFusion (for example
    /// `memory://`), `root` is the lake's prefix in it. Used for stores other than local files.
    pub async fn with_store(
        location: &str,
        store: Arc<dyn ObjectStore>,
        store_url: ObjectStoreUrl,
        root: Path,
        create: bool,
    ) -> Result<Arc<Lake>> {
        let lake = Lake {
            location: location.to_string(),
            store,
            store_url,
            root,
        };
        if create && lake.check_marker().await.is_err() {
            lake.put(
                &lake.root.clone().join(MARKER_FILE),
                MARKER_CONTENT.into(),
                "creating lake",
            )
            .await?;
        }
        lake.check_marker().await?;
        Ok(Arc::new(lake))
    }

    fn resolve(location: &str, create: bool) -> Result<Lake> {
        let local = match location.split_once("://") {
            None => std::path::PathBuf::from(location),
            Some(("file", rest)) => std::path::PathBuf::from(rest),
            Some(("s3", _)) => return Self::resolve_s3(location),
            Some((scheme, _)) => {
                return Err(LakeError::Location {
                    location: location.to_string(),
                    reason: format!(
                        "{scheme}:// is not a supported lake location (use a directory, file:// or s3://)"
                    ),
                });
            }
        };
        if create {
            std::fs::create_dir_all(&local).map_err(|e| LakeError::Location {
                location: location.to_string(),
                reason: e.to_string(),
            })?;
        }
        if !local.is_dir() {
            return Err(LakeError::Missing(location.to_string()));
        }
        let absolute = std::fs::canonicalize(&local).map_err(|e| LakeError::Location {
            location: location.to_string(),
            reason: e.to_string(),
        })?;
        let root = Path::from_filesystem_path(&absolute).map_err(|source| LakeError::Store {
            context: format!("lake {location}"),
            source: source.into(),
        })?;
        Ok(Lake {
            location: location.to_string(),
            store: Arc::new(LocalFileSystem::new()),
            store_url: ObjectStoreUrl::local_filesystem(),
            root,
        })
    }

    /// `s3://bucket/prefix`, on AWS or any S3-compatible server. Credentials, region and
    /// endpoint come from the usual `AWS_*` variables (`AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP=true`
    /// for a local server). Commits use conditional puts (`If-None-Match`), which the server must
    /// support.
    fn resolve_s3(location: &str) -> Result<Lake> {
        let (store, url) = s3_store(location).map_err(|reason| LakeError::Location {
            location: location.to_string(),
            reason,
        })?;
        let store_url = ObjectStoreUrl::parse(format!("s3://{}", url.host_str().unwrap_or("")))
            .map_err(|e| LakeError::Location {
                location: location.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Lake {
            location: location.to_string(),
            store,
            store_url,
            root: Path::from(url.path()),
        })
    }

    async fn check_marker(&self) -> Result<()> {
        match self.store.head(&self.root.clone().join(MARKER_FILE)).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::NotFound { .. }) => {
                Err(LakeError::NotALake(self.location.clone()))
            }
            Err(source) => Err(LakeError::Store {
                context: format!("opening lake {}", self.location),
                source,
            }),
        }
    }

    /// The location as the user gave it, for messages.
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The URL DataFusion knows this lake's object store by.
    pub fn store_url(&self) -> &ObjectStoreUrl {
        &self.store_url
    }

    pub fn table_dir(&self, name: &TableName) -> Path {
        self.root
            .clone()
            .join(name.schema.as_str())
            .join(name.table.as_str())
    }

    /// Object path of a data file named in a manifest (paths there are relative to the table).
    pub fn data_file_path(&self, name: &TableName, file: &DataFile) -> Path {
        let mut path = self.table_dir(name);
        for part in file.path.split('/') {
            path = path.join(part);
        }
        path
    }

    fn log_dir(&self, name: &TableName) -> Path {
        self.table_dir(name).join(LOG_DIR)
    }

    fn view_path(&self, schema: &str, view: &str) -> Path {
        self.root
            .clone()
            .join(schema)
            .join(format!("{view}{VIEW_SUFFIX}"))
    }

    /// Lists every schema, live table (with its current version) and view.
    pub async fn contents(&self) -> Result<LakeContents> {
        let mut contents = LakeContents::default();
        for schema in STANDARD_SCHEMAS {
            contents.tables.entry(schema.to_string()).or_default();
        }
        let top = self.list_dir(&self.root).await?;
        for schema_dir in top.common_prefixes {
            let Some(schema) = schema_dir.filename().map(str::to_string) else {
                continue;
            };
            if check_identifier(&schema).is_err() {
                continue;
            }
            let listing = self.list_dir(&schema_dir).await?;
            let tables = contents.tables.entry(schema.clone()).or_default();
            for table_dir in listing.common_prefixes {
                let Some(table) = table_dir.filename().map(str::to_string) else {
                    continue;
                };
                let name = TableName::new(&schema, &table);
                // A dropped table's latest version is a tombstone: it is not listed.
                if let Some(version) = self.latest_version(&name).await?
                    && !self.read_manifest(&name, version).await?.dropped
                {
                    tables.insert(table, version);
                }
            }
            let views = contents.views.entry(schema.clone()).or_default();
            for object in listing.objects {
                if let Some(view) = object
                    .location
                    .filename()
                    .and_then(|f| f.strip_suffix(VIEW_SUFFIX))
                {
                    views.push(view.to_string());
                }
            }
        }
        Ok(contents)
    }

    async fn list_dir(&self, dir: &Path) -> Result<object_store::ListResult> {
        self.store
            .list_with_delimiter(Some(dir))
            .await
            .map_err(|source| LakeError::Store {
                context: format!("listing {dir}"),
                source,
            })
    }

    /// The highest committed version of a table, dropped or not.
    pub async fn latest_version(&self, name: &TableName) -> Result<Option<u64>> {
        let log = self.log_dir(name);
        let objects: Vec<_> =
            self.store
                .list(Some(&log))
                .try_collect()
                .await
                .map_err(|source| LakeError::Store {
                    context: format!("listing versions of {name}"),
                    source,
                })?;
        Ok(objects
            .iter()
            .filter_map(|o| {
                o.location
                    .filename()
                    .and_then(manifest::parse_log_file_name)
            })
            .max())
    }

    /// The current manifest of a live table; `None` when the table does not exist or was dropped.
    pub async fn current_manifest(&self, name: &TableName) -> Result<Option<Manifest>> {
        match self.latest_version(name).await? {
            None => Ok(None),
            Some(version) => {
                let manifest = self.read_manifest(name, version).await?;
                Ok((!manifest.dropped).then_some(manifest))
            }
        }
    }

    pub async fn read_manifest(&self, name: &TableName, version: u64) -> Result<Manifest> {
        let path = self.log_dir(name).join(manifest::log_file_name(version));
        let bytes = self
            .store
            .get(&path)
            .await
            .map_err(|source| LakeError::Store {
                context: format!("reading {path}"),
                source,
            })?
            .bytes()
            .await
            .map_err(|source| LakeError::Store {
                context: format!("reading {path}"),
                source,
            })?;
        let corrupt = |message: String| LakeError::CorruptManifest {
            path: path.to_string(),
            message,
        };
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if manifest.format != manifest::MANIFEST_FORMAT {
            return Err(corrupt(format!("unknown format {:?}", manifest.format)));
        }
        if manifest.version != version {
            return Err(corrupt(format!("says version {}", manifest.version)));
        }
        Ok(manifest)
    }

    /// Commits `files` (already written under the table's directory) as the table's next version.
    ///
    /// The manifest is created with a create-if-absent put, so the commit is all or nothing and
    /// two writers can never both commit the same version. An append that loses the race re-reads
    /// the winner's files and tries again; create and replace report the conflict.
    pub async fn commit(
        &self,
        name: &TableName,
        mode: CommitMode,
        operation: &str,
        files: Vec<DataFile>,
    ) -> Result<Manifest> {
        name.validate()?;
        for _ in 0..COMMIT_RETRIES {
            let latest = self.latest_version(name).await?;
            let current = match latest {
                Some(v) => Some(self.read_manifest(name, v).await?).filter(|m| !m.dropped),
                None => None,
            };
            let mut all_files = match (mode, &current) {
                (CommitMode::Create, Some(_)) => return Err(LakeError::TableExists(name.clone())),
                (CommitMode::Rewrite { base }, _) if latest != Some(base) => {
                    return Err(LakeError::Conflict {
                        table: name.clone(),
                        version: latest.unwrap_or(0),
                    });
                }
                (CommitMode::Append, Some(current)) => current.files.clone(),
                _ => Vec::new(),
            };
            all_files.extend(files.iter().cloned());
            // An empty table holds one empty file (to keep its schema); once it has rows the
            // placeholder is no longer needed.
            if all_files.iter().any(|f| f.rows > 0) {
                all_files.retain(|f| f.rows > 0);
            }
            let version = latest.map_or(1, |v| v + 1);
            let manifest = Manifest::new(version, operation, all_files);
            match self.put_manifest(name, &manifest).await {
                Ok(()) => return Ok(manifest),
                Err(LakeError::Conflict { .. }) if mode == CommitMode::Append => continue,
                Err(e) => return Err(e),
            }
        }
        Err(LakeError::Conflict {
            table: name.clone(),
            version: self.latest_version(name).await?.unwrap_or(0),
        })
    }

    /// Drops a table: commits a tombstone version. History and files stay until vacuumed.
    pub async fn drop_table(&self, name: &TableName) -> Result<()> {
        let Some(current) = self.current_manifest(name).await? else {
            return Err(LakeError::NoSuchTable(name.clone()));
        };
        let mut tombstone = Manifest::new(current.version + 1, "drop", Vec::new());
        tombstone.dropped = true;
        self.put_manifest(name, &tombstone).await
    }

    async fn put_manifest(&self, name: &TableName, manifest: &Manifest) -> Result<()> {
        let path = self
            .log_dir(name)
            .join(manifest::log_file_name(manifest.version));
        let body = serde_json::to_vec_pretty(manifest).map_err(|e| LakeError::CorruptManifest {
            path: path.to_string(),
            message: e.to_string(),
        })?;
        let options = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        match self.store.put_opts(&path, body.into(), options).await {
            Ok(_) => Ok(()),
            Err(object_store::Error::AlreadyExists { .. }) => Err(LakeError::Conflict {
                table: name.clone(),
                version: manifest.version,
            }),
            Err(source) => Err(LakeError::Store {
                context: format!("committing {name} version {}", manifest.version),
                source,
            }),
        }
    }

    async fn put(&self, path: &Path, payload: PutPayload, context: &str) -> Result<()> {
        self.store
            .put(path, payload)
            .await
            .map(|_| ())
            .map_err(|source| LakeError::Store {
                context: format!("{context} ({path})"),
                source,
            })
    }

    /// Reads a persisted view definition (the CREATE VIEW statement).
    pub async fn read_view(&self, schema: &str, view: &str) -> Result<String> {
        let path = self.view_path(schema, view);
        let context = || format!("reading view {schema}.{view}");
        let bytes = self
            .store
            .get(&path)
            .await
            .map_err(|source| LakeError::Store {
                context: context(),
                source,
            })?
            .bytes()
            .await
            .map_err(|source| LakeError::Store {
                context: context(),
                source,
            })?;
        String::from_utf8(bytes.to_vec()).map_err(|e| LakeError::CorruptManifest {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    /// Persists a view definition; a single put, so it is replaced atomically.
    pub async fn write_view(&self, schema: &str, view: &str, sql: &str) -> Result<()> {
        check_identifier(schema)?;
        check_identifier(view)?;
        let path = self.view_path(schema, view);
        self.put(
            &path,
            sql.to_string().into(),
            &format!("saving view {schema}.{view}"),
        )
        .await
    }

    pub async fn delete_view(&self, schema: &str, view: &str) -> Result<()> {
        let path = self.view_path(schema, view);
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(LakeError::Store {
                context: format!("deleting view {schema}.{view}"),
                source,
            }),
        }
    }

    /// Creates a schema: a marker object, since object stores have no empty directories.
    pub async fn create_schema(&self, schema: &str) -> Result<()> {
        check_identifier(schema)?;
        let path = self.root.clone().join(schema).join(".schema");
        self.put(
            &path,
            PutPayload::default(),
            &format!("creating schema {schema}"),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_must_be_lower_case_ascii() {
        assert!(check_identifier("customer_records").is_ok());
        assert!(check_identifier("_tmp1").is_ok());
        assert!(check_identifier("Customers").is_err());
        assert!(check_identifier("1abc").is_err());
        assert!(check_identifier("a-b").is_err());
        assert!(check_identifier("../x").is_err());
        assert!(check_identifier("").is_err());
    }

    #[tokio::test]
    async fn opening_a_missing_or_foreign_directory_fails_with_its_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        let missing = dir.path().join("nope");
        let err = Lake::open(&missing.display().to_string())
            .await
            .expect_err("missing lake");
        assert!(matches!(err, LakeError::Missing(_)), "{err}");
        assert!(err.to_string().contains("nope"));

        let err = Lake::open(&dir.path().display().to_string())
            .await
            .expect_err("not a lake");
        assert!(matches!(err, LakeError::NotALake(_)), "{err}");
        assert!(!missing.exists(), "opening never creates anything");
    }

    #[tokio::test]
    async fn commits_are_versioned_and_a_lost_race_is_a_conflict() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::init(&dir.path().display().to_string())
            .await
            .expect("init");
        let name = TableName::new("raw", "t");
        let file = |rows| DataFile {
            path: format!("data/{rows}.parquet"),
            rows,
            bytes: 1,
        };
        let v1 = lake
            .commit(&name, CommitMode::Create, "create", vec![file(0)])
            .await
            .expect("create");
        assert_eq!(v1.version, 1);
        let err = lake
            .commit(&name, CommitMode::Create, "create", vec![file(1)])
            .await
            .expect_err("exists");
        assert!(matches!(err, LakeError::TableExists(_)));
        let v2 = lake
            .commit(&name, CommitMode::Append, "insert", vec![file(5)])
            .await
            .expect("append");
        // The empty placeholder is dropped once real rows arrive.
        assert_eq!(v2.files, vec![file(5)]);
        let v3 = lake
            .commit(&name, CommitMode::Append, "insert", vec![file(7)])
            .await
            .expect("append");
        assert_eq!(v3.rows(), 12);

        // A writer that prepared version 3 too loses: the put is create-if-absent.
        let stale = Manifest::new(3, "insert", vec![file(9)]);
        let err = lake
            .put_manifest(&name, &stale)
            .await
            .expect_err("conflict");
        assert!(
            matches!(err, LakeError::Conflict { version: 3, .. }),
            "{err}"
        );
        assert_eq!(lake.current_manifest(&name).await.expect("read"), Some(v3));

        lake.drop_table(&name).await.expect("drop");
        assert_eq!(lake.current_manifest(&name).await.expect("read"), None);
        let contents = lake.contents().await.expect("contents");
        assert!(contents.tables["raw"].is_empty());
    }
}
