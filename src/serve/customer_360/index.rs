//! The server's side of the stored 360° index (see [`super::snapshot`]): the lookup keys and
//! the position of every customer's row held in memory, and one customer's row read from the
//! Parquet file by position, through the page index.
//!
//! At 1.2M customers the keys take about 3.5M rows (about 150 MB of strings) and the positions
//! a sorted list of the unified ids; a lookup is three binary searches and one read of a few
//! small pages per column.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use amigo_udfs::email::{EmailRules, email_canonical};
use amigo_udfs::phone::normalize_phone;
use arrow::array::{Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray, UInt32Array};
use arrow::compute::{concat, concat_batches, sort_to_indices};
use arrow::datatypes::{DataType, SchemaRef};
use bytes::Bytes;
use datafusion::execution::SessionState;
use futures::future::BoxFuture;
use futures::{FutureExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, RowSelection, RowSelector,
};
use parquet::arrow::async_reader::AsyncFileReader;
use parquet::arrow::{ParquetRecordBatchStreamBuilder, ProjectionMask};
use parquet::errors::ParquetError;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};

use super::KEY_COLUMN;
use super::snapshot::{BUILT, KEYS, PROFILES, table};
use crate::lake::TableName;
use crate::lake::catalog::LakeCatalog;
use crate::session::root_message;

/// The region a phone typed without its country code is read in: the same as
/// `normalize_phone($1, 'FR')` in customer_360.sql, which the index must answer like.
const LOCAL_PHONE_REGION: &str = "FR";

pub struct Index {
    /// The version of `serve.customer_360_built` this was loaded from.
    pub built_version: u64,
    /// The tables, and their versions, the stored view was built from.
    built_from: Vec<(TableName, u64)>,
    keys: Keys,
    profiles: Profiles,
}

/// `serve.customer_360_keys`, sorted by (matched_by, lookup_key).
struct Keys {
    keys: StringArray,
    kinds: StringArray,
    ids: StringArray,
}

/// Where each customer's row is.
struct Profiles {
    files: Vec<ProfileFile>,
    /// The unified id of every row, in file order.
    ids: StringArray,
    /// Row numbers sorted by unified id.
    by_id: UInt32Array,
}

struct ProfileFile {
    path: Path,
    metadata: ArrowReaderMetadata,
    bytes: u64,
    /// The row number of its first row among all files.
    first_row: u64,
}

/// One customer a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub unified_id: String,
    pub matched_by: &'static str,
}

impl Index {
    /// Loads the index the lake holds now; `None` when there is none.
    pub async fn load(state: &SessionState, catalog: &LakeCatalog) -> Result<Option<Self>, String> {
        let Some(built_version) = catalog
            .table_version(&table(BUILT))
            .await
            .map_err(|e| root_message(&e))?
        else {
            return Ok(None);
        };
        let built_from = read_built(state).await?;
        let version_of = |name: &TableName| {
            built_from
                .iter()
                .find(|(table, _)| table == name)
                .map(|(_, version)| *version)
        };
        let keys = Keys::load(state).await?;
        let Some(profiles) = Profiles::load(catalog, version_of(&table(PROFILES))).await? else {
            return Ok(None);
        };
        Ok(Some(Self {
            built_version,
            built_from,
            keys,
            profiles,
        }))
    }

