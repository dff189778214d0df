//! `amigo bench functions`: values per second of every amigo SQL function on realistic data.
//!
//! # Inputs
//! The generator's customer records (`raw.customer_records`, `raw.ground_truth`) give the
//! values: emails, phones and postcodes (with the record's country as a region code, for the
//! functions that take one), names, street addresses, countries, cities, and date texts
//! from the native exports (Cegid's `dd/mm/yyyy`, Shopify's and the web forms' timestamps;
//! parsers that take the format get Cegid's dates with Cegid's format as a constant).
//! Each kind of value is cycled to the requested count, so every function sees the same
//! number of values. The pairs are full names: half of them two records of the same person
//! (per the ground truth, so with the typos, nicknames and accent changes the generator
//! applies), half two random records. Both are written as Parquet
//! (`<data>/bench/values.parquet`, `pairs.parquet`) so that another engine can run on exactly
//! the same data.
//!
//! # What is timed
//! A function's `invoke_with_args` over the in-memory Arrow arrays, in batches of 8192 rows as
//! DataFusion calls it, on one thread, best of three runs. Neither Parquet decoding nor query
//! planning is timed. Which values a function gets is decided from its documentation section,
//! its name and the arguments its signature accepts ([`input_for`]), with constant arguments
//! where a query would write one (a format, a time zone, a distance bound of 2); a registered
//! function with no such mapping is reported as not benchmarked, so a new function is visible
//! rather than skipped.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use amigo_udfs::common::{
    DOC_SECTION_ADDRESS, DOC_SECTION_DATETIME, DOC_SECTION_EMAIL, DOC_SECTION_NAME,
    DOC_SECTION_PHONE, DOC_SECTION_PHONETIC, DOC_SECTION_SIMILARITY,
};
use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, StringBuilder, UInt32Array,
};
use arrow::compute::{cast, concat_batches, take};
use arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Schema};
use arrow::record_batch::RecordBatchReader;
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::logical_expr::type_coercion::functions::fields_with_udf;
use datafusion::logical_expr::{ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};

use super::{BenchData, BenchError, io_err, python_venv};

/// Rows per call: DataFusion's default batch size.
pub const BATCH_SIZE: usize = 8192;
/// Target of the normalizers (one value in, one value out), in values per second.
pub const NORMALIZER_TARGET: f64 = 2_000_000.0;

/// DuckDB's reference script and its pinned requirements, embedded so that the binary runs
/// the comparison from any directory.
const DUCKDB_SCRIPT: &str = include_str!("../../udfs/benches/duckdb/compare.py");
const DUCKDB_REQUIREMENTS: &str = include_str!("../../udfs/benches/duckdb/requirements.txt");

/// The functions compared with DuckDB: DuckDB's name, the amigo names (name or alias) that
/// mean the same, and whether the sums must agree exactly (integers) or to 1e-6 relative.
const DUCKDB_COMPARED: [(&str, &[&str], bool); 2] = [
    (
        "jaro_winkler_similarity",
        &["jaro_winkler", "jaro_winkler_similarity"],
        false,
    ),
    (
        "levenshtein",
        &["levenshtein", "levenshtein_distance"],
        true,
    ),
];

#[derive(Debug, Clone)]
pub struct FunctionsBenchConfig {
    /// Values (and pairs) per function.
    pub values: usize,
    pub seed: u64,
    /// Runs per function; the best is kept.
    pub runs: usize,
    pub batch_size: usize,
    /// String type the functions are called with (DataFusion reads Parquet strings as
    /// Utf8View).
    pub string_type: DataType,
    /// Only the functions with these names (all when empty).
    pub only: Vec<String>,
}

/// The values and pairs the functions run on.
pub struct Inputs {
    /// One column per kind of value, all of the same length.
    pub values: RecordBatch,
    /// Columns `a`, `b` (full names) and `same_person`.
    pub pairs: RecordBatch,
    /// Pairs whose two names are ASCII: the subset where byte- and character-based string
    /// distances agree.
    pub ascii_pairs: Vec<bool>,
    pub values_path: PathBuf,
    pub pairs_path: PathBuf,
}

/// Which values a function is called with.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    pub source: Source,
    pub columns: Vec<&'static str>,
    /// Constant arguments after the columns (a format, a time zone, a threshold), as a query
    /// would write them.
    pub constants: Vec<ScalarValue>,
    /// Values per second to reach, if the function has a target.
    pub target: Option<f64>,
}

impl Mapping {
    fn with_constants(mut self, constants: Vec<ScalarValue>) -> Self {
        self.constants = constants;
        self
    }

