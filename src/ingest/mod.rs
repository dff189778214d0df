//! `amigo ingest`: source exports into the lake, idempotent, nothing lost.
//!
//! Each input file is one batch, loaded into the entity's table `raw.<table>_history` in one
//! atomic commit:
//! 1. **read** ([`read`]): rows are parsed with the mapping's format; a row that cannot be read
//!    (wrong number of fields, undecodable bytes, oversized field, invalid JSON) is quarantined.
//! 2. **convert** ([`convert`]): each column is typed as the mapping says; a value that does not
//!    convert, or a missing key or required value, quarantines its row.
//! 3. **compare**: each row's natural key is looked up among the table's current records. A new
//!    key is *loaded*; a known key whose values (as received) are unchanged is *unchanged* and
//!    not written again; a known key with other values is *updated*: the new version is added
//!    and the old one closed (its `_valid_to` set), so every version stays queryable. The same
//!    key twice in one file is a duplicate: the later row is quarantined.
//! 4. **derive**: the mapping's derived columns (normalized email, ...) are computed in SQL.
//! 5. **commit**: new rows and the rewritten files of closed versions are committed as one new
//!    table version, based on the version read in step 3. A killed ingest commits nothing;
//!    running it again completes it. Then quarantined rows go to `raw.ingest_quarantine` (once
//!    per file content) and a line to `raw.ingest_log` (every run), with
//!    read = loaded + updated + unchanged + quarantined + suppressed (rows of people erased
//!    under GDPR, whose email or phone is on `unified.suppression_list`).
//!
//! A view `raw.<table>` shows the current version of each record; `raw.<table>_history` has
//! every version with `_valid_from` / `_valid_to`, so "what did we know on date X" is
//! `WHERE _valid_from <= X AND (_valid_to IS NULL OR _valid_to > X)`.

pub mod canonical;
pub mod convert;
mod fixed_time;
pub mod mapping;
mod parse;
pub mod read;
mod record;
mod split;
mod suppress;

use std::collections::{HashMap, HashSet};

// Keys are fingerprints already (or short group texts): a fast hash is enough.
use rustc_hash::FxHashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray, StringBuilder,
    TimestampMicrosecondArray, UInt32Array,
};
use arrow::compute::take;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::Utc;
use datafusion::common::DFSchema;
use datafusion::logical_expr::simplify::SimplifyContext;
use datafusion::optimizer::simplify_expressions::ExprSimplifier;
use datafusion::physical_expr::PhysicalExpr;
use object_store::ObjectStoreExt;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use twox_hash::XxHash3_128;

use crate::gdpr::suppression::Suppression;
use crate::lake::manifest::Manifest;
use crate::lake::write::TableWriter;
use crate::lake::{CommitMode, TableName};
use crate::session::{AmigoSession, root_message};
use convert::RowZones;
use mapping::{ColumnType, EntityMapping, SourceMapping, ZoneSource};
use parse::{FileLayout, ParsedChunk};
use read::{InputFile, RawChunk, RowReader};

/// What to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub source: String,
    pub entity: Option<String>,
    /// Mapping files to use instead of the bundled ones.
    pub mappings: Option<PathBuf>,
    /// Files, directories or URLs.
    pub inputs: Vec<String>,
    /// Show a progress bar (only drawn when stderr is a terminal).
    pub progress: bool,
}

/// A row that was not loaded, and why.
#[derive(Debug, Clone)]
pub struct Quarantined {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub reason: String,
    pub record: String,
}

/// The outcome of one file.
#[derive(Debug, Clone, Default)]
pub struct FileReport {
    pub source: String,
    pub entity: String,
    pub table: String,
    pub file: String,
    pub file_hash: String,
    pub rows_read: u64,
    pub loaded: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub quarantined: u64,
    /// Rows of people erased under GDPR (their email or phone is on the suppression list):
    /// skipped, so an erased person does not come back.
    pub suppressed: u64,
    pub seconds: f64,
    /// The table version committed, when the file changed something.
    pub version: Option<u64>,
    /// Things the user should know (columns missing from the file ...).
    pub notes: Vec<String>,
}

impl FileReport {
    pub fn rows_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rows_read as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// One line for the terminal.
    pub fn summary(&self) -> String {
        format!(
            "{}/{} {}: read {}, loaded {}, updated {}, unchanged {}, quarantined {}{} in {:.2} s \
             ({:.0} rows/s){}",
            self.source,
            self.entity,
            self.file,
            self.rows_read,
            self.loaded,
            self.updated,
            self.unchanged,
            self.quarantined,
            if self.suppressed > 0 {
                format!(", suppressed {}", self.suppressed)
            } else {
                String::new()
            },
            self.seconds,
            self.rows_per_second(),
            match self.version {
                Some(v) => format!(" -> {}_history version {v}", self.table),
                None => String::new(),
            }
        )
    }
}

