//! `amigo generate`: a deterministic generator of realistic customer data.
//!
//! It plays the part of a luxury brand's source systems (Cegid Y2 in the stores, a Shopify site,
//! web sign-up forms, a consent platform) and writes what each would export, in its own format,
//! so that ingest has real work to do; plus the ground truth (which true person each source
//! record belongs to, and how it was corrupted) that identity resolution is scored against.
//!
//! # Determinism
//! The same [`GenerateConfig`] gives byte-identical files. Persons are generated in fixed-size
//! chunks of source records, each chunk with its own random stream derived from `(seed, chunk)`
//! ([`rng`]); chunks are computed in parallel and written in chunk order. No wall clock is read
//! for the data: every date derives from `as_of`. The only global steps (unique e-mails and
//! phones, household numbers, homonym groups) run sequentially in chunk order.
//!
//! # Output
//! Under `out/`: `native/` (each source's export), `ground_truth.csv`, `manifest.json`; and when
//! `canonical_dir` is set, one Parquet file per canonical table (`raw.<table>.parquet`) whose
//! schema is the model's ([`crate::model`]): the columns are produced by iterating the model's
//! column definitions, so the TOML files decide names, order and types.
//!
//! # From native files to the canonical tables
//! The canonical tables hold what the sources hold, typed; ingest reproduces them with these
//! rules (documented here because the native formats are the real ones):
//! - Shopify `customers_export.csv`: `Customer ID`, `Phone`, `Default Address Phone` and numeric
//!   `Default Address Zip` carry Shopify's leading apostrophe (an Excel guard), which is not part
//!   of the value. `phone` is `Phone`, else `Default Address Phone`. The export has no dates:
//!   `created_at` is the record's earliest consent event (every Shopify record gets one when the
//!   account is created), `updated_at` the latest of its consent events and orders.
//!   Orders link to customers by `Email` (trimmed, lower-case; unique per Shopify customer), or
//!   `Phone` when the order has no e-mail. `Subtotal` is the sum of line totals (quantity ×
//!   price − `Lineitem discount`); `Discount Amount` is the order-level discount.
//! - Cegid: `;`-separated Windows-1252 with CRLF; dates `dd/mm/yyyy`; `DATE_CREATION`,
//!   `DATE_MODIFICATION` and `DATE_TICKET` in the store's local time (`FUSEAU_HORAIRE` of the
//!   `ETABLISSEMENT`); amounts with a decimal comma; `PAYS` is ISO 3166 alpha-3 in every file
//!   (stores' canonical `country` is alpha-2), `ZONE` is Europe / Asie / Amériques (canonical
//!   Europe / Asia / Americas), `FONCTION` maps to roles, `STATUT` VALIDE / ANNULE / RETOURNE /
//!   RETOUR_PARTIEL to completed / cancelled / returned / partially_returned, `ORIGINE` MAGASIN /
//!   EVENEMENT to store / event. A ticket's `order_id` is `ETABLISSEMENT-NUMERO_TICKET`.
//! - Web sign-ups: one JSON object per line, keys omitted when the form did not ask;
//!   `updated_at` is `double_opt_in_confirmed_at`, else `submitted_at`.
//! - Consent events, interactions and products are already in canonical shape.

mod activity;
mod canonical;
mod catalog;
mod geo;
mod names;
mod native;
mod people;
mod records;
pub(crate) mod rng;
mod text;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use activity::{ChunkData, Ids};
use people::ChunkPersons;
use records::{CORRUPTIONS, SOURCES, Source};

/// Source records per chunk: the unit of parallel work and of random streams. Changing it
/// changes the generated data.
const CHUNK_RECORDS: u64 = 4096;
/// Chunks generated in parallel before being written.
const WAVE_CHUNKS: usize = 16;

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenerateConfig {
    pub seed: u64,
    /// Number of customer source records (all sources together).
    pub customers: u64,
    /// The day the data is "as of": every date is before it.
    pub as_of: chrono::NaiveDate,
    pub out: PathBuf,
    /// Where to write the canonical Parquet files, if anywhere.
    pub canonical_dir: Option<PathBuf>,
}