    /// Whether every table the view was built from is still at the version it was built from.
    pub async fn is_current(&self, catalog: &LakeCatalog) -> Result<bool, String> {
        for (name, version) in &self.built_from {
            let now = catalog
                .table_version(name)
                .await
                .map_err(|e| root_message(&e))?;
            if now != Some(*version) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The customers `key` finds, by unified id, each with the first of the ways it matched
    /// (`email` < `phone` < `unified_id`, as `min(matched_by)` in customer_360.sql).
    pub fn find(&self, key: &str) -> Vec<Found> {
        let email = email_canonical(key, EmailRules::default_rules());
        let phone = normalize_phone(key, Some(LOCAL_PHONE_REGION));
        let mut found: BTreeMap<&str, &'static str> = BTreeMap::new();
        for (kind, normalized) in [
            ("email", email.as_deref()),
            ("phone", phone.as_deref()),
            ("unified_id", Some(key.trim())),
        ] {
            let Some(normalized) = normalized else {
                continue;
            };
            for id in self.keys.customers(kind, normalized) {
                found.entry(id).or_insert(kind);
            }
        }
        found
            .into_iter()
            .map(|(unified_id, matched_by)| Found {
                unified_id: unified_id.to_owned(),
                matched_by,
            })
            .collect()
    }

    /// The lookup's rows for `key`, with the columns of `schema` (the statement's).
    pub async fn lookup(
        &self,
        store: &Arc<dyn ObjectStore>,
        key: &str,
        schema: &SchemaRef,
    ) -> Result<RecordBatch, String> {
        let found = self.find(key);
        let mut rows = Vec::new();
        let mut matched_by = Vec::new();
        for customer in &found {
            // A key can lead to an id without a golden record (as the statement's inner join).
            if let Some(row) = self.profiles.read(store, &customer.unified_id).await? {
                rows.push(row);
                matched_by.push(customer.matched_by);
            }
        }
        let profile_schema = match rows.first() {
            Some(row) => row.schema(),
            None => return Ok(RecordBatch::new_empty(schema.clone())),
        };
        let profiles = concat_batches(&profile_schema, &rows).map_err(|e| e.to_string())?;
        let count = profiles.num_rows();
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for field in schema.fields() {
            let column: ArrayRef = match field.name().as_str() {
                KEY_COLUMN => Arc::new(StringArray::from(vec![key; count])),
                "matched_by" => Arc::new(StringArray::from(matched_by.clone())),
                "match_count" => Arc::new(Int64Array::from(vec![found.len() as i64; count])),
                name => profiles
                    .column_by_name(name)
                    .ok_or_else(|| {
                        format!("the stored 360° view has no column {name}: run amigo resolve")
                    })?
                    .clone(),
            };
            let column = if column.data_type() == field.data_type() {
                column
            } else {
                arrow::compute::cast(&column, field.data_type())
                    .map_err(|e| format!("the stored 360° view's column {}: {e}", field.name()))?
            };
            columns.push(column);
        }
        RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())
    }
}

async fn read_built(state: &SessionState) -> Result<Vec<(TableName, u64)>, String> {
    let sql = format!("SELECT table_name, version FROM {}", table(BUILT));
    let batches = query(state, &sql).await?;
    let mut built_from = Vec::new();
    for batch in &batches {
        let names = batch.column(0).as_string::<i32>();
        let versions = batch
            .column(1)
            .as_primitive_opt::<arrow::datatypes::Int64Type>()
            .ok_or("serve.customer_360_built: version is not a BIGINT")?;
        for row in 0..batch.num_rows() {
            let name = names.value(row);
            let Some((schema, table)) = name.split_once('.') else {
                return Err(format!("serve.customer_360_built: bad table name {name:?}"));
            };
            built_from.push((TableName::new(schema, table), versions.value(row) as u64));
        }
    }
    Ok(built_from)
}

async fn query(state: &SessionState, sql: &str) -> Result<Vec<RecordBatch>, String> {
    let failed = |e: datafusion::error::DataFusionError| format!("{sql}: {}", root_message(&e));
    let plan = state.create_logical_plan(sql).await.map_err(failed)?;
    datafusion::dataframe::DataFrame::new(state.clone(), plan)
        .collect()
        .await
        .map_err(failed)
}

/// One string column of all batches, as one array.
fn string_column(batches: &[RecordBatch], index: usize) -> Result<StringArray, String> {
    let columns: Vec<ArrayRef> = batches
        .iter()
        .map(|b| arrow::compute::cast(b.column(index), &DataType::Utf8))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let refs: Vec<&dyn Array> = columns.iter().map(|c| c.as_ref()).collect();
    if refs.is_empty() {
        return Ok(StringArray::from(Vec::<&str>::new()));
    }
    let all = concat(&refs).map_err(|e| e.to_string())?;
    Ok(all.as_string::<i32>().clone())
}

impl Keys {
    async fn load(state: &SessionState) -> Result<Self, String> {
        let sql = format!(
            "SELECT lookup_key, matched_by, unified_id FROM {} ORDER BY matched_by, lookup_key",
            table(KEYS)
        );
        let batches = query(state, &sql).await?;
        Ok(Self {
            keys: string_column(&batches, 0)?,
            kinds: string_column(&batches, 1)?,
            ids: string_column(&batches, 2)?,
        })
    }