    /// The columns and constants, as the report shows them.
    fn describe(&self) -> Vec<String> {
        let columns = self.columns.iter().map(|c| (*c).to_owned());
        let constants = self.constants.iter().map(|c| match c {
            ScalarValue::Utf8(Some(s)) => format!("'{s}'"),
            other => other.to_string(),
        });
        columns.chain(constants).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Values,
    Pairs,
}

/// One function's timing.
#[derive(Debug, Clone, Serialize)]
pub struct Measurement {
    pub function: String,
    pub aliases: Vec<String>,
    pub source: Source,
    pub inputs: Vec<String>,
    pub values: usize,
    /// Share of the results that are not null.
    pub non_null_fraction: f64,
    /// Best run.
    pub seconds: f64,
    pub runs_seconds: Vec<f64>,
    pub values_per_second: f64,
    pub target_values_per_second: Option<f64>,
    pub meets_target: Option<bool>,
    /// Sum of the results over all pairs and over the ASCII pairs, for numeric functions of
    /// pairs (to check the semantics against another engine).
    pub sum: Option<f64>,
    pub ascii_sum: Option<f64>,
}

/// A registered function that was not timed, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotBenchmarked {
    pub function: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionsReport {
    pub values: usize,
    pub seed: u64,
    pub batch_size: usize,
    pub runs: usize,
    pub string_type: String,
    pub values_path: PathBuf,
    pub pairs_path: PathBuf,
    pub measurements: Vec<Measurement>,
    pub not_benchmarked: Vec<NotBenchmarked>,
    pub duckdb: Option<DuckDbComparison>,
}

// Names of the value columns.
const EMAIL: &str = "email";
const PHONE: &str = "phone";
const PHONE_REGION: &str = "phone_region";
const FULL_NAME: &str = "full_name";
const FIRST_NAME: &str = "first_name";
const LAST_NAME: &str = "last_name";
const ADDRESS: &str = "address_line1";
const ADDRESS_REGION: &str = "address_region";
const POSTCODE: &str = "postal_code";
const POSTCODE_REGION: &str = "postal_code_region";
const COUNTRY: &str = "country";
const CITY: &str = "city";
const DATE_TEXT: &str = "date_text";
const CEGID_DATE: &str = "cegid_date";
const CEGID_TIMESTAMP: &str = "cegid_timestamp";
const PAIR_A: &str = "a";
const PAIR_B: &str = "b";

/// Builds `n` values of each kind and `n` pairs from the generated `data`, and writes them as
/// Parquet under `data.inputs_dir()`.
pub fn build_inputs(data: &BenchData, n: usize, seed: u64) -> Result<Inputs, BenchError> {
    if n == 0 {
        return Err(BenchError::Data("--values must be at least 1".into()));
    }
    let records = read_parquet(&data.canonical("customer_records"))?;
    let truth = read_parquet(&data.canonical("ground_truth"))?;
    let column = |batch: &RecordBatch, name: &str| -> Result<ArrayRef, BenchError> {
        let array = batch
            .column_by_name(name)
            .ok_or_else(|| BenchError::Data(format!("generated data has no column {name}")))?;
        Ok(cast(array, &DataType::Utf8)?)
    };
    let first = column(&records, "first_name")?;
    let last = column(&records, "last_name")?;
    let country = column(&records, "country")?;
    let region = region_codes(&country)?;
    let full = full_names(first.as_string::<i32>(), last.as_string::<i32>());

    let mut fields = Vec::new();
    let mut arrays = Vec::new();
    let mut add = |names: &[&'static str], sources: &[&ArrayRef]| -> Result<(), BenchError> {
        // A kind of value the data lacks is left out: its functions show as not benchmarked.
        if let Some(cycled) = cycle(sources, n)? {
            for (name, array) in names.iter().zip(cycled) {
                fields.push(Field::new(*name, DataType::Utf8, true));
                arrays.push(array);
            }
        }
        Ok(())
    };
    add(&[EMAIL], &[&column(&records, "email")?])?;
    add(
        &[PHONE, PHONE_REGION],
        &[&column(&records, "phone")?, &region],
    )?;
    add(&[FULL_NAME], &[&full])?;
    add(&[FIRST_NAME], &[&first])?;
    add(&[LAST_NAME], &[&last])?;
    add(
        &[ADDRESS, ADDRESS_REGION],
        &[&column(&records, "address_line1")?, &region],
    )?;
    add(
        &[POSTCODE, POSTCODE_REGION],
        &[&column(&records, "postal_code")?, &region],
    )?;
    add(&[COUNTRY], &[&country])?;
    add(&[CITY], &[&column(&records, "city")?])?;
    let dates: ArrayRef = Arc::new(StringArray::from(date_texts(data, n)?));
    add(&[DATE_TEXT], &[&dates])?;
    // One source's dates, for the functions that take the format as an argument.
    let cegid = data.native("native/cegid/CLIENTS.csv");
    let birth_dates = csv_columns(&cegid, b';', &["DATE_NAISSANCE"], n)?;
    add(
        &[CEGID_DATE],
        &[&(Arc::new(StringArray::from(birth_dates)) as ArrayRef)],
    )?;
    let created = csv_columns(&cegid, b';', &["DATE_CREATION"], n)?;
    add(
        &[CEGID_TIMESTAMP],
        &[&(Arc::new(StringArray::from(created)) as ArrayRef)],
    )?;
    let values = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;

    let pairs = name_pairs(&records, &truth, &full, n, seed)?;
    let a = pairs.column(0).as_string::<i32>();
    let b = pairs.column(1).as_string::<i32>();
    let ascii_pairs = (0..pairs.num_rows())
        .map(|i| a.value(i).is_ascii() && b.value(i).is_ascii())
        .collect();

    let dir = data.inputs_dir();
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let values_path = dir.join("values.parquet");
    let pairs_path = dir.join("pairs.parquet");
    write_parquet(&values_path, &values)?;
    write_parquet(&pairs_path, &pairs)?;
    Ok(Inputs {
        values,
        pairs,
        ascii_pairs,
        values_path,
        pairs_path,
    })
}

/// The records' countries as region codes for the functions that take one (a phone's or a
/// postcode's country): through `normalize_country` when it is registered, as a query would
/// write `normalize_phone(phone, normalize_country(country))`, since sources hold countries as
/// names, ISO2 or ISO3; as they are otherwise.
fn region_codes(country: &ArrayRef) -> Result<ArrayRef, BenchError> {
    let functions = amigo_udfs::all_scalar_functions();
    let Some(normalize) = functions.iter().find(|f| f.name() == "normalize_country") else {
        return Ok(Arc::clone(country));
    };
    let arg_fields = fields(&[DataType::Utf8]);
    let Ok(return_field) = normalize.return_field_from_args(ReturnFieldArgs {
        arg_fields: &arg_fields,
        scalar_arguments: &[None],
    }) else {
        return Ok(Arc::clone(country));
    };
    let codes = normalize
        .invoke_with_args(ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(Arc::clone(country))],
            arg_fields,
            number_rows: country.len(),
            return_field,
            config_options: Arc::new(ConfigOptions::default()),
        })?
        .into_array(country.len())?;
    Ok(cast(&codes, &DataType::Utf8)?)
}

