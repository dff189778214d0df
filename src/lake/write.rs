//! Writing record batches into a table's data directory as Parquet files.
//!
//! A [`TableWriter`] only writes data files; nothing is visible until the caller passes the
//! returned [`DataFile`]s to [`Lake::commit`]. If the write fails midway, the files written so
//! far are deleted (best effort: files no manifest names are invisible anyway).

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use futures::{Stream, StreamExt};
use object_store::ObjectStoreExt;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use parquet::arrow::AsyncArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterPropertiesBuilder};
use parquet::schema::types::ColumnPath;

use super::{CommitMode, DataFile, Lake, LakeError, Manifest, Result, TableName, validate_batch};
use crate::model::{Model, TableDef};

/// Rows per Parquet row group: small enough for row-group pruning on point lookups, large
/// enough for good compression.
const ROW_GROUP_ROWS: usize = 128 * 1024;
/// Rows per data page at most (the default is 20K). A point lookup finds its row group through
/// the bloom filters, evaluates the filter on the key column, then reads only the pages of the
/// other columns that hold the matching rows (through the page index): smaller pages mean less
/// to fetch and decode per lookup, for a little more page-header overhead on full scans.
const PAGE_ROWS: usize = 8 * 1024;
/// Rows per data page of a table written [`TableWriter::for_point_reads`].
const POINT_READ_PAGE_ROWS: usize = 16;
/// Rows per row group of a table written [`TableWriter::for_point_reads`].
const POINT_READ_ROW_GROUP_ROWS: usize = 8 * 1024;
/// A writer starts a new file past this many rows, so big tables scan in parallel.
const FILE_ROWS: u64 = 4 * 1024 * 1024;
/// False positive rate of the bloom filters on string columns: a point lookup (`WHERE email =
/// ?`) reads the row groups whose filter says "maybe", so about one row group in 20 that does
/// not hold the value. Min/max statistics cannot skip anything on unsorted ids and emails; the
/// filters make a lookup on a 1.2M-row table read about one row group of 128K rows instead of all.
const BLOOM_FILTER_FPP: f64 = 0.05;

/// Writes the batches of one table version.
pub struct TableWriter {
    lake: Arc<Lake>,
    name: TableName,
    schema: SchemaRef,
    canonical: Option<&'static TableDef>,
    current: Option<OpenFile>,
    files: Vec<DataFile>,
    rows: u64,
    layout: Layout,
}

/// How a table's files are laid out, for the reads expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Scans and lookups by value (bloom filters, page statistics).
    Scans,
    /// Single rows read by position ([`TableWriter::for_point_reads`]).
    PointReads,
}

struct OpenFile {
    writer: AsyncArrowWriter<BufWriter>,
    relative: String,
    rows: u64,
}

impl TableWriter {
    /// Starts a write of batches with schema `input_schema`. String columns of any Arrow string
    /// type are stored as plain `Utf8`; a canonical table must match its model definition.
    pub fn new(lake: Arc<Lake>, name: TableName, input_schema: &Schema) -> Result<Self> {
        name.validate()?;
        let mut schema = storage_schema(input_schema);
        let canonical = Model::canonical()
            .map_err(|e| LakeError::InvalidName {
                name: name.to_string(),
                reason: format!("the canonical model does not load: {e}"),
            })?
            .table(&name);
        if let Some(def) = canonical {
            schema = coerce_to_model(def, &schema);
            def.check_schema(&schema)?;
        }
        Ok(Self {
            lake,
            name,
            schema,
            canonical,
            current: None,
            files: Vec::new(),
            rows: 0,
            layout: Layout::Scans,
        })
    }

    /// Lays the files out for reading single rows by position (the 360° lookup's stored
    /// views): pages of [`POINT_READ_PAGE_ROWS`] rows, so that reading one row through the page
    /// index fetches and decodes a few rows of each column, not thousands (its rows are
    /// customers, each with lists of orders and lines); no dictionaries, which a reader would
    /// decode whole for every row it reads; row groups of [`POINT_READ_ROW_GROUP_ROWS`], so
    /// that the page index a read goes through is short. No bloom filters: rows are found
    /// through an index kept by the reader, not by value.
    pub fn for_point_reads(mut self) -> Self {
        self.layout = Layout::PointReads;
        self
    }

