//! A lake table as a DataFusion [`TableProvider`]: scans read exactly the files of one version
//! (no listing, sizes from the manifest), inserts write new files and commit the next version.

use std::fmt;
use std::sync::{Arc, Weak};

use arrow::datatypes::SchemaRef;
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::stats::Precision;
use datafusion::common::{SchemaExt, Statistics, plan_err};
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{FileGroup, FileScanConfigBuilder};
use datafusion::datasource::sink::{DataSink, DataSinkExec};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::dml::InsertOp;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType, ExecutionPlan};
use object_store::ObjectStoreExt;
use parquet::arrow::arrow_reader::ArrowReaderMetadata;
use parquet::errors::ParquetError;
use parquet::file::metadata::ParquetMetaDataReader;

use super::catalog::LakeSchema;
use super::write::TableWriter;
use super::{CommitMode, Lake, LakeError, Manifest, TableName};

/// One version of a lake table.
pub struct LakeTable {
    lake: Arc<Lake>,
    name: TableName,
    manifest: Manifest,
    schema: SchemaRef,
    /// Told about commits made through this table, so the next statement sees them.
    owner: Weak<LakeSchema>,
}

impl fmt::Debug for LakeTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LakeTable")
            .field("name", &self.name)
            .field("version", &self.manifest.version)
            .finish()
    }
}

impl LakeTable {
    /// Loads a version: the schema comes from the first data file's footer (every live version
    /// has at least one file).
    pub async fn load(
        lake: Arc<Lake>,
        name: TableName,
        manifest: Manifest,
        owner: Weak<LakeSchema>,
    ) -> Result<Self, LakeError> {
        let Some(first) = manifest.files.first() else {
            return Err(LakeError::CorruptManifest {
                path: format!("{name} version {}", manifest.version),
                message: "a live table version names no data file".into(),
            });
        };
        let schema = read_arrow_schema(&lake, &name, first).await?;
        Ok(Self {
            lake,
            name,
            manifest,
            schema,
            owner,
        })
    }

    pub fn name(&self) -> &TableName {
        &self.name
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Spreads the files over `partitions` groups, largest first onto the lightest group.
    fn file_groups(&self, partitions: usize) -> Vec<FileGroup> {
        let mut files: Vec<_> = self.manifest.files.iter().collect();
        files.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.path.cmp(&b.path)));
        let partitions = partitions.clamp(1, files.len().max(1));
        let mut groups: Vec<(u64, Vec<PartitionedFile>)> = vec![(0, Vec::new()); partitions];
        for file in files {
            // `partitions` is at least 1, so there is always a group.
            let Some(lightest) = groups.iter_mut().min_by_key(|(bytes, _)| *bytes) else {
                break;
            };
            lightest.0 += file.bytes;
            let path = self.lake.data_file_path(&self.name, file);
            lightest
                .1
                .push(PartitionedFile::new(path.to_string(), file.bytes));
        }
        groups
            .into_iter()
            .filter(|(_, files)| !files.is_empty())
            .map(|(_, files)| FileGroup::new(files))
            .collect()
    }
}

