//! Rewriting a table's whole history: every stored version, not only the current one.
//!
//! A lake keeps every version of a table (its manifests in `_log/` and the immutable files they
//! name), which is what makes writes atomic and history queryable. Erasing a person (GDPR) has
//! to reach those old versions too. [`Lake::rewrite_history`] passes every row of every file
//! that any version names, plus files no version names (left by interrupted writes), through a
//! caller's transform; a file the transform changes is written again under a new name, every
//! manifest naming it is replaced (one atomic put each, so each version is readable throughout,
//! before with the old file and after with the new one), and only then are the old files
//! deleted. A version committed by another writer while this runs is picked up by a last pass
//! before any file is deleted.
//!
//! The versions keep their numbers and commit times: they are the same versions, minus the
//! erased rows.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use arrow::array::RecordBatch;
use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::write::TableWriter;
use super::{DataFile, Lake, LakeError, Manifest, Result, TableName, manifest};

/// What a history rewrite changed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRewrite {
    /// Versions whose manifest now names rewritten files.
    pub versions: u64,
    /// Data files written again (each replaced one).
    pub files: u64,
    /// Rows the transform removed, counted once per file.
    pub rows_removed: u64,
    /// Files no version named that held rows to erase: deleted.
    pub orphans_deleted: u64,
}

/// A row transform: `None` leaves the batch as it is; `Some(batch)` replaces it (fewer rows, or
/// the same rows with values changed).
pub type Transform<'a> =
    dyn Fn(&RecordBatch) -> std::result::Result<Option<RecordBatch>, String> + Send + Sync + 'a;

impl Lake {
    /// Every committed version number of a table, dropped ones included, in order.
    pub async fn versions(&self, name: &TableName) -> Result<Vec<u64>> {
        let objects: Vec<_> = self
            .store()
            .list(Some(&self.log_dir(name)))
            .try_collect()
            .await
            .map_err(|source| LakeError::Store {
                context: format!("listing versions of {name}"),
                source,
            })?;
        let mut versions: Vec<u64> = objects
            .iter()
            .filter_map(|o| {
                o.location
                    .filename()
                    .and_then(manifest::parse_log_file_name)
            })
            .collect();
        versions.sort_unstable();
        Ok(versions)
    }

    /// Every table with at least one version, dropped ones included (their history is data too).
    pub async fn all_tables(&self) -> Result<Vec<TableName>> {
        let mut tables = Vec::new();
        for schema_dir in self.list_dir(&self.root).await?.common_prefixes {
            let Some(schema) = schema_dir.filename().map(str::to_string) else {
                continue;
            };
            if super::check_identifier(&schema).is_err() {
                continue;
            }
            for table_dir in self.list_dir(&schema_dir).await?.common_prefixes {
                let Some(table) = table_dir.filename() else {
                    continue;
                };
                let name = TableName::new(&schema, table);
                if !self.versions(&name).await?.is_empty() {
                    tables.push(name);
                }
            }
        }
        Ok(tables)
    }

    /// Passes every stored row of `name` (every version, and files no version names) through
    /// `transform`, and makes every version read the transformed files. See the module comment.
    pub async fn rewrite_history(
        &self,
        lake: &Arc<Lake>,
        name: &TableName,
        transform: &Transform<'_>,
    ) -> Result<HistoryRewrite> {
        let mut outcome = HistoryRewrite::default();
        // Old path → the files replacing it (an empty list never: a rewrite keeps at least an
        // empty file, which carries the schema).
        let mut replaced: HashMap<String, Vec<DataFile>> = HashMap::new();
        let mut checked: BTreeSet<String> = BTreeSet::new();
        let mut manifests_done: BTreeMap<u64, bool> = BTreeMap::new();
        // Passes until no version appeared that was not seen (a concurrent commit).
        loop {
            let versions = self.versions(name).await?;
            let new_versions: Vec<u64> = versions
                .into_iter()
                .filter(|v| !manifests_done.contains_key(v))
                .collect();
            if new_versions.is_empty() {
                break;
            }
            for version in new_versions {
                let manifest = self.read_manifest(name, version).await?;
                for file in &manifest.files {
                    if checked.insert(file.path.clone())
                        && let Some((new_files, removed)) =
                            self.rewrite_file(lake, name, file, transform).await?
                    {
                        outcome.files += 1;
                        outcome.rows_removed += removed;
                        replaced.insert(file.path.clone(), new_files);
                    }
                }
                let changed = manifest
                    .files
                    .iter()
                    .any(|f| replaced.contains_key(&f.path));
                if changed {
                    self.replace_manifest(name, with_files_replaced(&manifest, &replaced))
                        .await?;
                    outcome.versions += 1;
                }
                manifests_done.insert(version, changed);
            }
        }
        // Files no manifest names: an interrupted write's leftovers, or a write about to commit.
        // Those holding rows to erase are deleted; the others are left alone.
        let named: BTreeSet<String> = checked.clone();
        for path in self.data_files(name).await? {
            if named.contains(&path) || replaced.values().flatten().any(|f| f.path == path) {
                continue;
            }
            let file = DataFile {
                path: path.clone(),
                rows: 0,
                bytes: 0,
            };
            let Some(batches) = self.read_data_file(name, &file).await.ok() else {
                continue;
            };
            let mut holds_rows_to_erase = false;
            for batch in &batches {
                if transform(batch)
                    .map_err(|message| transform_error(name, &path, message))?
                    .is_some()
                {
                    holds_rows_to_erase = true;
                    break;
                }
            }
            if holds_rows_to_erase {
                self.delete_object(&self.data_file_path(name, &file))
                    .await?;
                outcome.orphans_deleted += 1;
            }
        }
        for old in replaced.keys() {
            let file = DataFile {
                path: old.clone(),
                rows: 0,
                bytes: 0,
            };
            self.delete_object(&self.data_file_path(name, &file))
                .await?;
        }
        Ok(outcome)
    }