    /// The schema the table is stored with.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub async fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        let batch = self.to_storage(batch)?;
        if let Some(def) = self.canonical {
            validate_batch(def, &batch, self.rows)?;
        }
        if self.current.is_none() {
            self.current = Some(self.open_file(Some(&batch))?);
        }
        let Some(file) = self.current.as_mut() else {
            return Ok(());
        };
        file.writer
            .write(&batch)
            .await
            .map_err(|source| LakeError::Parquet {
                context: format!("writing {}", self.name),
                source,
            })?;
        file.rows += batch.num_rows() as u64;
        self.rows += batch.num_rows() as u64;
        if file.rows >= FILE_ROWS {
            self.close_file().await?;
        }
        Ok(())
    }

    /// Closes the last file and returns every file written. A write of no rows still produces
    /// one empty file, which carries the table's schema.
    pub async fn finish(mut self) -> Result<Vec<DataFile>> {
        if self.current.is_none() && self.files.is_empty() {
            self.current = Some(self.open_file(None)?);
        }
        self.close_file().await?;
        Ok(std::mem::take(&mut self.files))
    }

    /// Deletes what this writer wrote (after a failure).
    pub async fn abort(mut self) {
        if let Some(file) = self.current.take() {
            self.files.push(DataFile {
                path: file.relative,
                rows: 0,
                bytes: 0,
            });
        }
        for file in &self.files {
            // Best effort: an orphan file is never read, since no manifest names it.
            let _ = self
                .lake
                .store()
                .delete(&self.lake.data_file_path(&self.name, file))
                .await;
        }
    }

    /// Writes a whole stream, then commits it; returns the new version and the rows written.
    /// On any error the partial files are removed and the table is left at its previous version.
    pub async fn write_stream<S, E>(
        lake: Arc<Lake>,
        name: TableName,
        schema: &Schema,
        mut stream: S,
        mode: CommitMode,
        operation: &str,
    ) -> std::result::Result<(Manifest, u64), E>
    where
        S: Stream<Item = std::result::Result<RecordBatch, E>> + Unpin,
        E: From<LakeError>,
    {
        let mut writer = TableWriter::new(lake.clone(), name.clone(), schema)?;
        while let Some(batch) = stream.next().await {
            let written = match batch {
                Ok(batch) => writer.write(&batch).await.map_err(E::from),
                Err(e) => Err(e),
            };
            if let Err(e) = written {
                writer.abort().await;
                return Err(e);
            }
        }
        let rows = writer.rows;
        let files = writer.finish().await?;
        match lake.commit(&name, mode, operation, files.clone()).await {
            Ok(manifest) => Ok((manifest, rows)),
            Err(e) => {
                for file in &files {
                    let _ = lake.store().delete(&lake.data_file_path(&name, file)).await;
                }
                Err(e.into())
            }
        }
    }

    /// Starts a file; its encodings are chosen from `first`, the first rows it will hold.
    fn open_file(&self, first: Option<&RecordBatch>) -> Result<OpenFile> {
        let relative = format!("data/part-{}.parquet", uuid::Uuid::new_v4().simple());
        let path: Path = self.lake.data_file_path(
            &self.name,
            &DataFile {
                path: relative.clone(),
                rows: 0,
                bytes: 0,
            },
        );
        let object = BufWriter::new(self.lake.store().clone(), path);
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(1).unwrap_or_default()))
            .set_created_by(format!("amigo {}", env!("CARGO_PKG_VERSION")));
        let cardinality = first.map(column_cardinality).unwrap_or_default();
        let mut properties = match self.layout {
            Layout::Scans => with_bloom_filters(
                properties
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .set_data_page_row_count_limit(PAGE_ROWS),
                &self.schema,
                &cardinality,
            ),
            Layout::PointReads => properties
                .set_max_row_group_row_count(Some(POINT_READ_ROW_GROUP_ROWS))
                .set_data_page_row_count_limit(POINT_READ_PAGE_ROWS)
                // The page row limit is checked once per batch the writer takes in.
                .set_write_batch_size(POINT_READ_PAGE_ROWS)
                .set_dictionary_enabled(false),
        };
        for (path, _) in cardinality
            .iter()
            .filter(|(_, c)| *c == Cardinality::MostlyDistinct)
        {
            properties =
                properties.set_column_dictionary_enabled(ColumnPath::new(path.clone()), false);
        }
        let properties = properties.build();
        let writer = AsyncArrowWriter::try_new(object, self.schema.clone(), Some(properties))
            .map_err(|source| LakeError::Parquet {
                context: format!("starting a file of {}", self.name),
                source,
            })?;
        Ok(OpenFile {
            writer,
            relative,
            rows: 0,
        })
    }

    async fn close_file(&mut self) -> Result<()> {
        let Some(mut file) = self.current.take() else {
            return Ok(());
        };
        file.writer
            .finish()
            .await
            .map_err(|source| LakeError::Parquet {
                context: format!("finishing a file of {}", self.name),
                source,
            })?;
        // After finish the count includes the footer: it is the file's size.
        let bytes = file.writer.bytes_written() as u64;
        self.files.push(DataFile {
            path: file.relative,
            rows: file.rows,
            bytes,
        });
        Ok(())
    }

    fn to_storage(&self, batch: &RecordBatch) -> Result<RecordBatch> {
        if batch.schema().fields() == self.schema.fields() {
            return Ok(batch.clone());
        }
        let columns = batch
            .columns()
            .iter()
            .zip(self.schema.fields())
            .map(|(column, field)| {
                if column.data_type() == field.data_type() {
                    Ok(column.clone())
                } else {
                    // Not `safe`: a value that does not fit is an error, never a silent null.
                    let options = arrow::compute::CastOptions {
                        safe: false,
                        ..Default::default()
                    };
                    arrow::compute::cast_with_options(column, field.data_type(), &options)
                }
            })
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|source| LakeError::Arrow {
                context: format!("converting rows for {}", self.name),
                source,
            })?;
        RecordBatch::try_new(self.schema.clone(), columns).map_err(|source| LakeError::Arrow {
            context: format!("converting rows for {}", self.name),
            source,
        })
    }
}