fn read_parquet(path: &Path) -> Result<RecordBatch, BenchError> {
    let parquet_err = |source| BenchError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err(path))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.with_batch_size(64 * 1024).build())
        .map_err(parquet_err)?;
    let schema = reader.schema();
    let batches = reader.collect::<Result<Vec<_>, _>>()?;
    Ok(concat_batches(&schema, &batches)?)
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<(), BenchError> {
    let parquet_err = |source| BenchError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(io_err(path))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).map_err(parquet_err)?;
    writer.write(batch).map_err(parquet_err)?;
    writer.close().map_err(parquet_err)?;
    Ok(())
}

/// "First Last" per record, null when the record has neither.
fn full_names(first: &StringArray, last: &StringArray) -> ArrayRef {
    let mut builder = StringBuilder::with_capacity(first.len(), first.len() * 16);
    for (first, last) in first.iter().zip(last.iter()) {
        let parts = [first, last].into_iter().flatten().map(str::trim);
        let name = parts
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if name.is_empty() {
            builder.append_null();
        } else {
            builder.append_value(name);
        }
    }
    Arc::new(builder.finish())
}

/// `n` rows of `columns`, taken from the rows where the first column is a non-empty string,
/// repeated in order as often as needed; `None` when there is no such row.
fn cycle(columns: &[&ArrayRef], n: usize) -> Result<Option<Vec<ArrayRef>>, BenchError> {
    let Some(first) = columns.first() else {
        return Ok(None);
    };
    let first = first.as_string::<i32>();
    let rows: Vec<u32> = (0..first.len())
        .filter(|&i| first.is_valid(i) && !first.value(i).trim().is_empty())
        .map(|i| i as u32)
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let indices = UInt32Array::from_iter_values((0..n).map(|i| rows[i % rows.len()]));
    let taken = columns
        .iter()
        .map(|c| take(c.as_ref(), &indices, None))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(taken))
}

/// `n` name pairs: even rows two records of the same person (each record paired with the
/// previous record of its person), odd rows two random records.
fn name_pairs(
    records: &RecordBatch,
    truth: &RecordBatch,
    full: &ArrayRef,
    n: usize,
    seed: u64,
) -> Result<RecordBatch, BenchError> {
    let strings = |batch: &RecordBatch, name: &str| -> Result<StringArray, BenchError> {
        let array = batch
            .column_by_name(name)
            .ok_or_else(|| BenchError::Data(format!("generated data has no column {name}")))?;
        Ok(cast(array, &DataType::Utf8)?.as_string::<i32>().clone())
    };
    let (system, id) = (
        strings(records, "source_system")?,
        strings(records, "source_id")?,
    );
    let (truth_system, truth_id, truth_person) = (
        strings(truth, "source_system")?,
        strings(truth, "source_id")?,
        strings(truth, "person_id")?,
    );
    let person_of: HashMap<(&str, &str), &str> = (0..truth.num_rows())
        .map(|i| {
            (
                (truth_system.value(i), truth_id.value(i)),
                truth_person.value(i),
            )
        })
        .collect();
    let names = full.as_string::<i32>();
    let named: Vec<u32> = (0..names.len())
        .filter(|&i| names.is_valid(i))
        .map(|i| i as u32)
        .collect();
    if named.is_empty() {
        return Err(BenchError::Data(
            "the generated records have no names".into(),
        ));
    }
    let mut persons: Vec<Option<&str>> = Vec::with_capacity(names.len());
    let mut same_person: Vec<(u32, u32)> = Vec::new();
    let mut last_record: HashMap<&str, u32> = HashMap::new();
    for i in 0..names.len() {
        let person = person_of.get(&(system.value(i), id.value(i))).copied();
        persons.push(person);
        if let (Some(person), true) = (person, names.is_valid(i))
            && let Some(previous) = last_record.insert(person, i as u32)
        {
            same_person.push((previous, i as u32));
        }
    }
    let mut rng = SplitMix64(seed);
    let mut left = Vec::with_capacity(n);
    let mut right = Vec::with_capacity(n);
    for row in 0..n {
        let (a, b) = if row % 2 == 0 && !same_person.is_empty() {
            same_person[(row / 2) % same_person.len()]
        } else {
            (rng.pick(&named), rng.pick(&named))
        };
        left.push(a);
        right.push(b);
    }
    let same: BooleanArray = left
        .iter()
        .zip(&right)
        .map(|(&a, &b)| {
            let (a, b) = (persons[a as usize], persons[b as usize]);
            Some(a.is_some() && a == b)
        })
        .collect();
    let a = take(full.as_ref(), &UInt32Array::from(left), None)?;
    let b = take(full.as_ref(), &UInt32Array::from(right), None)?;
    let schema = Schema::new(vec![
        Field::new(PAIR_A, DataType::Utf8, false),
        Field::new(PAIR_B, DataType::Utf8, false),
        Field::new("same_person", DataType::Boolean, false),
    ]);
    Ok(RecordBatch::try_new(
        Arc::new(schema),
        vec![a, b, Arc::new(same)],
    )?)
}