/// Ingests every input; `on_file` is called after each file with its report.
pub async fn ingest(
    session: &AmigoSession,
    options: &IngestOptions,
    mut on_file: impl FnMut(&FileReport),
) -> Result<Vec<FileReport>, String> {
    let mappings =
        mapping::load_mappings(options.mappings.as_deref()).map_err(|e| e.to_string())?;
    let source = mappings.get(&options.source).ok_or_else(|| {
        format!(
            "unknown source {:?} (known: {})",
            options.source,
            mappings.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    })?;
    let entities: Vec<&EntityMapping> = match &options.entity {
        Some(name) => vec![source.entity(name).ok_or_else(|| {
            format!(
                "source {} has no entity {name:?} (its entities: {})",
                source.source,
                source
                    .entities
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })?],
        None => source.entities.iter().collect(),
    };
    let work = plan_files(source, &entities, options).await?;
    let mut reports = Vec::new();
    for (entity, file) in work {
        let report = ingest_file(session, source, entity, &file, options.progress).await?;
        on_file(&report);
        reports.push(report);
    }
    Ok(reports)
}

/// Pairs each input file with its entity, in the mapping's entity order (so lookups' tables
/// load first), then file order.
async fn plan_files<'m>(
    source: &'m SourceMapping,
    entities: &[&'m EntityMapping],
    options: &IngestOptions,
) -> Result<Vec<(&'m EntityMapping, InputFile)>, String> {
    let mut work: Vec<(usize, &EntityMapping, InputFile)> = Vec::new();
    for input in &options.inputs {
        let files = read::list_inputs(input).await?;
        let single = files.len() == 1;
        for file in files {
            let matching: Vec<(usize, &&EntityMapping)> = entities
                .iter()
                .enumerate()
                .filter(|(_, e)| e.matches_file(&file.name))
                .collect();
            let chosen = match matching.as_slice() {
                [(i, e)] => (*i, **e),
                [] if single && entities.len() == 1 => (0, entities[0]),
                [] if single => {
                    return Err(format!(
                        "{}: the file name matches no entity of {} (patterns: {}); name the \
                         entity with --entity",
                        file.display,
                        source.source,
                        entities
                            .iter()
                            .map(|e| format!("{} {}", e.name, e.files.join(" ")))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                }
                [] => {
                    eprintln!(
                        "note: {} matches no entity of {}; not read",
                        file.display, source.source
                    );
                    continue;
                }
                _ => {
                    return Err(format!(
                        "{}: the file name matches several entities; name one with --entity",
                        file.display
                    ));
                }
            };
            work.push((chosen.0, chosen.1, file));
        }
    }
    if work.is_empty() {
        return Err("no input file to ingest".to_owned());
    }
    // Stable: files keep their order within an entity.
    work.sort_by_key(|(i, _, _)| *i);
    Ok(work.into_iter().map(|(_, e, f)| (e, f)).collect())
}

/// Blocks parsed ahead of the one being compared: enough to keep every core busy.
const BLOCKS_IN_FLIGHT: usize = 4;
/// Batches being finished (derived columns) ahead of the one handed to the writer.
const BATCHES_AHEAD: usize = 2;

/// The table's current records: key fingerprint → (values fingerprint, index of its file).
type CurrentRecords = FxHashMap<u128, (u128, usize)>;

async fn ingest_file(
    session: &AmigoSession,
    source: &SourceMapping,
    entity: &EntityMapping,
    file: &InputFile,
    progress: bool,
) -> Result<FileReport, String> {
    let started = Instant::now();
    let started_at = Utc::now();
    let ingest_id = uuid::Uuid::new_v4().to_string();
    let fail = |message: String| {
        format!(
            "{}/{} {}: {message}",
            source.source, entity.name, file.display
        )
    };
    let history = table_name(&entity.history_table());
    let lake = session.lake().clone();

    let zones = load_lookups(session, entity).await.map_err(fail)?;
    let suppression = Arc::new(Suppression::load(session).await.map_err(fail)?);
    let layout = Arc::new(Layout::new(session, entity).map_err(fail)?);
    let current_manifest = lake
        .current_manifest(&history)
        .await
        .map_err(|e| fail(e.to_string()))?;
    if current_manifest.is_some() {
        check_stored_schema(session, &history, &layout.schema)
            .await
            .map_err(fail)?;
    }
    let current = match &current_manifest {
        Some(manifest) => load_current(session, &history, manifest, &layout)
            .await
            .map_err(fail)?,
        None => FxHashMap::default(),
    };

    let input = file.open().await.map_err(fail)?;
    let bar = progress_bar(progress, file);
    let input: Box<dyn std::io::Read + Send> = Box::new(bar.wrap_read(input));
    let mut reader = RowReader::new(entity, &file.display, input).map_err(fail)?;
    let mut report = FileReport {
        source: source.source.clone(),
        entity: entity.name.clone(),
        table: entity.table.clone(),
        file: file.display.clone(),
        ..Default::default()
    };
    for missing in &reader.missing_columns {
        report.notes.push(format!(
            "the file has no column {missing:?}: loaded as NULL"
        ));
    }

    let writer = TableWriter::new(lake.clone(), history.clone(), &layout.schema)
        .map_err(|e| fail(e.to_string()))?;
    // Parquet encoding runs on its own task, in parallel with reading and converting.
    let (batches, mut to_encode) = tokio::sync::mpsc::channel::<RecordBatch>(2);
    let encoder = tokio::spawn(async move {
        let mut writer = writer;
        while let Some(batch) = to_encode.recv().await {
            if let Err(e) = writer.write(&batch).await {
                return Err((writer, e.to_string()));
            }
        }
        Ok(writer)
    });
    let mut quarantine: Vec<Quarantined> = Vec::new();
    let mut state = FileState {
        seen: FxHashMap::default(),
        sequences: FxHashMap::default(),
        closing: FxHashMap::default(),
    };
    let valid_from = started_at.timestamp_micros();
    let zones = Arc::new(zones);
    let mut rows_read = 0;
    let result: Result<(), String> = async {
        // Blocks are parsed and converted on the thread pool, several at a time; their rows
        // are then compared and written in file order.
        let mut in_flight = std::collections::VecDeque::new();
        let mut assembling = std::collections::VecDeque::new();
        let mut reading = true;
        let mut next_line = reader.first_line;
        loop {
            while reading && in_flight.len() < BLOCKS_IN_FLIGHT {
                let Some(block) = reader.next_block()? else {
                    reading = false;
                    break;
                };
                let (done, result) = tokio::sync::oneshot::channel();
                let file_layout = reader.layout.clone();
                let zones = zones.clone();
                rayon::spawn(move || {
                    let prepared = parse::parse_block(&file_layout, &block)
                        .and_then(|parsed| prepare_chunk(&file_layout, &zones, parsed));
                    let _ = done.send(prepared);
                });
                in_flight.push_back(result);
            }
            let Some(next) = in_flight.pop_front() else {
                break;
            };
            let mut prepared = next
                .await
                .map_err(|_| "internal: a parsing thread stopped".to_owned())??;
            prepared.parsed.place(next_line);
            next_line += prepared.parsed.newlines;
            rows_read += prepared.parsed.rows_read;
            quarantine.append(&mut prepared.parsed.quarantine);
            let picked = finish_chunk(
                entity,
                &file.display,
                prepared,
                &current,
                &mut state,
                &mut quarantine,
                &mut report,
            )?;
            if let Some(picked) = picked {
                let (done, result) = tokio::sync::oneshot::channel();
                let (layout, file, ingest_id, suppression) = (
                    layout.clone(),
                    file.display.clone(),
                    ingest_id.clone(),
                    suppression.clone(),
                );
                rayon::spawn(move || {
                    let batch = assemble_batch(&layout, picked, &file, &ingest_id, valid_from)
                        .and_then(|assembled| {
                            suppress::suppress(
                                &layout.schema,
                                layout.person.as_ref(),
                                &suppression,
                                assembled,
                            )
                        });
                    let _ = done.send(batch);
                });
                assembling.push_back(result);
            }
            // Batches go to the writer in file order.
            let draining = in_flight.is_empty();
            while assembling.len() > BATCHES_AHEAD || (draining && !assembling.is_empty()) {
                let Some(next) = assembling.pop_front() else {
                    break;
                };
                let (batch, skipped) = next
                    .await
                    .map_err(|_| "internal: a thread stopped".to_owned())??;
                report.loaded -= skipped.loaded;
                report.updated -= skipped.updated;
                report.suppressed += skipped.loaded + skipped.updated;
                if batch.num_rows() == 0 {
                    continue;
                }
                if batches.send(batch).await.is_err() {
                    // The encoder stopped: its error is reported below.
                    return Ok(());
                }
            }
            if draining {
                break;
            }
        }
        Ok(())
    }
    .await;
    drop(batches);
    bar.finish_and_clear();
    let mut writer = match encoder.await {
        Ok(Ok(writer)) => writer,
        Ok(Err((writer, e))) => {
            writer.abort().await;
            return Err(fail(e));
        }
        Err(e) => return Err(fail(format!("the Parquet writer stopped: {e}"))),
    };
    if let Err(e) = result {
        writer.abort().await;
        return Err(fail(e));
    }
    report.rows_read = rows_read;
    report.file_hash = reader.file_hash();
    report.suppressed +=
        suppress::suppress_quarantined(&suppression, entity.person.as_ref(), &mut quarantine);
    report.quarantined = quarantine.len() as u64;

    // Close the replaced versions: rewrite the files that hold them.
    let mut kept_files = current_manifest
        .as_ref()
        .map(|m| m.files.clone())
        .unwrap_or_default();
    if !state.closing.is_empty() {
        let Some(manifest) = &current_manifest else {
            writer.abort().await;
            return Err(fail(
                "internal: versions to close in a new table".to_owned(),
            ));
        };
        let affected: HashSet<usize> = state.closing.values().copied().collect();
        let closing: HashSet<u128> = state.closing.keys().copied().collect();
        for index in &affected {
            let rewritten = rewrite_closing(
                session,
                &history,
                &manifest.files[*index],
                &layout,
                &closing,
                valid_from,
            )
            .await;
            match rewritten {
                Ok(batches) => {
                    for batch in batches {
                        if let Err(e) = writer.write(&batch).await {
                            writer.abort().await;
                            return Err(fail(e.to_string()));
                        }
                    }
                }
                Err(e) => {
                    writer.abort().await;
                    return Err(fail(e));
                }
            }
        }
        kept_files = manifest
            .files
            .iter()
            .enumerate()
            .filter(|(i, _)| !affected.contains(i))
            .map(|(_, f)| f.clone())
            .collect();
    }

    let changed = report.loaded + report.updated > 0;
    if changed || current_manifest.is_none() {
        let new_files = match writer.finish().await {
            Ok(files) => files,
            Err(e) => return Err(fail(e.to_string())),
        };
        let (mode, mut files) = match &current_manifest {
            Some(m) => (CommitMode::Rewrite { base: m.version }, kept_files),
            None => (CommitMode::Create, Vec::new()),
        };
        files.extend(new_files);
        // Test hook: die as `kill -9` would, with the data files written and nothing committed.
        if std::env::var_os("AMIGO_TEST_CRASH_BEFORE_COMMIT").is_some() {
            std::process::abort();
        }
        let manifest = lake
            .commit(&history, mode, "ingest", files)
            .await
            .map_err(|e| {
                fail(format!(
                    "{e} (nothing was committed; run the command again)"
                ))
            })?;
        report.version = Some(manifest.version);
        session
            .table_committed(&history, manifest)
            .await
            .map_err(|e| fail(root_message(&e)))?;
    } else {
        writer.abort().await;
    }
    ensure_current_view(session, entity).await.map_err(fail)?;

    report.seconds = started.elapsed().as_secs_f64();
    record::record_quarantine(session, &report, &ingest_id, &quarantine)
        .await
        .map_err(fail)?;
    record::record_log(session, &report, &ingest_id, started_at)
        .await
        .map_err(fail)?;
    Ok(report)
}

/// Per-file state carried across chunks.
struct FileState {
    /// Keys seen in this file → line, to catch duplicates.
    seen: FxHashMap<u128, u64>,
    /// Counters of `sequence_within` columns, by group.
    sequences: FxHashMap<String, i64>,
    /// Keys whose current version is replaced → index of the file holding it.
    closing: FxHashMap<u128, usize>,
}

fn table_name(qualified: &str) -> TableName {
    match qualified.split_once('.') {
        Some((schema, table)) => TableName::new(schema, table),
        None => TableName::new("raw", qualified),
    }
}

/// How the stored rows are laid out for an entity.
struct Layout {
    /// The stored schema: typed columns (+ `<name>_raw`), derived, `_extra`, metadata.
    schema: SchemaRef,
    /// Schema of typed + raw columns, the input of derived expressions.
    base: SchemaRef,
    derived: Vec<Arc<dyn PhysicalExpr>>,
    /// Positions of the key columns in the stored schema.
    key_positions: Vec<usize>,
    /// Where each row's customer record id is (GDPR suppression), when the mapping says.
    person: Option<suppress::PersonColumns>,
}

impl Layout {
    fn new(session: &AmigoSession, entity: &EntityMapping) -> Result<Self, String> {
        let mut fields = Vec::new();
        for column in &entity.columns {
            let data_type = arrow_type(column.column_type()?);
            fields.push(Field::new(&column.name, data_type, true));
            if column.keeps_raw() {
                fields.push(Field::new(
                    format!("{}_raw", column.name),
                    DataType::Utf8,
                    true,
                ));
            }
        }
        let base = Arc::new(Schema::new(fields.clone()));
        let mut derived = Vec::new();
        let mut schema_so_far = base.clone();
        for d in &entity.derived {
            let df_schema =
                DFSchema::try_from(schema_so_far.as_ref().clone()).map_err(|e| e.to_string())?;
            // Simplified first, as a query's expressions are (coalesce becomes a CASE ...).
            let simplifier = ExprSimplifier::new(
                SimplifyContext::builder()
                    .with_schema(Arc::new(df_schema.clone()))
                    .build(),
            );
            let expr = session
                .context()
                .parse_sql_expr(&d.sql, &df_schema)
                .and_then(|expr| simplifier.simplify(expr))
                .and_then(|expr| session.context().create_physical_expr(expr, &df_schema))
                .map_err(|e| {
                    format!(
                        "derived column {} = {}: {}",
                        d.name,
                        d.sql,
                        root_message(&e)
                    )
                })?;
            let data_type = expr
                .data_type(schema_so_far.as_ref())
                .map_err(|e| format!("derived column {}: {e}", d.name))?;
            fields.push(Field::new(&d.name, data_type, true));
            schema_so_far = Arc::new(Schema::new(fields.clone()));
            derived.push(expr);
        }
        let timestamp = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        fields.extend([
            Field::new("_extra", DataType::Utf8, true),
            Field::new("_source_file", DataType::Utf8, false),
            Field::new("_source_line", DataType::Int64, false),
            Field::new("_row_hash", DataType::Utf8, false),
            Field::new("_ingest_id", DataType::Utf8, false),
            Field::new("_valid_from", timestamp.clone(), false),
            Field::new("_valid_to", timestamp, true),
        ]);
        let schema = Arc::new(Schema::new(fields));
        let key_positions = entity
            .key
            .iter()
            .map(|k| schema.index_of(k).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()?;
        let person = entity
            .person
            .as_ref()
            .map(|person| suppress::PersonColumns::new(person, &schema))
            .transpose()?;
        Ok(Self {
            schema,
            base,
            derived,
            key_positions,
            person,
        })
    }
}

fn arrow_type(column_type: ColumnType) -> DataType {
    match column_type {
        ColumnType::String => DataType::Utf8,
        ColumnType::Int => DataType::Int64,
        ColumnType::Float => DataType::Float64,
        ColumnType::Decimal { precision, scale } => DataType::Decimal128(precision, scale),
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::Date => DataType::Date32,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    }
}

/// A mapping whose columns changed cannot append to the table written with the old ones.
async fn check_stored_schema(
    session: &AmigoSession,
    history: &TableName,
    expected: &SchemaRef,
) -> Result<(), String> {
    let provider = session
        .context()
        .table_provider(format!("{}.{}", history.schema, history.table))
        .await
        .map_err(|e| root_message(&e))?;
    let stored = provider.schema();
    let describe = |s: &Schema| {
        s.fields()
            .iter()
            .map(|f| format!("{} {}", f.name(), f.data_type()))
            .collect::<Vec<_>>()
    };
    let (stored, expected) = (describe(&stored), describe(expected));
    if stored != expected {
        let differences: Vec<String> = expected
            .iter()
            .filter(|c| !stored.contains(c))
            .map(|c| format!("+{c}"))
            .chain(
                stored
                    .iter()
                    .filter(|c| !expected.contains(c))
                    .map(|c| format!("-{c}")),
            )
            .collect();
        return Err(format!(
            "{history} was written with other columns than the mapping now gives ({}); to \
             reload from scratch, DROP TABLE {history} and ingest again",
            differences.join(", ")
        ));
    }
    Ok(())
}

/// Lookup values by key, parsed as zones: lookup name → key → zone.
type Zones = HashMap<String, HashMap<String, Option<chrono_tz::Tz>>>;

async fn load_lookups(session: &AmigoSession, entity: &EntityMapping) -> Result<Zones, String> {
    let mut zones = HashMap::new();
    for lookup in &entity.lookups {
        let sql = format!(
            "SELECT CAST({} AS VARCHAR), CAST({} AS VARCHAR) FROM {}",
            lookup.key, lookup.value, lookup.table
        );
        let batches = match session.context().sql(&sql).await {
            Ok(df) => df.collect().await.map_err(|e| root_message(&e))?,
            Err(e) => {
                return Err(format!(
                    "lookup {} reads {} ({}): ingest that first",
                    lookup.name,
                    lookup.table,
                    root_message(&e)
                ));
            }
        };
        let mut values = HashMap::new();
        for batch in batches {
            let keys = batch.column(0).as_string::<i32>();
            let vals = batch.column(1).as_string::<i32>();
            for row in 0..batch.num_rows() {
                if keys.is_valid(row) && vals.is_valid(row) {
                    values.insert(keys.value(row).to_owned(), vals.value(row).to_owned());
                }
            }
        }
        zones.insert(lookup.name.clone(), convert::parse_zones(values));
    }
    Ok(zones)
}

/// Fingerprint of a natural key, from the stored key columns (strings or integers).
fn key_hash(columns: &[&ArrayRef], row: usize, buffer: &mut Vec<u8>) -> Option<u128> {
    buffer.clear();
    for column in columns {
        if column.is_null(row) {
            return None;
        }
        match column.data_type() {
            DataType::Utf8 => {
                let value = column.as_string::<i32>().value(row);
                buffer.extend_from_slice(&(value.len() as u64).to_le_bytes());
                buffer.extend_from_slice(value.as_bytes());
            }
            DataType::Int64 => {
                let value = column
                    .as_primitive::<arrow::datatypes::Int64Type>()
                    .value(row);
                buffer.extend_from_slice(&[8]);
                buffer.extend_from_slice(&value.to_le_bytes());
            }
            _ => return None,
        }
    }
    Some(XxHash3_128::oneshot(buffer))
}

/// Reads the key columns and fingerprints of the current records of every file.
async fn load_current(
    session: &AmigoSession,
    history: &TableName,
    manifest: &Manifest,
    layout: &Layout,
) -> Result<CurrentRecords, String> {
    let mut current = FxHashMap::default();
    let hash_position = layout
        .schema
        .index_of("_row_hash")
        .map_err(|e| e.to_string())?;
    let valid_to_position = layout
        .schema
        .index_of("_valid_to")
        .map_err(|e| e.to_string())?;
    let mut buffer = Vec::new();
    for (index, file) in manifest.files.iter().enumerate() {
        let mut positions = layout.key_positions.clone();
        positions.extend([hash_position, valid_to_position]);
        let batches = read_file(session, history, file, Some(&positions)).await?;
        for batch in batches {
            let keys: Vec<&ArrayRef> = (0..layout.key_positions.len())
                .map(|i| batch.column(i))
                .collect();
            let hashes = batch.column(layout.key_positions.len()).as_string::<i32>();
            let valid_to = batch.column(layout.key_positions.len() + 1);
            for row in 0..batch.num_rows() {
                if valid_to.is_valid(row) {
                    continue;
                }
                let (Some(key), Ok(hash)) = (
                    key_hash(&keys, row, &mut buffer),
                    u128::from_str_radix(hashes.value(row), 16),
                ) else {
                    continue;
                };
                current.insert(key, (hash, index));
            }
        }
    }
    Ok(current)
}

/// Reads one data file of a table (the given columns, in that order, or all).
async fn read_file(
    session: &AmigoSession,
    history: &TableName,
    file: &crate::lake::manifest::DataFile,
    columns: Option<&[usize]>,
) -> Result<Vec<RecordBatch>, String> {
    let lake = session.lake();
    let path = lake.data_file_path(history, file);
    let read_error = |e: &dyn std::fmt::Display| format!("reading {history} ({path}): {e}");
    // Whole files are fetched: ingest reads every row of the few files it needs.
    let bytes = lake
        .store()
        .get(&path)
        .await
        .map_err(|e| read_error(&e))?
        .bytes()
        .await
        .map_err(|e| read_error(&e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).map_err(|e| read_error(&e))?;
    let builder = match columns {
        Some(columns) => {
            let mask = ProjectionMask::roots(builder.parquet_schema(), columns.iter().copied());
            builder.with_projection(mask)
        }
        None => builder,
    };
    let batches: Vec<RecordBatch> = builder
        .with_batch_size(64 * 1024)
        .build()
        .map_err(|e| read_error(&e))?
        .collect::<Result<_, _>>()
        .map_err(|e| read_error(&e))?;
    // A projection keeps the file's column order; put the columns in the order asked.
    match columns {
        Some(columns) => {
            let mut sorted = columns.to_vec();
            sorted.sort_unstable();
            batches
                .into_iter()
                .map(|batch| {
                    let reordered: Vec<usize> = columns
                        .iter()
                        .map(|c| sorted.iter().position(|s| s == c).unwrap_or(0))
                        .collect();
                    batch.project(&reordered).map_err(|e| e.to_string())
                })
                .collect()
        }
        None => Ok(batches),
    }
}

/// The rows of `file` with `_valid_to` set on the current versions of `closing` keys.
async fn rewrite_closing(
    session: &AmigoSession,
    history: &TableName,
    file: &crate::lake::manifest::DataFile,
    layout: &Layout,
    closing: &HashSet<u128>,
    closed_at: i64,
) -> Result<Vec<RecordBatch>, String> {
    let batches = read_file(session, history, file, None).await?;
    let valid_to_position = layout
        .schema
        .index_of("_valid_to")
        .map_err(|e| e.to_string())?;
    let mut buffer = Vec::new();
    let mut out = Vec::new();
    for batch in batches {
        let keys: Vec<&ArrayRef> = layout
            .key_positions
            .iter()
            .map(|&i| batch.column(i))
            .collect();
        let valid_to = batch
            .column(valid_to_position)
            .as_primitive::<arrow::datatypes::TimestampMicrosecondType>();
        let new_valid_to: TimestampMicrosecondArray = (0..batch.num_rows())
            .map(|row| {
                if valid_to.is_valid(row) {
                    Some(valid_to.value(row))
                } else if key_hash(&keys, row, &mut buffer).is_some_and(|k| closing.contains(&k)) {
                    Some(closed_at)
                } else {
                    None
                }
            })
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC");
        let mut columns = batch.columns().to_vec();
        columns[valid_to_position] = Arc::new(new_valid_to);
        out.push(RecordBatch::try_new(layout.schema.clone(), columns).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// A parsed chunk with its columns converted and its rows' errors: the work that needs no
/// other chunk, done on the thread pool.
struct PreparedChunk {
    parsed: ParsedChunk,
    /// Converted array of each source column, in mapping order.
    converted: Vec<ArrayRef>,
    /// Each row's errors (column, reason), in column order.
    row_errors: Vec<Vec<(String, String)>>,
}

/// Converts the columns of a chunk and finds each row's errors: values that do not convert,
/// lookups without a zone, missing keys and required values.
fn prepare_chunk(
    file: &FileLayout,
    zones: &Zones,
    parsed: ParsedChunk,
) -> Result<PreparedChunk, String> {
    let entity = &file.entity;
    let chunk = &parsed.raw;
    let rows = chunk.len();
    let mut row_errors: Vec<Vec<(String, String)>> = vec![Vec::new(); rows];
    let source_of = source_positions(entity);
    let locate = |name: &str| locate_column(entity, &source_of, name);
    // Per-row zones of each lookup, once per chunk.
    let mut lookup_zones: HashMap<&str, RowZones> = HashMap::new();
    for lookup in &entity.lookups {
        let table = zones.get(&lookup.name);
        let on = locate(&lookup.on);
        let per_row = (0..rows)
            .map(|row| {
                cleaned(chunk, on, row)
                    .and_then(|k| table.and_then(|t| t.get(k)).copied().flatten())
            })
            .collect();
        lookup_zones.insert(lookup.name.as_str(), per_row);
    }
    let mut converted = Vec::new();
    let mut typed: HashMap<&str, &ArrayRef> = HashMap::new();
    let sources = entity.columns.iter().filter(|c| c.source.is_some());
    for (i, column) in sources.enumerate() {
        let zone = column.zone(&entity.format)?;
        let row_zones = match &zone {
            Some(ZoneSource::Lookup(name)) => lookup_zones.get(name.as_str()),
            _ => None,
        };
        let mut errors = Vec::new();
        let texts = &chunk.columns[i];
        let array = convert::convert_column(column, &entity.format, texts, row_zones, &mut errors)?;
        for error in errors {
            row_errors[error.row].push((column.name.clone(), error.reason));
        }
        if let Some(ZoneSource::Lookup(name)) = zone {
            let lookup = entity
                .lookups
                .iter()
                .find(|l| l.name == name)
                .ok_or_else(|| format!("lookup {name} is not defined"))?;
            let on = locate(&lookup.on);
            for (row, errors) in row_errors.iter_mut().enumerate() {
                let missing = lookup_zones
                    .get(name.as_str())
                    .is_none_or(|z| z[row].is_none());
                if missing && texts.is_valid(row) {
                    errors.push((
                        column.name.clone(),
                        format!(
                            "no time zone for {} {:?} in {} (lookup {})",
                            lookup.on,
                            cleaned(chunk, on, row).unwrap_or_default(),
                            lookup.table,
                            lookup.name
                        ),
                    ));
                }
            }
        }
        converted.push(array);
    }
    let sources = entity.columns.iter().filter(|c| c.source.is_some());
    for (column, array) in sources.zip(&converted) {
        typed.insert(column.name.as_str(), array);
    }
    // Missing keys and required values (sequence columns are never null).
    for column in &entity.columns {
        let required = column.required || entity.key.contains(&column.name);
        if !required {
            continue;
        }
        if let Some(array) = typed.get(column.name.as_str()) {
            for (row, errors) in row_errors.iter_mut().enumerate() {
                if array.is_null(row) && errors.iter().all(|(c, _)| c != &column.name) {
                    let what = if entity.key.contains(&column.name) {
                        "key"
                    } else {
                        "required"
                    };
                    errors.push((column.name.clone(), format!("missing {what} value")));
                }
            }
        }
    }
    Ok(PreparedChunk {
        parsed,
        converted,
        row_errors,
    })
}

/// Source column index by name, for lookups' `on` and sequences.
fn source_positions(entity: &EntityMapping) -> HashMap<&str, usize> {
    entity
        .columns
        .iter()
        .filter(|c| c.source.is_some())
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect()
}

/// Where a column's text is in a chunk, and the prefix to strip.
fn locate_column<'e>(
    entity: &'e EntityMapping,
    source_of: &HashMap<&str, usize>,
    name: &str,
) -> Option<(usize, Option<&'e str>)> {
    let column = entity.column(name)?;
    Some((*source_of.get(name)?, column.strip_prefix.as_deref()))
}

/// A column's text at `row`, without its prefix; `None` when empty.
fn cleaned<'c>(
    chunk: &'c RawChunk,
    at: Option<(usize, Option<&str>)>,
    row: usize,
) -> Option<&'c str> {
    let (index, strip) = at?;
    let text = chunk.value(index, row)?;
    let text = strip.and_then(|p| text.strip_prefix(p)).unwrap_or(text);
    (!text.is_empty()).then_some(text)
}

/// Numbers sequences, drops duplicates and classifies a chunk's rows against the table's
/// current records, in file order; returns the rows to write.
#[allow(clippy::too_many_arguments)]
fn finish_chunk(
    entity: &EntityMapping,
    file: &str,
    prepared: PreparedChunk,
    current: &CurrentRecords,
    state: &mut FileState,
    quarantine: &mut Vec<Quarantined>,
    report: &mut FileReport,
) -> Result<Option<PickedRows>, String> {
    let PreparedChunk {
        parsed,
        converted,
        row_errors,
    } = prepared;
    let chunk = &parsed.raw;
    let rows = chunk.len();
    let source_of = source_positions(entity);
    let locate = |name: &str| locate_column(entity, &source_of, name);
    let mut typed: HashMap<&str, ArrayRef> = HashMap::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    let mut converted = converted.into_iter();
    let mut source_index = 0;
    for column in &entity.columns {
        let array: ArrayRef = if let Some(within) = &column.sequence_within {
            let group_columns: Vec<_> = within.iter().map(|name| locate(name)).collect();
            let mut values = Vec::with_capacity(rows);
            let mut group = String::new();
            for row in 0..rows {
                group.clear();
                for at in &group_columns {
                    group.push_str(cleaned(chunk, *at, row).unwrap_or_default());
                    group.push('\u{1f}');
                }
                let counter = match state.sequences.get_mut(group.as_str()) {
                    Some(counter) => counter,
                    None => state.sequences.entry(group.clone()).or_insert(0),
                };
                *counter += 1;
                values.push(Some(*counter));
            }
            Arc::new(Int64Array::from(values))
        } else {
            let Some(array) = converted.next() else {
                return Err("internal: a column was not converted".to_owned());
            };
            if column.keeps_raw() {
                typed.insert(column.name.as_str(), array.clone());
                columns.push(array);
                columns.push(Arc::new(chunk.columns[source_index].clone()));
                source_index += 1;
                continue;
            }
            source_index += 1;
            array
        };
        typed.insert(column.name.as_str(), array.clone());
        columns.push(array);
    }

    let keys: Vec<&ArrayRef> = entity
        .key
        .iter()
        .filter_map(|k| typed.get(k.as_str()))
        .collect();
    let mut to_write: Vec<u32> = Vec::new();
    let mut updates: Vec<bool> = Vec::new();
    let mut buffer = Vec::new();
    for (row, errors) in row_errors.into_iter().enumerate() {
        let line = chunk.lines[row];
        let mut quarantine_row = |column: Option<String>, reason: String| {
            quarantine.push(Quarantined {
                file: file.to_owned(),
                line,
                column,
                reason,
                record: record_json(entity, chunk, row),
            });
        };
        if let Some((column, _)) = errors.first() {
            let reason = errors
                .iter()
                .map(|(c, r)| format!("{c}: {r}"))
                .collect::<Vec<_>>()
                .join("; ");
            quarantine_row(Some(column.clone()), reason);
            continue;
        }
        let Some(key) = key_hash(&keys, row, &mut buffer) else {
            quarantine_row(None, "missing key value".to_owned());
            continue;
        };
        if let Some(first) = state.seen.get(&key) {
            quarantine_row(
                Some(entity.key.join(", ")),
                format!(
                    "duplicate key: the same {} is at line {first}",
                    entity.key.join(", ")
                ),
            );
            continue;
        }
        state.seen.insert(key, line);
        match current.get(&key) {
            None => {
                report.loaded += 1;
                to_write.push(row as u32);
                updates.push(false);
            }
            Some((hash, _)) if *hash == chunk.row_hashes[row] => report.unchanged += 1,
            Some((_, file_index)) => {
                report.updated += 1;
                state.closing.insert(key, *file_index);
                to_write.push(row as u32);
                updates.push(true);
            }
        }
    }
    if to_write.is_empty() {
        return Ok(None);
    }
    let every_row = to_write.len() == rows;
    let indices = UInt32Array::from(to_write);
    let pick_rows = |array: &dyn Array| -> Result<ArrayRef, String> {
        if every_row {
            Ok(array.slice(0, rows))
        } else {
            take(array, &indices, None).map_err(|e| e.to_string())
        }
    };
    let columns: Vec<ArrayRef> = columns
        .iter()
        .map(|c| pick_rows(c.as_ref()))
        .collect::<Result<_, _>>()?;
    let pick = |i: usize| indices.value(i) as usize;
    let n = indices.len();
    Ok(Some(PickedRows {
        columns,
        extra: pick_rows(&chunk.extra)?,
        lines: (0..n).map(|i| chunk.lines[pick(i)] as i64).collect(),
        hashes: (0..n).map(|i| chunk.row_hashes[pick(i)]).collect(),
        updates,
    }))
}

/// The rows of a chunk to write: typed and raw columns, with what the metadata columns need.
struct PickedRows {
    columns: Vec<ArrayRef>,
    extra: ArrayRef,
    lines: Vec<i64>,
    hashes: Vec<u128>,
    /// Whether each row is a new version of a known record (else a new record).
    updates: Vec<bool>,
}

/// Adds the derived and metadata columns to rows to write (on the thread pool: normalizing
/// emails and phones costs as much as reading them).
fn assemble_batch(
    layout: &Layout,
    picked: PickedRows,
    file: &str,
    ingest_id: &str,
    valid_from: i64,
) -> Result<(RecordBatch, Vec<bool>), String> {
    let PickedRows {
        columns: mut out,
        extra,
        lines,
        hashes: row_hashes,
        updates,
    } = picked;
    let n = lines.len();
    let base = RecordBatch::try_new(layout.base.clone(), out.clone()).map_err(|e| e.to_string())?;
    let mut with_derived = base;
    for expr in &layout.derived {
        let value = expr
            .evaluate(&with_derived)
            .and_then(|v| v.into_array(with_derived.num_rows()))
            .map_err(|e| root_message(&e))?;
        out.push(value);
        let fields: Vec<Field> = layout.schema.fields()[..out.len()]
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        with_derived = RecordBatch::try_new(Arc::new(Schema::new(fields)), out.clone())
            .map_err(|e| e.to_string())?;
    }
    out.push(extra);
    out.push(Arc::new(StringArray::from(vec![file; n])));
    out.push(Arc::new(Int64Array::from(lines)));
    let mut hashes = StringBuilder::with_capacity(n, n * 32);
    let mut hex = [0u8; 32];
    for hash in row_hashes {
        hashes.append_value(hex_u128(hash, &mut hex));
    }
    out.push(Arc::new(hashes.finish()));
    out.push(Arc::new(StringArray::from(vec![ingest_id; n])));
    out.push(Arc::new(
        TimestampMicrosecondArray::from(vec![valid_from; n]).with_timezone("UTC"),
    ));
    out.push(Arc::new(
        TimestampMicrosecondArray::from(vec![None::<i64>; n]).with_timezone("UTC"),
    ));
    RecordBatch::try_new(layout.schema.clone(), out)
        .map(|batch| (batch, updates))
        .map_err(|e| e.to_string())
}

/// `value` as 32 lowercase hex digits, without allocating.
fn hex_u128(value: u128, out: &mut [u8; 32]) -> &str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = DIGITS[((value >> (124 - 4 * i)) & 0xf) as usize];
    }
    std::str::from_utf8(out).unwrap_or_default()
}

/// A quarantined row's values as received, as a JSON object by source column name.
fn record_json(entity: &EntityMapping, chunk: &RawChunk, row: usize) -> String {
    let mut object = serde_json::Map::new();
    for (i, source) in read::source_columns(entity).enumerate() {
        if let Some(value) = chunk.value(i, row) {
            object.insert(
                source.to_owned(),
                serde_json::Value::String(value.to_owned()),
            );
        }
    }
    if chunk.extra.is_valid(row)
        && let Ok(serde_json::Value::Object(extra)) =
            serde_json::from_str::<serde_json::Value>(chunk.extra.value(row))
    {
        object.extend(extra);
    }
    serde_json::Value::Object(object).to_string()
}

/// Creates `raw.<table>`, the current version of each record, unless it exists.
async fn ensure_current_view(session: &AmigoSession, entity: &EntityMapping) -> Result<(), String> {
    if session
        .context()
        .table_exist(entity.table.as_str())
        .unwrap_or(false)
    {
        return Ok(());
    }
    let sql = format!(
        "CREATE OR REPLACE VIEW {} AS SELECT * EXCLUDE (_valid_to) FROM {} WHERE _valid_to IS NULL",
        entity.table,
        entity.history_table()
    );
    session
        .execute(&sql)
        .await
        .map(|_| ())
        .map_err(|e| format!("creating view {}: {}", entity.table, root_message(&e)))
}

fn progress_bar(enabled: bool, file: &InputFile) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match file.size() {
        Some(size) => indicatif::ProgressBar::new(size).with_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        ),
        None => indicatif::ProgressBar::new_spinner(),
    };
    // Drawn only when stderr is a terminal.
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_message(file.name.clone());
    bar
}