/// Rows sampled to judge a column's cardinality.
const CARDINALITY_SAMPLE: usize = 4096;

/// How repetitive a column's first values are, which decides how it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cardinality {
    /// Over 10% distinct: ids, emails, free text, hashes, line numbers, an order's fields
    /// repeated on its few lines. Written without a dictionary: interning each value is the
    /// writer's biggest cost, such dictionaries outgrow their page and fall back to plain
    /// encoding anyway, and zstd still finds the repeats.
    MostlyDistinct,
    /// A few values (statuses, countries, currencies, constants): dictionary encoded, and no
    /// bloom filter, since every row group holds much the same few values, so a filter would
    /// seldom skip one, while inserting every value into it costs as much as encoding the column.
    MostlyRepeats,
}

/// The cardinality of the columns whose first rows hold enough values to judge it, each named
/// by its path: the fields inside a struct are columns of their own in Parquet (a golden
/// record's provenance is 45 of them, record ids among them).
fn column_cardinality(batch: &RecordBatch) -> Vec<(Vec<String>, Cardinality)> {
    let rows = batch.num_rows().min(CARDINALITY_SAMPLE);
    let mut judged = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        judge_cardinality(
            vec![field.name().clone()],
            &column.slice(0, rows),
            &mut judged,
        );
    }
    judged
}

fn judge_cardinality(
    path: Vec<String>,
    column: &ArrayRef,
    judged: &mut Vec<(Vec<String>, Cardinality)>,
) {
    if let Some(fields) = column.as_struct_opt() {
        for (field, child) in fields.fields().iter().zip(fields.columns()) {
            let mut child_path = path.clone();
            child_path.push(field.name().clone());
            judge_cardinality(child_path, child, judged);
        }
        return;
    }
    let rows = column.len();
    let present = rows - column.null_count();
    if present < 64 {
        return;
    }
    let distinct = match column.data_type() {
        DataType::Utf8 => {
            let strings = column.as_string::<i32>();
            strings.iter().flatten().collect::<HashSet<&str>>().len()
        }
        data_type => match data_type.primitive_width() {
            Some(width) => {
                let data = column.to_data();
                let Some(values) = data.buffers().first() else {
                    return;
                };
                let start = data.offset() * width;
                let Some(bytes) = values.as_slice().get(start..start + rows * width) else {
                    return;
                };
                bytes
                    .chunks_exact(width)
                    .enumerate()
                    .filter(|(row, _)| column.is_valid(*row))
                    .map(|(_, value)| value)
                    .collect::<HashSet<&[u8]>>()
                    .len()
            }
            None => return,
        },
    };
    let cardinality = if distinct * 10 > present {
        Cardinality::MostlyDistinct
    } else {
        Cardinality::MostlyRepeats
    };
    judged.push((path, cardinality));
}