/// A small deterministic generator for the random pairs (splitmix64).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self, items: &[u32]) -> u32 {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Date and timestamp texts as the sources export them, interleaved: Cegid's birth and
/// creation dates (`dd/mm/yyyy`, `dd/mm/yyyy HH:MM:SS`), Shopify's order `Created at`
/// (`yyyy-mm-dd HH:MM:SS +hhmm`) and the web forms' `submitted_at` (RFC 3339). At most `n`.
fn date_texts(data: &BenchData, n: usize) -> Result<Vec<String>, BenchError> {
    let cegid = csv_columns(
        &data.native("native/cegid/CLIENTS.csv"),
        b';',
        &["DATE_NAISSANCE", "DATE_CREATION"],
        n,
    )?;
    let shopify = csv_columns(
        &data.native("native/shopify/orders_export.csv"),
        b',',
        &["Created at"],
        n,
    )?;
    let web = web_submitted_at(&data.native("native/web/signups.jsonl"), n)?;
    let mut sources = [cegid.into_iter(), shopify.into_iter(), web.into_iter()];
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let before = out.len();
        for source in &mut sources {
            if let Some(text) = source.next() {
                out.push(text);
            }
        }
        if out.len() == before {
            break;
        }
    }
    out.truncate(n);
    Ok(out)
}

/// Non-empty values of `columns` of a CSV export, at most `limit`. The values read are ASCII,
/// so the file's encoding (Windows-1252 for Cegid) does not matter.
fn csv_columns(
    path: &Path,
    delimiter: u8,
    columns: &[&str],
    limit: usize,
) -> Result<Vec<String>, BenchError> {
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let csv_err = |e: csv::Error| BenchError::Data(format!("{}: {e}", path.display()));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(path)
        .map_err(csv_err)?;
    let headers = reader.byte_headers().map_err(csv_err)?.clone();
    let positions: Vec<usize> = columns
        .iter()
        .filter_map(|c| headers.iter().position(|h| h == c.as_bytes()))
        .collect();
    let mut out = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(csv_err)?;
        for &p in &positions {
            let Some(value) = record.get(p).filter(|v| !v.is_empty()) else {
                continue;
            };
            let value = String::from_utf8_lossy(value);
            // An order's lines repeat its date: keep one.
            if out.last().is_none_or(|last: &String| *last != value) {
                out.push(value.into_owned());
            }
        }
        if out.len() >= limit {
            break;
        }
    }
    Ok(out)
}

fn web_submitted_at(path: &Path, limit: usize) -> Result<Vec<String>, BenchError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Vec::new());
    };
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|v| v.get("submitted_at")?.as_str().map(str::to_owned))
        .take(limit)
        .collect())
}

/// The values `udf` is benchmarked on, if any: chosen from its documentation section and
/// name, among argument lists its signature accepts and `inputs` has.
///
/// Returns the mapping and the argument types the function is called with: the columns in
/// `string_type` and the constants, coerced as DataFusion's planner would.
pub fn input_for(
    udf: &ScalarUDF,
    inputs: &Inputs,
    string_type: &DataType,
) -> Option<(Mapping, Vec<DataType>)> {
    candidate_inputs(udf).into_iter().find_map(|m| {
        let batch = match m.source {
            Source::Values => &inputs.values,
            Source::Pairs => &inputs.pairs,
        };
        if !m.columns.iter().all(|c| batch.column_by_name(c).is_some()) {
            return None;
        }
        let types: Vec<DataType> = std::iter::repeat_n(string_type.clone(), m.columns.len())
            .chain(m.constants.iter().map(ScalarValue::data_type))
            .collect();
        let coerced = coerce(udf, &types)?;
        Some((m, coerced))
    })
}