impl GenerateConfig {
    pub const DEFAULT_CUSTOMERS: u64 = 1_200_000;

    pub fn default_as_of() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default()
    }

    /// The seed volumes (1.2M customer records, as of 2026-10-31) into `out`.
    pub fn new(seed: u64, out: impl Into<PathBuf>) -> Self {
        Self {
            seed,
            customers: Self::DEFAULT_CUSTOMERS,
            as_of: Self::default_as_of(),
            out: out.into(),
            canonical_dir: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("invalid generator configuration: {0}")]
    Config(String),
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("building {table}: {source}")]
    Arrow {
        table: String,
        source: arrow::error::ArrowError,
    },
    #[error("canonical model: {0}")]
    Model(String),
    #[error("{table}: the generator does not know column {column} (defined in schemas/canonical)")]
    UnknownColumn { table: String, column: String },
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> GenerateError + '_ {
    move |source| GenerateError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Homonyms: different people with the same first and last name.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HomonymStats {
    /// Groups of two or more people with the same name (in `ground_truth.homonym_group`).
    pub groups: u64,
    /// People in those groups.
    pub people: u64,
    /// People deliberately created with the name of someone else (40% in the same city), on
    /// top of the name collisions that happen naturally.
    pub planted: u64,
    /// The generator's planting rate, per person.
    pub planted_rate: f64,
}

/// Households: different people sharing an e-mail address or a phone number.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HouseholdStats {
    /// Households (in `ground_truth.household_id`).
    pub households: u64,
    /// People in households.
    pub people: u64,
    /// Members who joined a household (everyone but its first member).
    pub planted: u64,
    /// The generator's rate of household members, per person.
    pub planted_rate: f64,
    pub sharing_email: u64,
    pub sharing_phone: u64,
}

/// Contents of `manifest.json`: what was generated, with counts that ingest tests check.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub generator: String,
    pub seed: u64,
    pub customers: u64,
    pub as_of: String,
    /// True persons behind the records.
    pub persons: u64,
    /// (records − persons) / records.
    pub duplicate_rate: f64,
    pub records_per_source: BTreeMap<String, u64>,
    pub homonyms: HomonymStats,
    pub households: HouseholdStats,
    /// Records carrying each corruption label.
    pub corruptions: BTreeMap<String, u64>,
    /// Data rows (header excluded) per file, by path relative to `out`.
    pub files: BTreeMap<String, u64>,
    /// Rows per canonical table (whether or not Parquet files were written).
    pub tables: BTreeMap<String, u64>,
}

/// What [`generate`] returns: the manifest and how long it took.
#[derive(Debug, Clone)]
pub struct GenerateReport {
    pub manifest: Manifest,
    /// Wall time of the run (reported only: never written into the data, which stays
    /// byte-identical from one run to the next).
    pub elapsed: Duration,
    /// Parquet files written, one per canonical table.
    pub canonical_files: Vec<PathBuf>,
}

/// The brand's fixed world, shared by every chunk.
pub(crate) struct World {
    pub seed: u64,
    /// `as_of` as days since 1970-01-01.
    pub as_of: i64,
    /// Upper bound of every timestamp: `as_of` 00:00 UTC.
    pub end: i64,
    pub associates: Vec<catalog::Associate>,
    /// Associates of each store (indices into `associates`).
    pub staff: Vec<Vec<u32>>,
    pub catalog: catalog::Catalog,
    pub campaigns: catalog::Campaigns,
}