/// Gives a canonical table's columns their model type where the data's type is an obvious
/// stand-in: an untyped NULL, or another integer width (`VALUES (1)` is Int64). Other
/// differences are left for [`TableDef::check_schema`] to report.
fn coerce_to_model(def: &TableDef, schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| {
            let model_type = def
                .column(field.name())
                .and_then(|c| crate::model::parse_type(&c.type_name).ok());
            match model_type {
                Some(wanted)
                    if field.data_type() == &DataType::Null
                        || (field.data_type().is_integer() && wanted.is_integer()) =>
                {
                    Field::new(field.name(), wanted, true).with_metadata(field.metadata().clone())
                }
                _ => field.as_ref().clone(),
            }
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// A bloom filter on every string column but those of a few repeated values. Each is sized for
/// a row group of distinct values, then folded down when the row group is written to what its
/// values need at [`BLOOM_FILTER_FPP`]: about 128 KiB per row group for a column of ids or
/// emails. A column too sparse in its first rows to judge keeps its filter.
fn with_bloom_filters(
    mut properties: WriterPropertiesBuilder,
    schema: &Schema,
    cardinality: &[(Vec<String>, Cardinality)],
) -> WriterPropertiesBuilder {
    let repeats = |name: &str| {
        cardinality
            .iter()
            .any(|(path, c)| path == &[name] && *c == Cardinality::MostlyRepeats)
    };
    for field in schema.fields() {
        if field.data_type() == &DataType::Utf8 && !repeats(field.name()) {
            let column = ColumnPath::from(field.name().as_str());
            properties = properties
                .set_column_bloom_filter_enabled(column.clone(), true)
                .set_column_bloom_filter_fpp(column.clone(), BLOOM_FILTER_FPP)
                .set_column_bloom_filter_max_ndv(column, ROW_GROUP_ROWS as u64);
        }
    }
    properties
}

/// The schema a table is stored with: view, large and dictionary-encoded strings become plain
/// `Utf8` (what every Parquet reader and Flight client expects); fields are nullable, since
/// NOT NULL is checked on the data of canonical tables rather than on flags.
pub fn storage_schema(schema: &Schema) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let data_type = match f.data_type() {
                DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
                DataType::Dictionary(_, value)
                    if matches!(
                        value.as_ref(),
                        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
                    ) =>
                {
                    DataType::Utf8
                }
                other => other.clone(),
            };
            Field::new(f.name(), data_type, true).with_metadata(f.metadata().clone())
        })
        .collect();
    Arc::new(Schema::new(fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        ArrayRef, Int64Array, ListBuilder, StringArray, StringBuilder, TimestampMicrosecondArray,
    };
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::basic::Encoding;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    /// Writes `pieces` (batches of one schema) as one table; returns its one file's entry and
    /// bytes.
    async fn write_table(pieces: &[RecordBatch]) -> (DataFile, bytes::Bytes) {
        let dir = tempfile::tempdir().expect("tempdir");
        let lake = Lake::init(&dir.path().display().to_string())
            .await
            .expect("init");
        let name = TableName::new("raw", "t");
        let mut writer =
            TableWriter::new(lake.clone(), name.clone(), &pieces[0].schema()).expect("writer");
        for piece in pieces {
            writer.write(piece).await.expect("write");
        }
        let mut files = writer.finish().await.expect("finish");
        assert_eq!(files.len(), 1);
        let file = files.remove(0);
        let path = lake.data_file_path(&name, &file);
        let object = lake.store().get(&path).await.expect("get");
        (file, object.bytes().await.expect("bytes"))
    }

    #[tokio::test]
    async fn rows_read_back_as_written_across_row_groups_and_nested_columns() {
        let rows = ROW_GROUP_ROWS * 2 + 1000;
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..rows as i64));
        let seen: ArrayRef = Arc::new(
            TimestampMicrosecondArray::from_iter_values((0..rows as i64).map(|i| i * 1_000_000))
                .with_timezone("UTC"),
        );
        let mut tags = ListBuilder::new(StringBuilder::new());
        for i in 0..rows {
            if i % 7 == 0 {
                tags.append_null();
            } else {
                for t in 0..i % 3 {
                    tags.values().append_value(format!("tag{t}"));
                }
                tags.append(true);
            }
        }
        let tags: ArrayRef = Arc::new(tags.finish());
        let batch = RecordBatch::try_from_iter(vec![("id", ids), ("seen", seen), ("tags", tags)])
            .expect("batch");
        // In uneven pieces, so row groups fill across batches.
        let mut pieces = Vec::new();
        let mut offset = 0;
        for len in [1, 50_000, 100_000, rows] {
            let len = len.min(rows - offset);
            pieces.push(batch.slice(offset, len));
            offset += len;
        }

        let (file, bytes) = write_table(&pieces).await;
        assert_eq!(file.rows, rows as u64);
        assert_eq!(
            file.bytes,
            bytes.len() as u64,
            "the recorded size is the file's"
        );
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes).expect("parquet");
        assert_eq!(reader.metadata().num_row_groups(), 3);
        let read: Vec<RecordBatch> = reader
            .build()
            .expect("reader")
            .collect::<std::result::Result<_, _>>()
            .expect("read");
        let read = arrow::compute::concat_batches(&read[0].schema(), &read).expect("concat");
        assert_eq!(read.schema(), storage_schema(&batch.schema()));
        assert_eq!(read.columns(), batch.columns());
    }

    #[tokio::test]
    async fn ids_get_a_bloom_filter_and_codes_a_dictionary() {
        let rows = 5000;
        let emails: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..rows).map(|i| format!("person{i}@example.com")),
        ));
        let countries: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..rows).map(|i| ["FR", "BE", "CH"][i % 3]),
        ));
        // Too few values to judge: treated as possibly distinct.
        let notes: ArrayRef = Arc::new(StringArray::from_iter(
            (0..rows).map(|i| (i % 500 == 0).then(|| format!("note {i}"))),
        ));
        // Inside a struct, each field is judged as a column of its own.
        let provenance: ArrayRef = Arc::new(arrow::array::StructArray::from(vec![
            (
                Arc::new(Field::new("record_id", DataType::Utf8, true)),
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| format!("cegid:C{i:08}")),
                )) as ArrayRef,
            ),
            (
                Arc::new(Field::new("source", DataType::Utf8, true)),
                Arc::new(StringArray::from_iter_values(
                    (0..rows).map(|i| ["cegid", "shopify"][i % 2]),
                )) as ArrayRef,
            ),
        ]));
        let batch = RecordBatch::try_from_iter(vec![
            ("email", emails),
            ("country", countries),
            ("note", notes),
            ("provenance", provenance),
        ])
        .expect("batch");
        let (_, bytes) = write_table(&[batch]).await;
        let reader = SerializedFileReader::new(bytes).expect("parquet");
        let group = reader.metadata().row_group(0);
        let column = |i: usize| group.column(i);
        assert!(
            column(0).bloom_filter_offset().is_some(),
            "email has a bloom filter"
        );
        assert!(
            !column(0).encodings().any(|e| e == Encoding::RLE_DICTIONARY),
            "email is written without a dictionary"
        );
        assert!(
            column(1).bloom_filter_offset().is_none(),
            "country has no bloom filter"
        );
        assert!(
            column(1).encodings().any(|e| e == Encoding::RLE_DICTIONARY),
            "country is dictionary encoded"
        );
        assert!(
            column(2).bloom_filter_offset().is_some(),
            "a sparse column keeps its filter"
        );
        assert!(
            !column(3).encodings().any(|e| e == Encoding::RLE_DICTIONARY),
            "provenance.record_id is written without a dictionary"
        );
        assert!(
            column(4).encodings().any(|e| e == Encoding::RLE_DICTIONARY),
            "provenance.source is dictionary encoded"
        );
    }
}