#[async_trait]
impl TableProvider for LakeTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        // A plan made earlier (a view's) holds this version: read the current one instead,
        // when another process committed since and the columns did not change.
        if let Some(owner) = self.owner.upgrade()
            && let Some(current) = owner.current_table(&self.name.table).await?
            && current.manifest != self.manifest
            && current.schema == self.schema
        {
            return current.scan(state, projection, filters, limit).await;
        }
        let format = ParquetFormat::default().with_options(state.table_options().parquet.clone());
        let source = format.file_source(self.schema.clone().into());
        let statistics = Statistics::new_unknown(&self.schema)
            .with_num_rows(Precision::Exact(self.manifest.rows() as usize));
        let config = FileScanConfigBuilder::new(self.lake.store_url().clone(), source)
            .with_file_groups(self.file_groups(state.config().target_partitions()))
            .with_statistics(statistics)
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .build();
        format.create_physical_plan(state, config).await
    }

    /// Filters are pushed into the Parquet scan (row-group and page pruning) by the physical
    /// optimizer; DataFusion still applies them on the rows.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    fn statistics(&self) -> Option<Statistics> {
        Some(
            Statistics::new_unknown(&self.schema)
                .with_num_rows(Precision::Exact(self.manifest.rows() as usize)),
        )
    }

    async fn insert_into(
        &self,
        _state: &dyn Session,
        input: Arc<dyn ExecutionPlan>,
        insert_op: InsertOp,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.schema
            .logically_equivalent_names_and_types(&input.schema())?;
        let mode = match insert_op {
            InsertOp::Append => CommitMode::Append,
            InsertOp::Overwrite => CommitMode::Replace,
            InsertOp::Replace => {
                return plan_err!("REPLACE INTO is not supported for lake table {}", self.name);
            }
        };
        let sink = LakeSink {
            lake: self.lake.clone(),
            name: self.name.clone(),
            schema: self.schema.clone(),
            mode,
            owner: self.owner.clone(),
        };
        Ok(Arc::new(DataSinkExec::new(input, Arc::new(sink), None)))
    }
}

/// Writes an INSERT's rows and commits them as the table's next version.
struct LakeSink {
    lake: Arc<Lake>,
    name: TableName,
    schema: SchemaRef,
    mode: CommitMode,
    owner: Weak<LakeSchema>,
}

impl fmt::Debug for LakeSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LakeSink({})", self.name)
    }
}

impl DisplayAs for LakeSink {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LakeSink: table={} mode={:?}", self.name, self.mode)
    }
}

#[async_trait]
impl DataSink for LakeSink {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    async fn write_all(
        &self,
        data: SendableRecordBatchStream,
        _context: &Arc<TaskContext>,
    ) -> Result<u64> {
        let operation = match self.mode {
            CommitMode::Replace => "overwrite",
            _ => "insert",
        };
        let (manifest, rows) = TableWriter::write_stream::<_, DataFusionError>(
            self.lake.clone(),
            self.name.clone(),
            &self.schema,
            data,
            self.mode,
            operation,
        )
        .await?;
        if let Some(owner) = self.owner.upgrade() {
            owner.table_committed(&self.name.table, manifest).await?;
        }
        Ok(rows)
    }
}

/// Reads a data file's Arrow schema from its Parquet footer: one ranged read of the file's tail
/// (a second one only when the footer is larger than the first guess).
async fn read_arrow_schema(
    lake: &Lake,
    name: &TableName,
    file: &super::DataFile,
) -> Result<SchemaRef, LakeError> {
    const FOOTER_GUESS: u64 = 64 * 1024;
    let path = lake.data_file_path(name, file);
    let store_error = |source| LakeError::Store {
        context: format!("reading the footer of {name} file {}", file.path),
        source,
    };
    let parquet_error = |source| LakeError::Parquet {
        context: format!("reading the schema of {name} from {}", file.path),
        source,
    };
    let mut tail = FOOTER_GUESS.min(file.bytes);
    let mut reader = ParquetMetaDataReader::new();
    loop {
        let bytes = lake
            .store()
            .get_range(&path, file.bytes - tail..file.bytes)
            .await
            .map_err(store_error)?;
        match reader.try_parse_sized(&bytes, file.bytes) {
            Ok(()) => break,
            Err(ParquetError::NeedMoreData(needed)) if (needed as u64) > tail => {
                tail = (needed as u64).min(file.bytes);
            }
            Err(e) => return Err(parquet_error(e)),
        }
    }
    let metadata = reader.finish().map_err(parquet_error)?;
    let arrow = ArrowReaderMetadata::try_new(Arc::new(metadata), Default::default())
        .map_err(parquet_error)?;
    Ok(arrow.schema().clone())
}