/// Input mappings to try for `udf`, best first.
fn candidate_inputs(udf: &ScalarUDF) -> Vec<Mapping> {
    let Some(doc) = udf.documentation() else {
        return Vec::new();
    };
    let name = udf.name();
    let has = |words: &[&str]| words.iter().any(|w| name.contains(w));
    let normalizer = |columns: Vec<&'static str>| Mapping {
        source: Source::Values,
        columns,
        constants: Vec::new(),
        target: Some(NORMALIZER_TARGET),
    };
    let values = |columns: Vec<&'static str>| Mapping {
        source: Source::Values,
        columns,
        constants: Vec::new(),
        target: None,
    };
    let pairs = || Mapping {
        source: Source::Pairs,
        columns: vec![PAIR_A, PAIR_B],
        constants: Vec::new(),
        target: None,
    };
    let text = |s: &str| ScalarValue::Utf8(Some(s.to_owned()));
    let section = &doc.doc_section;
    if *section == DOC_SECTION_EMAIL {
        vec![normalizer(vec![EMAIL])]
    } else if *section == DOC_SECTION_PHONE {
        // Phones are in local format: without the region most would not parse, which would
        // time the failure path only.
        vec![
            normalizer(vec![PHONE, PHONE_REGION]),
            normalizer(vec![PHONE]),
        ]
    } else if *section == DOC_SECTION_NAME {
        let one = if has(&["first", "given"]) {
            FIRST_NAME
        } else if has(&["last", "family", "surname"]) {
            LAST_NAME
        } else {
            FULL_NAME
        };
        if has(&["similar", "distance", "match", "compare", "equal"]) {
            vec![pairs(), normalizer(vec![one])]
        } else {
            vec![normalizer(vec![one]), values(vec![FIRST_NAME, LAST_NAME])]
        }
    } else if *section == DOC_SECTION_ADDRESS {
        if has(&["postcode", "postal", "zip"]) {
            vec![
                normalizer(vec![POSTCODE, POSTCODE_REGION]),
                normalizer(vec![POSTCODE]),
            ]
        } else if has(&["country"]) {
            vec![normalizer(vec![COUNTRY])]
        } else if has(&["city"]) {
            vec![normalizer(vec![CITY])]
        } else {
            vec![
                normalizer(vec![ADDRESS]),
                normalizer(vec![ADDRESS, ADDRESS_REGION]),
            ]
        }
    } else if *section == DOC_SECTION_DATETIME {
        // Parsers that take the format (and a time zone) get one source's values with the
        // source's format as a constant, as a query over that source would.
        vec![
            normalizer(vec![CEGID_TIMESTAMP])
                .with_constants(vec![text("%d/%m/%Y %H:%M:%S"), text("Europe/Paris")]),
            normalizer(vec![CEGID_DATE]).with_constants(vec![text("%d/%m/%Y")]),
            normalizer(vec![DATE_TEXT]),
        ]
    } else if *section == DOC_SECTION_SIMILARITY {
        // A bounded distance takes its bound: 2 edits, a usual threshold for names.
        vec![
            pairs(),
            pairs().with_constants(vec![ScalarValue::Int64(Some(2))]),
        ]
    } else if *section == DOC_SECTION_PHONETIC {
        vec![values(vec![LAST_NAME]), pairs()]
    } else {
        Vec::new()
    }
}

fn fields(types: &[DataType]) -> Vec<FieldRef> {
    types
        .iter()
        .enumerate()
        .map(|(i, t)| Arc::new(Field::new(format!("arg{i}"), t.clone(), true)))
        .collect()
}

/// The types DataFusion's planner would call `udf` with for arguments of `types`, if its
/// signature accepts them.
fn coerce(udf: &ScalarUDF, types: &[DataType]) -> Option<Vec<DataType>> {
    let coerced = fields_with_udf(&fields(types), udf).ok()?;
    udf.return_field_from_args(ReturnFieldArgs {
        arg_fields: &coerced,
        scalar_arguments: &vec![None; coerced.len()],
    })
    .ok()?;
    Some(coerced.iter().map(|f| f.data_type().clone()).collect())
}

/// Times every function of `functions` (or of `config.only`) on `inputs`.
pub fn run_functions(
    functions: &[Arc<ScalarUDF>],
    inputs: &Inputs,
    config: &FunctionsBenchConfig,
) -> Result<(Vec<Measurement>, Vec<NotBenchmarked>), BenchError> {
    for name in &config.only {
        let known = functions
            .iter()
            .any(|f| f.name() == name || f.aliases().iter().any(|a| a == name));
        if !known {
            return Err(BenchError::Data(format!(
                "--only {name}: no amigo function has that name"
            )));
        }
    }
    let mut measurements = Vec::new();
    let mut skipped = Vec::new();
    let selected = functions.iter().filter(|f| {
        config.only.is_empty()
            || config
                .only
                .iter()
                .any(|o| o == f.name() || f.aliases().iter().any(|a| a == o))
    });
    for udf in selected {
        let Some((mapping, arg_types)) = input_for(udf, inputs, &config.string_type) else {
            skipped.push(NotBenchmarked {
                function: udf.name().to_owned(),
                reason: "no input mapping for its section, name and signature".into(),
            });
            continue;
        };
        eprintln!("timing {}", udf.name());
        measurements.push(measure(udf, &mapping, &arg_types, inputs, config)?);
    }
    Ok((measurements, skipped))
}