impl World {
    fn new(config: &GenerateConfig) -> Self {
        let as_of = text::days_of(config.as_of);
        let associates = catalog::associates(config.seed, as_of);
        let mut staff = vec![Vec::new(); catalog::STORES.len()];
        for (i, a) in associates.iter().enumerate() {
            staff[usize::from(a.store)].push(i as u32);
        }
        let products = (45_000u128 * u128::from(config.customers) / 1_200_000).max(600) as u64;
        Self {
            seed: config.seed,
            as_of,
            end: as_of * text::SECS_PER_DAY,
            associates,
            staff,
            catalog: catalog::catalog(config.seed, as_of, products),
            campaigns: catalog::campaigns(as_of),
        }
    }

    /// An associate of `store` employed on `day` (a store always has its manager).
    pub fn associate_on(&self, rng: &mut rng::Rng, store: u8, day: i64) -> Option<u32> {
        let staff = self.staff.get(usize::from(store))?;
        let employed = |i: &&u32| self.associates[**i as usize].employed_on(day);
        let n = staff.iter().filter(employed).count();
        if n == 0 {
            return staff.first().copied();
        }
        staff.iter().filter(employed).nth(rng.index(n)).copied()
    }
}

/// The native and canonical outputs, in the order their sinks are opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Native {
    ShopifyCustomers,
    ShopifyOrders,
    CegidClients,
    CegidTickets,
    WebSignups,
    Consents,
    Interactions,
    GroundTruth,
}

pub(crate) const CHUNK_FILES: [Native; 8] = [
    Native::ShopifyCustomers,
    Native::ShopifyOrders,
    Native::CegidClients,
    Native::CegidTickets,
    Native::WebSignups,
    Native::Consents,
    Native::Interactions,
    Native::GroundTruth,
];

impl Native {
    pub fn path(self) -> &'static str {
        match self {
            Native::ShopifyCustomers => "native/shopify/customers_export.csv",
            Native::ShopifyOrders => "native/shopify/orders_export.csv",
            Native::CegidClients => "native/cegid/CLIENTS.csv",
            Native::CegidTickets => "native/cegid/TICKETS.csv",
            Native::WebSignups => "native/web/signups.jsonl",
            Native::Consents => "native/consents/consent_events.csv",
            Native::Interactions => "native/marketing/interactions.csv",
            Native::GroundTruth => "ground_truth.csv",
        }
    }
}

/// Canonical tables written per chunk, in sink order.
pub(crate) const CHUNK_TABLES: [&str; 6] = [
    "customer_records",
    "orders",
    "order_lines",
    "consent_events",
    "interactions",
    "ground_truth",
];
/// Canonical tables written once.
const STATIC_TABLES: [&str; 3] = ["products", "stores", "associates"];

/// One chunk's rendered output.
pub(crate) struct ChunkOutput {
    /// Bytes and row counts per file of [`CHUNK_FILES`].
    pub files: Vec<(Vec<u8>, u64)>,
    /// Batches per table of [`CHUNK_TABLES`] (empty when no canonical output is asked for).
    pub tables: Vec<RecordBatch>,
    /// Records per corruption label.
    pub corruptions: [u64; CORRUPTIONS.len()],
    pub records_per_source: [u64; 3],
}

struct TextSink {
    path: PathBuf,
    writer: BufWriter<File>,
    rows: u64,
}

impl TextSink {
    fn create(path: PathBuf, header: &[u8]) -> Result<Self, GenerateError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir))?;
        }
        let file = File::create(&path).map_err(io_err(&path))?;
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        writer.write_all(header).map_err(io_err(&path))?;
        Ok(Self {
            path,
            writer,
            rows: 0,
        })
    }

    fn write(&mut self, bytes: &[u8], rows: u64) -> Result<(), GenerateError> {
        self.writer.write_all(bytes).map_err(io_err(&self.path))?;
        self.rows += rows;
        Ok(())
    }

    fn finish(mut self) -> Result<u64, GenerateError> {
        self.writer.flush().map_err(io_err(&self.path))?;
        Ok(self.rows)
    }
}