    /// Deletes every version and file of a table: for scratch tables a pipeline rebuilds.
    pub async fn purge_table(&self, name: &TableName) -> Result<u64> {
        let objects: Vec<_> = self
            .store()
            .list(Some(&self.table_dir(name)))
            .try_collect()
            .await
            .map_err(|source| LakeError::Store {
                context: format!("listing {name}"),
                source,
            })?;
        // Manifests first, newest first, so a reader never finds a version without its files
        // for longer than it takes to delete it.
        let (mut logs, data): (Vec<_>, Vec<_>) = objects
            .into_iter()
            .partition(|o| o.location.as_ref().contains("/_log/"));
        logs.sort_by(|a, b| b.location.cmp(&a.location));
        let count = (logs.len() + data.len()) as u64;
        for object in logs.into_iter().chain(data) {
            self.delete_object(&object.location).await?;
        }
        Ok(count)
    }

    /// Reads a whole data file.
    pub async fn read_data_file(
        &self,
        name: &TableName,
        file: &DataFile,
    ) -> Result<Vec<RecordBatch>> {
        let path = self.data_file_path(name, file);
        let bytes = self
            .store()
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
        let parquet_error = |source| LakeError::Parquet {
            context: format!("reading {path}"),
            source,
        };
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .map_err(parquet_error)?
            .with_batch_size(64 * 1024)
            .build()
            .map_err(parquet_error)?;
        reader
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|source| LakeError::Arrow {
                context: format!("reading {path}"),
                source,
            })
    }

    /// Rewrites one file when the transform changes any of its rows; returns the new files and
    /// how many rows went.
    async fn rewrite_file(
        &self,
        lake: &Arc<Lake>,
        name: &TableName,
        file: &DataFile,
        transform: &Transform<'_>,
    ) -> Result<Option<(Vec<DataFile>, u64)>> {
        let batches = self.read_data_file(name, file).await?;
        let mut out = Vec::with_capacity(batches.len());
        let mut changed = false;
        for batch in &batches {
            match transform(batch).map_err(|message| transform_error(name, &file.path, message))? {
                Some(new) => {
                    changed = true;
                    out.push(new);
                }
                None => out.push(batch.clone()),
            }
        }
        if !changed {
            return Ok(None);
        }
        let Some(schema) = batches.first().map(|b| b.schema()) else {
            return Ok(None);
        };
        let before: usize = batches.iter().map(RecordBatch::num_rows).sum();
        let after: usize = out.iter().map(RecordBatch::num_rows).sum();
        let mut writer = TableWriter::new(lake.clone(), name.clone(), &schema)?;
        for batch in &out {
            if let Err(e) = writer.write(batch).await {
                writer.abort().await;
                return Err(e);
            }
        }
        let files = writer.finish().await?;
        Ok(Some((files, (before - after) as u64)))
    }

    /// Paths (relative to the table) of every object under the table's `data/`.
    async fn data_files(&self, name: &TableName) -> Result<Vec<String>> {
        let dir = self.table_dir(name).join("data");
        let objects: Vec<_> =
            self.store()
                .list(Some(&dir))
                .try_collect()
                .await
                .map_err(|source| LakeError::Store {
                    context: format!("listing files of {name}"),
                    source,
                })?;
        Ok(objects
            .iter()
            .filter_map(|o| o.location.filename().map(|f| format!("data/{f}")))
            .collect())
    }

    /// Replaces an existing version's manifest (a single put: readers see the old one or the new
    /// one, never a mix). Only history rewrites do this; commits never overwrite a version.
    async fn replace_manifest(&self, name: &TableName, manifest: Manifest) -> Result<()> {
        let path = self
            .log_dir(name)
            .join(manifest::log_file_name(manifest.version));
        let body =
            serde_json::to_vec_pretty(&manifest).map_err(|e| LakeError::CorruptManifest {
                path: path.to_string(),
                message: e.to_string(),
            })?;
        self.store()
            .put(&path, body.into())
            .await
            .map(|_| ())
            .map_err(|source| LakeError::Store {
                context: format!("rewriting {name} version {}", manifest.version),
                source,
            })
    }

    async fn delete_object(&self, path: &Path) -> Result<()> {
        match self.store().delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(source) => Err(LakeError::Store {
                context: format!("deleting {path}"),
                source,
            }),
        }
    }
}