fn measure(
    udf: &ScalarUDF,
    mapping: &Mapping,
    arg_types: &[DataType],
    inputs: &Inputs,
    config: &FunctionsBenchConfig,
) -> Result<Measurement, BenchError> {
    let batch = match mapping.source {
        Source::Values => &inputs.values,
        Source::Pairs => &inputs.pairs,
    };
    let arrays = mapping
        .columns
        .iter()
        .zip(arg_types)
        .map(|(c, data_type)| {
            let array = batch
                .column_by_name(c)
                .ok_or_else(|| BenchError::Data(format!("no input column {c}")))?;
            Ok(cast(array, data_type)?)
        })
        .collect::<Result<Vec<_>, BenchError>>()?;
    let constants = mapping
        .constants
        .iter()
        .zip(&arg_types[arrays.len()..])
        .map(|(c, data_type)| c.cast_to(data_type))
        .collect::<Result<Vec<_>, _>>()?;
    let rows = batch.num_rows();
    let arg_fields = fields(arg_types);
    let scalar_arguments: Vec<Option<&ScalarValue>> = std::iter::repeat_n(None, arrays.len())
        .chain(constants.iter().map(Some))
        .collect();
    let return_field = udf.return_field_from_args(ReturnFieldArgs {
        arg_fields: &arg_fields,
        scalar_arguments: &scalar_arguments,
    })?;
    let config_options = Arc::new(ConfigOptions::default());
    let batch_size = config.batch_size.max(1);
    let batches: Vec<(Vec<ColumnarValue>, usize)> = (0..rows)
        .step_by(batch_size)
        .map(|offset| {
            let len = batch_size.min(rows - offset);
            let args = arrays
                .iter()
                .map(|a| ColumnarValue::Array(a.slice(offset, len)))
                .chain(constants.iter().cloned().map(ColumnarValue::Scalar))
                .collect();
            (args, len)
        })
        .collect();
    let call = |args: &[ColumnarValue], rows: usize| {
        udf.invoke_with_args(ScalarFunctionArgs {
            args: args.to_vec(),
            arg_fields: arg_fields.clone(),
            number_rows: rows,
            return_field: Arc::clone(&return_field),
            config_options: Arc::clone(&config_options),
        })
    };

    let mut runs_seconds = Vec::with_capacity(config.runs);
    for _ in 0..config.runs.max(1) {
        let started = Instant::now();
        for (args, rows) in &batches {
            std::hint::black_box(call(args, *rows)?);
        }
        runs_seconds.push(started.elapsed().as_secs_f64());
    }
    let seconds = runs_seconds.iter().copied().fold(f64::INFINITY, f64::min);

    // Outside the timed runs: how many results are not null (a function that returns NULL
    // for most inputs is timed on its failure path), and for numeric functions of pairs the
    // sums, to check the semantics against another engine.
    let summed = mapping.source == Source::Pairs && return_field.data_type().is_numeric();
    let (mut non_null, mut total, mut ascii_total, mut row) = (0, 0.0, 0.0, 0);
    for (args, rows) in &batches {
        let out = call(args, *rows)?.into_array(*rows)?;
        non_null += out.len() - out.null_count();
        if summed {
            let out = cast(&out, &DataType::Float64)?;
            for value in out.as_primitive::<Float64Type>().iter() {
                let value = value.unwrap_or(0.0);
                total += value;
                if inputs.ascii_pairs[row] {
                    ascii_total += value;
                }
                row += 1;
            }
        }
    }
    let (sum, ascii_sum) = if summed {
        (Some(total), Some(ascii_total))
    } else {
        (None, None)
    };

    let values_per_second = rows as f64 / seconds;
    Ok(Measurement {
        function: udf.name().to_owned(),
        aliases: udf.aliases().to_vec(),
        source: mapping.source,
        inputs: mapping.describe(),
        values: rows,
        non_null_fraction: non_null as f64 / rows.max(1) as f64,
        seconds,
        runs_seconds,
        values_per_second,
        target_values_per_second: mapping.target,
        meets_target: mapping.target.map(|t| values_per_second >= t),
        sum,
        ascii_sum,
    })
}