struct ParquetSink {
    path: PathBuf,
    table: String,
    writer: ArrowWriter<File>,
    rows: u64,
}

impl ParquetSink {
    fn create(dir: &Path, def: &crate::model::TableDef) -> Result<Self, GenerateError> {
        let path = dir.join(format!("{}.{}.parquet", def.schema, def.name));
        let file = File::create(&path).map_err(io_err(&path))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let writer =
            ArrowWriter::try_new(file, def.arrow_schema(), Some(props)).map_err(|source| {
                GenerateError::Parquet {
                    path: path.clone(),
                    source,
                }
            })?;
        Ok(Self {
            path,
            table: def.table_name().to_string(),
            writer,
            rows: 0,
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<(), GenerateError> {
        self.rows += batch.num_rows() as u64;
        self.writer
            .write(batch)
            .map_err(|source| GenerateError::Parquet {
                path: self.path.clone(),
                source,
            })
    }

    fn finish(self) -> Result<(PathBuf, String, u64), GenerateError> {
        let path = self.path;
        self.writer
            .close()
            .map_err(|source| GenerateError::Parquet {
                path: path.clone(),
                source,
            })?;
        Ok((path, self.table, self.rows))
    }
}

fn table_def(name: &str) -> Result<&'static crate::model::TableDef, GenerateError> {
    let model =
        crate::model::Model::canonical().map_err(|e| GenerateError::Model(e.to_string()))?;
    model
        .table(&crate::lake::TableName::new("raw", name))
        .ok_or_else(|| GenerateError::Model(format!("no table raw.{name} in schemas/canonical")))
}

/// Per-chunk sequence numbers (Shopify order numbers, Cegid ticket numbers per store, event and
/// interaction ids per source), continued across chunks in chunk order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Counters {
    pub shopify_orders: u64,
    pub tickets: [u64; 12],
    pub events: [u64; 3],
    pub interactions: [u64; 3],
}

impl Counters {
    /// Numbers the orders of a chunk and returns the event/interaction bases for it.
    fn number(&mut self, data: &mut ChunkData) -> Counters {
        let base = self.clone();
        for order in &mut data.orders {
            match (order.source, order.store) {
                (Source::Cegid, Some(s)) => {
                    let n = &mut self.tickets[usize::from(s).min(11)];
                    *n += 1;
                    order.number = *n;
                }
                _ => {
                    self.shopify_orders += 1;
                    order.number = self.shopify_orders;
                }
            }
        }
        for e in &data.events {
            self.events[data.records[e.record as usize].source as usize] += 1;
        }
        for i in &data.interactions {
            self.interactions[data.records[i.record as usize].source as usize] += 1;
        }
        base
    }
}

/// Generates the data set described by `config`. See the module documentation.
pub fn generate(config: &GenerateConfig) -> Result<GenerateReport, GenerateError> {
    let started = Instant::now();
    if config.customers == 0 {
        return Err(GenerateError::Config("customers must be at least 1".into()));
    }
    if config.customers > 1_000_000_000 {
        return Err(GenerateError::Config(format!(
            "customers = {} is more than this generator supports (1,000,000,000)",
            config.customers
        )));
    }
    std::fs::create_dir_all(&config.out).map_err(io_err(&config.out))?;
    if let Some(dir) = &config.canonical_dir {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let world = World::new(config);
    let as_of = world.as_of;

    // Phase A: true persons, chunk by chunk, then the global pass.
    let n_chunks = config.customers.div_ceil(CHUNK_RECORDS);
    let records_in = |c: u64| CHUNK_RECORDS.min(config.customers - c * CHUNK_RECORDS);
    let mut persons: Vec<ChunkPersons> = (0..n_chunks)
        .into_par_iter()
        .map(|c| people::chunk_persons(config.seed, c, records_in(c), as_of))
        .collect();
    let stats = people::global_pass(config.seed, &mut persons);

    // Sinks: native files with their headers, canonical Parquet files.
    let mut text_sinks = Vec::with_capacity(CHUNK_FILES.len());
    for f in CHUNK_FILES {
        text_sinks.push(TextSink::create(
            config.out.join(f.path()),
            &native::header(f),
        )?);
    }
    let canonical = match &config.canonical_dir {
        Some(dir) => {
            let defs = CHUNK_TABLES
                .iter()
                .map(|t| table_def(t))
                .collect::<Result<Vec<_>, _>>()?;
            Some((dir.clone(), defs))
        }
        None => None,
    };
    let mut parquet_sinks = match &canonical {
        Some((dir, defs)) => defs
            .iter()
            .map(|d| ParquetSink::create(dir, d))
            .collect::<Result<Vec<_>, _>>()?,
        None => Vec::new(),
    };
    let mut files: BTreeMap<String, u64> = BTreeMap::new();
    let mut tables: BTreeMap<String, u64> = BTreeMap::new();
    let mut canonical_files = Vec::new();
    for (path, rows) in native::write_static(&world, &config.out)? {
        files.insert(path, rows);
    }
    for name in STATIC_TABLES {
        let rows = match name {
            "products" => world.catalog.products.len(),
            "stores" => catalog::STORES.len(),
            _ => world.associates.len(),
        } as u64;
        tables.insert(format!("raw.{name}"), rows);
        if let Some((dir, _)) = &canonical {
            let def = table_def(name)?;
            let batch = canonical::static_batch(&world, def)?;
            let mut sink = ParquetSink::create(dir, def)?;
            sink.write(&batch)?;
            canonical_files.push(sink.finish()?.0);
        }
    }

    // Phase B: records and activity, wave by wave; a wave is written while the next is made.
    let ids = Ids::new(config.seed, config.customers);
    let defs = canonical.as_ref().map(|(_, d)| d.as_slice());
    let mut counters = Counters::default();
    let mut corruptions = [0u64; CORRUPTIONS.len()];
    let mut per_source = [0u64; 3];
    let mut pending: Option<Vec<ChunkOutput>> = None;
    let chunk_indices: Vec<u64> = (0..n_chunks).collect();
    for wave in chunk_indices.chunks(WAVE_CHUNKS) {
        let previous = pending.take();
        let (made, written) = rayon::join(
            || make_wave(&world, &ids, &persons, wave, &mut counters, defs),
            || match previous {
                Some(outputs) => write_wave(&mut text_sinks, &mut parquet_sinks, &outputs),
                None => Ok(()),
            },
        );
        written?;
        let outputs = made?;
        for out in &outputs {
            for (total, n) in corruptions.iter_mut().zip(out.corruptions) {
                *total += n;
            }
            for (total, n) in per_source.iter_mut().zip(out.records_per_source) {
                *total += n;
            }
        }
        pending = Some(outputs);
    }
    if let Some(outputs) = pending.take() {
        write_wave(&mut text_sinks, &mut parquet_sinks, &outputs)?;
    }
    drop(persons);
    for (f, sink) in CHUNK_FILES.iter().zip(text_sinks) {
        files.insert(f.path().to_string(), sink.finish()?);
    }
    let mut chunk_table_rows: Vec<u64> = Vec::new();
    for sink in parquet_sinks {
        let (path, table, rows) = sink.finish()?;
        canonical_files.push(path);
        tables.insert(table, rows);
        chunk_table_rows.push(rows);
    }
    if chunk_table_rows.is_empty() {
        // Same counts as the Parquet files would have, from the native files.
        let rows = |f: Native| files.get(f.path()).copied().unwrap_or(0);
        let records = rows(Native::GroundTruth);
        let lines = rows(Native::ShopifyOrders) + rows(Native::CegidTickets);
        tables.insert("raw.customer_records".into(), records);
        tables.insert("raw.ground_truth".into(), records);
        tables.insert("raw.order_lines".into(), lines);
        tables.insert(
            "raw.orders".into(),
            counters.shopify_orders + counters.tickets.iter().sum::<u64>(),
        );
        tables.insert("raw.consent_events".into(), rows(Native::Consents));
        tables.insert("raw.interactions".into(), rows(Native::Interactions));
    }
    canonical_files.sort();

    let manifest = Manifest {
        generator: "amigo generate".into(),
        seed: config.seed,
        customers: config.customers,
        as_of: config.as_of.format("%Y-%m-%d").to_string(),
        persons: stats.persons,
        duplicate_rate: (config.customers - stats.persons) as f64 / config.customers as f64,
        records_per_source: SOURCES
            .iter()
            .map(|s| (s.code().to_string(), per_source[*s as usize]))
            .collect(),
        homonyms: HomonymStats {
            groups: stats.homonym_groups,
            people: stats.homonym_people,
            planted: stats.planted_homonyms,
            planted_rate: people::HOMONYM_RATE,
        },
        households: HouseholdStats {
            households: stats.households,
            people: stats.household_people,
            planted: stats.planted_households,
            planted_rate: people::HOUSEHOLD_RATE,
            sharing_email: stats.sharing_email,
            sharing_phone: stats.sharing_phone,
        },
        corruptions: CORRUPTIONS
            .iter()
            .map(|c| (c.label().to_string(), corruptions[*c as usize]))
            .collect(),
        files,
        tables,
    };
    let path = config.out.join("manifest.json");
    let mut json = serde_json::to_vec_pretty(&manifest).map_err(|source| GenerateError::Json {
        path: path.clone(),
        source,
    })?;
    json.push(b'\n');
    std::fs::write(&path, json).map_err(io_err(&path))?;
    Ok(GenerateReport {
        manifest,
        elapsed: started.elapsed(),
        canonical_files,
    })
}

/// Generates, numbers and renders one wave of chunks.
fn make_wave(
    world: &World,
    ids: &Ids,
    persons: &[ChunkPersons],
    wave: &[u64],
    counters: &mut Counters,
    defs: Option<&[&crate::model::TableDef]>,
) -> Result<Vec<ChunkOutput>, GenerateError> {
    let mut data: Vec<ChunkData> = wave
        .par_iter()
        .map(|&c| {
            let chunk = &persons[c as usize];
            activity::generate_chunk(world, ids, chunk, c, c * CHUNK_RECORDS)
        })
        .collect();
    let bases: Vec<Counters> = data.iter_mut().map(|d| counters.number(d)).collect();
    data.par_iter()
        .zip(bases.par_iter())
        .map(|(d, base)| {
            let chunk = &persons[d.index as usize];
            let mut out = native::render_chunk(world, chunk, d, base);
            if let Some(defs) = defs {
                out.tables = canonical::chunk_batches(world, chunk, d, base, defs)?;
            }
            Ok(out)
        })
        .collect()
}

/// Appends a wave's outputs to every sink, in chunk order; sinks are written in parallel.
fn write_wave(
    text_sinks: &mut [TextSink],
    parquet_sinks: &mut [ParquetSink],
    outputs: &[ChunkOutput],
) -> Result<(), GenerateError> {
    let (a, b) = rayon::join(
        || {
            text_sinks
                .par_iter_mut()
                .enumerate()
                .try_for_each(|(i, sink)| {
                    for out in outputs {
                        let (bytes, rows) = &out.files[i];
                        sink.write(bytes, *rows)?;
                    }
                    Ok::<(), GenerateError>(())
                })
        },
        || {
            parquet_sinks
                .par_iter_mut()
                .enumerate()
                .try_for_each(|(i, sink)| {
                    for out in outputs {
                        if let Some(batch) = out.tables.get(i) {
                            sink.write(batch)?;
                        }
                    }
                    Ok::<(), GenerateError>(())
                })
        },
    );
    a?;
    b
}