    /// The customers a normalized key of one kind leads to.
    fn customers(&self, kind: &str, key: &str) -> impl Iterator<Item = &str> {
        let at = |row: usize| (self.kinds.value(row), self.keys.value(row));
        let first = partition_point(self.keys.len(), |row| at(row) < (kind, key));
        (first..self.keys.len())
            .take_while(move |&row| at(row) == (kind, key))
            .map(|row| self.ids.value(row))
    }
}

/// The first index in `0..len` where `before` is false (`before` true, then false).
fn partition_point(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0, len);
    while low < high {
        let middle = low + (high - low) / 2;
        if before(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

impl Profiles {
    /// The files of the stored view at `version`; `None` when the table is at another version
    /// (being rebuilt).
    async fn load(catalog: &LakeCatalog, version: Option<u64>) -> Result<Option<Self>, String> {
        let name = table(PROFILES);
        let Some(current) = catalog.table(&name).await.map_err(|e| root_message(&e))? else {
            return Ok(None);
        };
        if Some(current.manifest().version) != version {
            return Ok(None);
        }
        let lake = catalog.lake();
        let mut files = Vec::new();
        let mut ids = Vec::new();
        let mut first_row = 0u64;
        for file in &current.manifest().files {
            let path = lake.data_file_path(&name, file);
            let failed = |e: parquet::errors::ParquetError| format!("reading {path}: {e}");
            let mut reader = StoreFile::new(lake.store(), &path, file.bytes);
            let metadata = ArrowReaderMetadata::load_async(
                &mut reader,
                ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required),
            )
            .await
            .map_err(failed)?;
            let mask = ProjectionMask::columns(
                metadata.metadata().file_metadata().schema_descr(),
                ["unified_id"],
            );
            let batches: Vec<RecordBatch> =
                ParquetRecordBatchStreamBuilder::new_with_metadata(reader, metadata.clone())
                    .with_projection(mask)
                    .build()
                    .map_err(failed)?
                    .try_collect()
                    .await
                    .map_err(failed)?;
            let rows: u64 = batches.iter().map(|b| b.num_rows() as u64).sum();
            ids.extend(batches);
            files.push(ProfileFile {
                path,
                metadata,
                bytes: file.bytes,
                first_row,
            });
            first_row += rows;
        }
        let ids = string_column(&ids, 0)?;
        let by_id = sort_to_indices(&ids, None, None).map_err(|e| e.to_string())?;
        Ok(Some(Self { files, ids, by_id }))
    }

    /// The stored row of one customer, if there is one.
    async fn read(
        &self,
        store: &Arc<dyn ObjectStore>,
        unified_id: &str,
    ) -> Result<Option<RecordBatch>, String> {
        let sorted = |i: usize| self.ids.value(self.by_id.value(i) as usize);
        let at = partition_point(self.by_id.len(), |i| sorted(i) < unified_id);
        if at == self.by_id.len() || sorted(at) != unified_id {
            return Ok(None);
        }
        let row = u64::from(self.by_id.value(at));
        let Some(file) = self.files.iter().rev().find(|f| f.first_row <= row) else {
            return Ok(None);
        };
        let mut in_file = row - file.first_row;
        let mut row_group = 0;
        for group in file.metadata.metadata().row_groups() {
            let rows = group.num_rows() as u64;
            if in_file < rows {
                break;
            }
            in_file -= rows;
            row_group += 1;
        }
        let failed = |e: parquet::errors::ParquetError| format!("reading {}: {e}", file.path);
        let reader = StoreFile::new(store, &file.path, file.bytes);
        let batches: Vec<RecordBatch> =
            ParquetRecordBatchStreamBuilder::new_with_metadata(reader, file.metadata.clone())
                .with_row_groups(vec![row_group])
                .with_row_selection(RowSelection::from(vec![
                    RowSelector::skip(in_file as usize),
                    RowSelector::select(1),
                ]))
                .build()
                .map_err(failed)?
                .try_collect()
                .await
                .map_err(failed)?;
        let schema = file.metadata.schema().clone();
        let batch = concat_batches(&schema, &batches).map_err(|e| e.to_string())?;
        Ok((batch.num_rows() == 1).then_some(batch))
    }
}

/// A Parquet file of the lake, read by the byte ranges the Parquet reader asks for.
struct StoreFile {
    store: Arc<dyn ObjectStore>,
    path: Path,
    bytes: u64,
}

impl StoreFile {
    fn new(store: &Arc<dyn ObjectStore>, path: &Path, bytes: u64) -> Self {
        Self {
            store: store.clone(),
            path: path.clone(),
            bytes,
        }
    }
}

fn store_error(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

impl AsyncFileReader for StoreFile {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, parquet::errors::Result<Bytes>> {
        async move {
            self.store
                .get_range(&self.path, range)
                .await
                .map_err(store_error)
        }
        .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, parquet::errors::Result<Vec<Bytes>>> {
        async move {
            self.store
                .get_ranges(&self.path, &ranges)
                .await
                .map_err(store_error)
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        _options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let bytes = self.bytes;
            let metadata = ParquetMetaDataReader::new()
                .with_page_index_policy(PageIndexPolicy::Required)
                .load_and_finish(self, bytes)
                .await?;
            Ok(Arc::new(metadata))
        }
        .boxed()
    }
}