/// What `compare.py` prints.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DuckDbRun {
    pub duckdb_version: String,
    pub pairs: u64,
    pub ascii_pairs: u64,
    pub runs: u32,
    pub functions: BTreeMap<String, DuckDbFunction>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DuckDbFunction {
    pub sum: f64,
    pub ascii_sum: f64,
    /// By thread count ("1", "2").
    pub threads: BTreeMap<String, DuckDbTiming>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DuckDbTiming {
    pub best_seconds: f64,
    pub seconds: Vec<f64>,
}

/// Runs DuckDB (from PyPI, in `$HOME/.cache/amigo/bench-venv`) on the pairs file.
pub fn run_duckdb(
    pairs_path: &Path,
    script_dir: &Path,
    runs: usize,
) -> Result<DuckDbRun, BenchError> {
    let python = python_venv("bench-venv", DUCKDB_REQUIREMENTS)?;
    let script = script_dir.join("compare.py");
    std::fs::write(&script, DUCKDB_SCRIPT).map_err(io_err(&script))?;
    eprintln!("running DuckDB on {}", pairs_path.display());
    let output = Command::new(&python)
        .arg(&script)
        .arg("--pairs")
        .arg(pairs_path)
        .args(["--runs", &runs.max(1).to_string(), "--threads", "1,2"])
        .output()
        .map_err(|e| BenchError::Python(format!("{}: {e}", python.display())))?;
    if !output.status.success() {
        return Err(BenchError::Python(format!(
            "compare.py failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    serde_json::from_slice(&output.stdout).map_err(|e| {
        BenchError::Python(format!(
            "compare.py printed something else than its JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        ))
    })
}

/// amigo against DuckDB, per compared function.
#[derive(Debug, Clone, Serialize)]
pub struct DuckDbComparison {
    pub run: DuckDbRun,
    pub functions: Vec<FunctionComparison>,
    /// DuckDB functions with no amigo counterpart registered (nothing compared).
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunctionComparison {
    pub duckdb_function: String,
    pub amigo_function: String,
    pub amigo_seconds: f64,
    pub duckdb_seconds_1_thread: Option<f64>,
    pub duckdb_seconds_2_threads: Option<f64>,
    /// DuckDB single-threaded time / amigo time: above 1, amigo's kernel is faster.
    pub speed_ratio: Option<f64>,
    pub amigo_sum: Option<f64>,
    pub duckdb_sum: f64,
    pub sums_agree: bool,
    pub amigo_ascii_sum: Option<f64>,
    pub duckdb_ascii_sum: f64,
    pub ascii_sums_agree: bool,
}

/// Pairs DuckDB's timings with amigo's measurements of the same functions.
pub fn compare_with_duckdb(measurements: &[Measurement], run: DuckDbRun) -> DuckDbComparison {
    let mut functions = Vec::new();
    let mut missing = Vec::new();
    for (duckdb_name, amigo_names, exact) in DUCKDB_COMPARED {
        let amigo = measurements.iter().find(|m| {
            m.source == Source::Pairs
                && amigo_names
                    .iter()
                    .any(|n| m.function == *n || m.aliases.iter().any(|a| a == n))
        });
        let (Some(amigo), Some(duckdb)) = (amigo, run.functions.get(duckdb_name)) else {
            missing.push(duckdb_name.to_owned());
            continue;
        };
        let agree = |a: Option<f64>, b: f64| {
            a.is_some_and(|a| {
                if exact {
                    a == b
                } else {
                    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
                }
            })
        };
        let seconds = |threads: &str| duckdb.threads.get(threads).map(|t| t.best_seconds);
        functions.push(FunctionComparison {
            duckdb_function: duckdb_name.to_owned(),
            amigo_function: amigo.function.clone(),
            amigo_seconds: amigo.seconds,
            duckdb_seconds_1_thread: seconds("1"),
            duckdb_seconds_2_threads: seconds("2"),
            speed_ratio: seconds("1").map(|d| d / amigo.seconds),
            amigo_sum: amigo.sum,
            duckdb_sum: duckdb.sum,
            sums_agree: agree(amigo.sum, duckdb.sum),
            amigo_ascii_sum: amigo.ascii_sum,
            duckdb_ascii_sum: duckdb.ascii_sum,
            ascii_sums_agree: agree(amigo.ascii_sum, duckdb.ascii_sum),
        });
    }
    DuckDbComparison {
        run,
        functions,
        missing,
    }
}

/// The report as text: one line per function, the functions not benchmarked, and the DuckDB
/// comparison when there is one.
pub fn render_report(report: &FunctionsReport) -> String {
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&s);
        out.push('\n');
    };
    line(format!(
        "{:<32} {:>10} {:>8} {:>13} {:>8} {:<6} {:>9}  {}",
        "function", "values", "seconds", "values/s", "target", "result", "non-null", "inputs"
    ));
    for m in &report.measurements {
        let inputs = match m.source {
            Source::Values => m.inputs.join(", "),
            Source::Pairs => format!("pairs ({})", m.inputs.join(", ")),
        };
        line(format!(
            "{:<32} {:>10} {:>8.3} {:>13} {:>8} {:<6} {:>8.1}%  {}",
            m.function,
            m.values,
            m.seconds,
            thousands(m.values_per_second),
            m.target_values_per_second
                .map(|t| format!("{:.1}M/s", t / 1e6))
                .unwrap_or_else(|| "-".into()),
            match m.meets_target {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "-",
            },
            m.non_null_fraction * 100.0,
            inputs,
        ));
    }
    for n in &report.not_benchmarked {
        line(format!("{:<32} not benchmarked: {}", n.function, n.reason));
    }
    if let Some(duckdb) = &report.duckdb {
        line(String::new());
        line(format!(
            "DuckDB {} on the same {} pairs ({} of them ASCII), best of {}; amigo's \
             single-threaded kernel is compared with DuckDB on 1 thread:",
            duckdb.run.duckdb_version, duckdb.run.pairs, duckdb.run.ascii_pairs, duckdb.run.runs
        ));
        for f in &duckdb.functions {
            let secs = |s: Option<f64>| s.map_or("-".into(), |s| format!("{s:.3}s"));
            line(format!(
                "  {} vs DuckDB {}: amigo {:.3}s, DuckDB {} (1 thread), {} (2 threads); \
                 DuckDB 1-thread / amigo = {}",
                f.amigo_function,
                f.duckdb_function,
                f.amigo_seconds,
                secs(f.duckdb_seconds_1_thread),
                secs(f.duckdb_seconds_2_threads),
                f.speed_ratio.map_or("-".into(), |r| format!("{r:.2}")),
            ));
            line(format!(
                "    sums over all pairs: amigo {}, DuckDB {} ({}); over ASCII pairs: amigo {}, \
                 DuckDB {} ({})",
                f.amigo_sum.map_or("-".into(), |s| format!("{s}")),
                f.duckdb_sum,
                if f.sums_agree { "agree" } else { "DIFFER" },
                f.amigo_ascii_sum.map_or("-".into(), |s| format!("{s}")),
                f.duckdb_ascii_sum,
                if f.ascii_sums_agree {
                    "agree"
                } else {
                    "DIFFER"
                },
            ));
            if f.ascii_sums_agree && !f.sums_agree {
                line(
                    "    (DuckDB compares UTF-8 bytes, not characters: they differ only on \
                     non-ASCII names)"
                        .into(),
                );
            }
        }
        for name in &duckdb.missing {
            let timings = duckdb.run.functions.get(name).map(|f| {
                f.threads
                    .iter()
                    .map(|(t, s)| format!("{:.3}s on {t} thread(s)", s.best_seconds))
                    .collect::<Vec<_>>()
                    .join(", ")
            });
            line(format!(
                "  DuckDB {name}: {}; no amigo counterpart registered, nothing compared",
                timings.unwrap_or_else(|| "not run".into())
            ));
        }
    }
    out
}

/// 1234567.8 as "1,234,568".
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0.0), "0");
        assert_eq!(thousands(999.4), "999");
        assert_eq!(thousands(1_234_567.8), "1,234,568");
    }

    #[test]
    fn cycle_repeats_the_non_empty_rows() -> Result<(), BenchError> {
        let first: ArrayRef = Arc::new(StringArray::from(vec![
            Some("a"),
            None,
            Some(" "),
            Some("b"),
        ]));
        let second: ArrayRef = Arc::new(StringArray::from(vec!["1", "2", "3", "4"]));
        let Some(out) = cycle(&[&first, &second], 5)? else {
            panic!("no rows");
        };
        let strings = |a: &ArrayRef| {
            a.as_string::<i32>()
                .iter()
                .map(|s| s.unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(strings(&out[0]), ["a", "b", "a", "b", "a"]);
        assert_eq!(strings(&out[1]), ["1", "4", "1", "4", "1"]);
        let empty: ArrayRef = Arc::new(StringArray::from(vec![None::<&str>]));
        assert!(cycle(&[&empty], 3)?.is_none());
        Ok(())
    }

    fn pairs_measurement(function: &str, seconds: f64, sum: f64, ascii_sum: f64) -> Measurement {
        Measurement {
            function: function.to_owned(),
            aliases: Vec::new(),
            source: Source::Pairs,
            inputs: vec![PAIR_A.into(), PAIR_B.into()],
            values: 10,
            non_null_fraction: 1.0,
            seconds,
            runs_seconds: vec![seconds],
            values_per_second: 10.0 / seconds,
            target_values_per_second: None,
            meets_target: None,
            sum: Some(sum),
            ascii_sum: Some(ascii_sum),
        }
    }

    fn duckdb_function(seconds: f64, sum: f64, ascii_sum: f64) -> DuckDbFunction {
        let timing = |s: f64| DuckDbTiming {
            best_seconds: s,
            seconds: vec![s],
        };
        DuckDbFunction {
            sum,
            ascii_sum,
            threads: [
                ("1".into(), timing(seconds)),
                ("2".into(), timing(seconds / 2.0)),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn duckdb_comparison_pairs_functions_and_checks_sums() {
        let run = DuckDbRun {
            duckdb_version: "test".into(),
            pairs: 10,
            ascii_pairs: 8,
            runs: 1,
            functions: [
                (
                    "jaro_winkler_similarity".into(),
                    duckdb_function(2.0, 7.000_000_1, 5.0),
                ),
                ("levenshtein".into(), duckdb_function(3.0, 41.0, 30.0)),
            ]
            .into_iter()
            .collect(),
        };
        // jaro_winkler agrees to 1e-6 relative; levenshtein differs on non-ASCII pairs only.
        let measurements = [
            pairs_measurement("jaro_winkler", 1.0, 7.0, 5.0),
            pairs_measurement("levenshtein", 6.0, 40.0, 30.0),
        ];
        let comparison = compare_with_duckdb(&measurements, run.clone());
        assert!(comparison.missing.is_empty());
        let [jw, lev] = &comparison.functions[..] else {
            panic!("{comparison:?}");
        };
        assert_eq!(jw.amigo_function, "jaro_winkler");
        assert_eq!(jw.speed_ratio, Some(2.0));
        assert_eq!(jw.duckdb_seconds_2_threads, Some(1.0));
        assert!(jw.sums_agree && jw.ascii_sums_agree);
        assert_eq!(lev.speed_ratio, Some(0.5));
        assert!(!lev.sums_agree && lev.ascii_sums_agree);
        let text = render_report(&FunctionsReport {
            values: 10,
            seed: 1,
            batch_size: BATCH_SIZE,
            runs: 1,
            string_type: "Utf8".into(),
            values_path: PathBuf::new(),
            pairs_path: PathBuf::new(),
            measurements: measurements.to_vec(),
            not_benchmarked: Vec::new(),
            duckdb: Some(comparison),
        });
        assert!(text.contains("DuckDB 1-thread / amigo = 2.00"), "{text}");
        assert!(text.contains("DIFFER"), "{text}");
        assert!(text.contains("compares UTF-8 bytes"), "{text}");
        // Without amigo counterparts nothing is compared, and the report says so.
        let none = compare_with_duckdb(&[], run);
        assert!(none.functions.is_empty());
        assert_eq!(none.missing, ["jaro_winkler_similarity", "levenshtein"]);
    }

    #[test]
    fn email_functions_get_emails_and_the_normalizer_target() {
        for udf in amigo_udfs::email::functions() {
            let mappings = candidate_inputs(&udf);
            assert_eq!(mappings[0].columns, vec![EMAIL], "{}", udf.name());
            assert_eq!(mappings[0].target, Some(NORMALIZER_TARGET));
        }
    }
}