fn transform_error(name: &TableName, path: &str, message: String) -> LakeError {
    LakeError::CorruptManifest {
        path: format!("{name} {path}"),
        message,
    }
}

/// The manifest with each replaced file swapped for its replacements; files left with no rows
/// are dropped unless the version would have none (an empty file keeps the schema).
fn with_files_replaced(manifest: &Manifest, replaced: &HashMap<String, Vec<DataFile>>) -> Manifest {
    let mut files: Vec<DataFile> = Vec::new();
    for file in &manifest.files {
        match replaced.get(&file.path) {
            Some(new) => files.extend(new.iter().cloned()),
            None => files.push(file.clone()),
        }
    }
    if files.iter().any(|f| f.rows > 0) {
        files.retain(|f| f.rows > 0);
    } else {
        files.truncate(1);
    }
    Manifest {
        files,
        ..manifest.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::CommitMode;
    use arrow::array::{AsArray, BooleanArray, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};

    async fn write(lake: &Arc<Lake>, name: &TableName, values: &[&str], mode: CommitMode) {
        let schema = Arc::new(Schema::new(vec![Field::new("v", DataType::Utf8, true)]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(StringArray::from(values.to_vec()))],
        )
        .expect("batch");
        let mut writer = TableWriter::new(lake.clone(), name.clone(), &schema).expect("writer");
        writer.write(&batch).await.expect("write");
        let files = writer.finish().await.expect("finish");
        lake.commit(name, mode, "test", files)
            .await
            .expect("commit");
    }

    async fn values(lake: &Lake, name: &TableName, version: u64) -> Vec<String> {
        let manifest = lake.read_manifest(name, version).await.expect("manifest");
        let mut out = Vec::new();
        for file in &manifest.files {
            for batch in lake.read_data_file(name, file).await.expect("read") {
                out.extend(
                    batch
                        .column(0)
                        .as_string::<i32>()
                        .iter()
                        .flatten()
                        .map(str::to_string),
                );
            }
        }
        out
    }

    #[tokio::test]
    async fn every_version_loses_the_rows_and_old_files_are_gone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::init(&dir.path().display().to_string())
            .await
            .expect("init");
        let name = TableName::new("raw", "t");
        write(&lake, &name, &["ann", "bob"], CommitMode::Create).await;
        write(&lake, &name, &["cat"], CommitMode::Append).await;
        write(&lake, &name, &["bob", "dan"], CommitMode::Replace).await;
        let drop_bob = |batch: &RecordBatch| {
            let column = batch.column(0).as_string::<i32>();
            if !column.iter().any(|v| v == Some("bob")) {
                return Ok(None);
            }
            let keep: BooleanArray = column.iter().map(|v| Some(v != Some("bob"))).collect();
            arrow::compute::filter_record_batch(batch, &keep)
                .map(Some)
                .map_err(|e| e.to_string())
        };
        let outcome = lake
            .rewrite_history(&lake, &name, &drop_bob)
            .await
            .expect("rewrite");
        assert_eq!(outcome.files, 2, "{outcome:?}");
        assert_eq!(outcome.versions, 3, "{outcome:?}");
        assert_eq!(outcome.rows_removed, 2);
        assert_eq!(values(&lake, &name, 1).await, ["ann"]);
        assert_eq!(values(&lake, &name, 2).await, ["ann", "cat"]);
        assert_eq!(values(&lake, &name, 3).await, ["dan"]);
        // No file under the table holds the value any more.
        let mut files = 0;
        for path in lake.data_files(&name).await.expect("list") {
            let file = DataFile {
                path,
                rows: 0,
                bytes: 0,
            };
            for batch in lake.read_data_file(&name, &file).await.expect("read") {
                assert!(
                    !batch
                        .column(0)
                        .as_string::<i32>()
                        .iter()
                        .any(|v| v == Some("bob"))
                );
            }
            files += 1;
        }
        assert_eq!(files, 3, "old files deleted, new ones kept");

        assert!(lake.purge_table(&name).await.expect("purge") > 0);
        assert!(lake.versions(&name).await.expect("versions").is_empty());
    }
}
