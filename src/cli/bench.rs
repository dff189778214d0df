//! `amigo bench`: benchmarks on generated data, one subcommand per benchmark.

use std::path::PathBuf;

use arrow::datatypes::DataType;
use clap::{Args, Subcommand, ValueEnum};

use super::CliResult;
use crate::bench::functions::{
    BATCH_SIZE, FunctionsBenchConfig, FunctionsReport, build_inputs, compare_with_duckdb,
    render_report, run_duckdb, run_functions,
};
use crate::bench::ingest::{render_report as render_ingest_report, run_ingest_bench};
use crate::bench::ltv::{
    LtvReport, describe, render_report as render_ltv_report, run_amigo, run_lifetimes, simulate,
};
use crate::bench::resolve::{
    ResolveBenchConfig, render_report as render_resolve_report, run_resolve_bench,
};
use crate::bench::serve::{
    DEFAULT_KEYS_SQL, DEFAULT_LOOKUP_SQL, Part, ServeBenchConfig,
    render_report as render_serve_report, run_serve_bench,
};
use crate::bench::{BenchError, ensure_generated};

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub command: BenchCommand,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Values per second of every amigo SQL function on realistic generated values
    Functions(FunctionsArgs),
    /// Rows per second of `amigo ingest` on generated Cegid, Shopify and web exports
    Ingest(IngestArgs),
    /// The Flight SQL server with real clients: export throughput (ADBC, Flight) against a local
    /// Parquet read, prepared lookup latency, and many concurrent clients
    Serve(ServeArgs),
    /// `amigo resolve` at seed scale: time, peak memory and accuracy against the generator's
    /// ground truth, optionally side by side with Splink on the same records
    Resolve(ResolveArgs),
    /// BG/NBD + Gamma-Gamma fit (bgnbd_fit, gamma_gamma_fit) on customers simulated from the
    /// models, optionally against the Python lifetimes library on the same customers
    Ltv(LtvArgs),
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// Customer records to generate (the seed volume: 1.2M)
    #[arg(long, default_value_t = 1_200_000)]
    pub customers: u64,
    /// Generator seed
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory for the generated data, reused when it already holds the same seed and size
    /// (default: $HOME/.cache/amigo/bench/seed-<customers>)
    #[arg(long, value_name = "DIR", env = "AMIGO_BENCH_DATA")]
    pub data: Option<PathBuf>,
    /// Also run Splink (DuckDB backend, installed from PyPI into
    /// $HOME/.cache/amigo/splink-venv on first use) on the same records
    #[arg(long)]
    pub splink: bool,
    /// Then time `amigo resolve --incremental` on a batch of this many records: erased at
    /// their source, then loaded again (0: no incremental runs)
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub incremental_batch: u64,
    /// Save the results as JSON here
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LtvArgs {
    /// Customers to simulate
    #[arg(long, default_value_t = 1_000_000)]
    pub customers: usize,
    /// Simulation seed
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Runs of each fit; the best is reported
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Also fit with lifetimes (installs benches/ltv/requirements.txt from PyPI into
    /// $HOME/.cache/amigo/ltv-bench-venv on first use) and report the ratio
    #[arg(long)]
    pub lifetimes: bool,
    /// Save the results as JSON
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Customer records to generate (the seed volume: 1.2M, with 3.5M orders)
    #[arg(long, default_value_t = 1_200_000)]
    pub customers: u64,
    /// Generator seed
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory for the generated data and the benchmark lake, reused when it already holds
    /// the same seed and sizes (default: $HOME/.cache/amigo/bench/seed-<customers>)
    #[arg(long, value_name = "DIR", env = "AMIGO_BENCH_DATA")]
    pub data: Option<PathBuf>,
    /// Rows of the export table (bench.customer_orders: orders joined to their customer)
    #[arg(long, default_value_t = 10_000_000)]
    pub export_rows: u64,
    /// Runs of each export; the best is reported
    #[arg(long, default_value_t = 3)]
    pub export_runs: usize,
    /// The prepared statement of the lookup benchmarks, with one `?` parameter
    #[arg(long, value_name = "SQL", default_value = DEFAULT_LOOKUP_SQL)]
    pub lookup_sql: String,
    /// A query whose first column gives the lookup's parameter values (cycled through)
    #[arg(long, value_name = "SQL", default_value = DEFAULT_KEYS_SQL)]
    pub keys_sql: String,
    /// Lookups timed one after the other
    #[arg(long, default_value_t = 1000)]
    pub lookups: usize,
    /// Clients running the lookup at once, each on its own connection
    #[arg(long, default_value_t = 64)]
    pub clients: usize,
    /// Lookups per concurrent client
    #[arg(long, default_value_t = 100)]
    pub queries_per_client: usize,
    /// Run the server without its audit log (on by default, as `amigo serve`)
    #[arg(long)]
    pub no_audit: bool,
    /// Only these parts (comma-separated)
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PARTS")]
    pub only: Vec<ServePart>,
    /// Save the results as JSON
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServePart {
    Export,
    Lookup,
    Concurrency,
}

impl From<ServePart> for Part {
    fn from(part: ServePart) -> Self {
        match part {
            ServePart::Export => Part::Export,
            ServePart::Lookup => Part::Lookup,
            ServePart::Concurrency => Part::Concurrency,
        }
    }
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Customer records to generate (the seed volume: 1.2M, with 3.5M orders)
    #[arg(long, default_value_t = 1_200_000)]
    pub customers: u64,
    /// Generator seed
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory for the generated data, reused when it already holds the same seed and size
    /// (default: a temporary directory, removed at the end)
    #[arg(long, value_name = "DIR", env = "AMIGO_BENCH_DATA")]
    pub data: Option<PathBuf>,
    /// Save the results as JSON
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FunctionsArgs {
    /// Values per function (and name pairs for the similarity functions)
    #[arg(long, default_value_t = 1_000_000)]
    pub values: usize,
    /// Generator seed
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Directory for the generated data, reused when it already holds the same seed and size
    /// (default: a temporary directory, removed at the end)
    #[arg(long, value_name = "DIR", env = "AMIGO_BENCH_DATA")]
    pub data: Option<PathBuf>,
    /// Runs per function; the best is reported
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Rows per function call
    #[arg(long, default_value_t = BATCH_SIZE)]
    pub batch_size: usize,
    /// String type the functions get (DataFusion reads Parquet strings as utf8-view)
    #[arg(long, value_enum, default_value = "utf8-view")]
    pub string_type: StringType,
    /// Only these functions (comma-separated names)
    #[arg(long, value_delimiter = ',', value_name = "NAMES")]
    pub only: Vec<String>,
    /// Also time DuckDB's jaro_winkler_similarity and levenshtein on the same pairs (installs
    /// DuckDB from PyPI into $HOME/.cache/amigo/bench-venv on first use)
    #[arg(long)]
    pub duckdb: bool,
    /// Save the results as JSON
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StringType {
    Utf8,
    LargeUtf8,
    Utf8View,
}

impl StringType {
    fn data_type(self) -> DataType {
        match self {
            StringType::Utf8 => DataType::Utf8,
            StringType::LargeUtf8 => DataType::LargeUtf8,
            StringType::Utf8View => DataType::Utf8View,
        }
    }
}

pub async fn run(args: BenchArgs) -> CliResult<()> {
    match args.command {
        BenchCommand::Functions(args) => functions(args).await,
        BenchCommand::Ingest(args) => ingest(args).await.map_err(|e| e.to_string()),
        BenchCommand::Serve(args) => serve(args).await.map_err(|e| e.to_string()),
        BenchCommand::Resolve(args) => resolve(args).await.map_err(|e| e.to_string()),
        BenchCommand::Ltv(args) => ltv(args).await.map_err(|e| e.to_string()),
    }
}

async fn ltv(args: LtvArgs) -> Result<(), BenchError> {
    let started = std::time::Instant::now();
    let summaries = simulate(args.customers, args.seed);
    let simulate_seconds = started.elapsed().as_secs_f64();
    let (distinct_summaries, repeat_customers) = describe(&summaries);
    let amigo = run_amigo(&summaries, args.runs).await?;
    let lifetimes = if args.lifetimes {
        let dir = tempfile::Builder::new()
            .prefix("amigo-bench-ltv-")
            .tempdir()
            .map_err(|e| BenchError::Data(format!("cannot create a temporary directory: {e}")))?;
        Some(run_lifetimes(&summaries, dir.path(), args.runs)?)
    } else {
        None
    };
    let report = LtvReport {
        customers: args.customers,
        seed: args.seed,
        runs: args.runs,
        simulate_seconds,
        distinct_summaries,
        repeat_customers,
        amigo,
        lifetimes,
    };
    print!("{}", render_ltv_report(&report));
    save_json(args.json.as_deref(), &report)
}

async fn functions(args: FunctionsArgs) -> CliResult<()> {
    tokio::task::spawn_blocking(move || functions_blocking(args))
        .await
        .map_err(|e| format!("the benchmark stopped: {e}"))?
        .map_err(|e| e.to_string())
}

/// Generation and timing are CPU-bound: they run on a blocking thread.
fn functions_blocking(args: FunctionsArgs) -> Result<(), BenchError> {
    let temp;
    let dir = match &args.data {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new()
                .prefix("amigo-bench-")
                .tempdir()
                .map_err(|e| {
                    BenchError::Data(format!("cannot create a temporary directory: {e}"))
                })?;
            temp.path().to_path_buf()
        }
    };
    let data = ensure_generated(&dir, args.seed, args.values as u64)?;
    let inputs = build_inputs(&data, args.values, args.seed)?;
    let config = FunctionsBenchConfig {
        values: args.values,
        seed: args.seed,
        runs: args.runs,
        batch_size: args.batch_size,
        string_type: args.string_type.data_type(),
        only: args.only,
    };
    let (measurements, not_benchmarked) =
        run_functions(&amigo_udfs::all_scalar_functions(), &inputs, &config)?;
    let duckdb = if args.duckdb {
        let run = run_duckdb(&inputs.pairs_path, &data.inputs_dir(), args.runs)?;
        Some(compare_with_duckdb(&measurements, run))
    } else {
        None
    };
    let report = FunctionsReport {
        values: config.values,
        seed: config.seed,
        batch_size: config.batch_size,
        runs: config.runs,
        string_type: config.string_type.to_string(),
        values_path: inputs.values_path.clone(),
        pairs_path: inputs.pairs_path.clone(),
        measurements,
        not_benchmarked,
        duckdb,
    };
    print!("{}", render_report(&report));
    save_json(args.json.as_deref(), &report)
}

async fn ingest(args: IngestArgs) -> Result<(), BenchError> {
    let temp = tempfile::Builder::new()
        .prefix("amigo-bench-")
        .tempdir()
        .map_err(|e| BenchError::Data(format!("cannot create a temporary directory: {e}")))?;
    let dir = args
        .data
        .clone()
        .unwrap_or_else(|| temp.path().join("data"));
    let (seed, customers) = (args.seed, args.customers);
    let data = tokio::task::spawn_blocking(move || ensure_generated(&dir, seed, customers))
        .await
        .map_err(|e| BenchError::Data(format!("the generator stopped: {e}")))??;
    let report = run_ingest_bench(&data, &temp.path().join("lake"), customers, seed).await?;
    print!("{}", render_ingest_report(&report));
    save_json(args.json.as_deref(), &report)
}

async fn resolve(args: ResolveArgs) -> Result<(), BenchError> {
    let dir = bench_data_dir(args.data, args.customers)?;
    let (seed, customers) = (args.seed, args.customers);
    let data = tokio::task::spawn_blocking(move || ensure_generated(&dir, seed, customers))
        .await
        .map_err(|e| BenchError::Data(format!("the generator stopped: {e}")))??;
    let work = tempfile::Builder::new()
        .prefix("amigo-bench-resolve-")
        .tempdir()
        .map_err(|e| BenchError::Data(format!("cannot create a temporary directory: {e}")))?;
    let config = ResolveBenchConfig {
        customers,
        seed,
        splink: args.splink,
        incremental_batch: args.incremental_batch,
    };
    let report = run_resolve_bench(&data, work.path(), &config).await?;
    print!("{}", render_resolve_report(&report));
    save_json(args.json.as_deref(), &report)
}

/// The generated data's directory: the one given, else `$HOME/.cache/amigo/bench/seed-<n>`.
fn bench_data_dir(given: Option<PathBuf>, customers: u64) -> Result<PathBuf, BenchError> {
    match given {
        Some(dir) => Ok(dir),
        None => std::env::var_os("HOME")
            .map(|home| {
                PathBuf::from(home)
                    .join(".cache/amigo/bench")
                    .join(format!("seed-{customers}"))
            })
            .ok_or_else(|| BenchError::Data("HOME is not set: give --data DIR".into())),
    }
}

async fn serve(args: ServeArgs) -> Result<(), BenchError> {
    let data_dir = bench_data_dir(args.data, args.customers)?;
    let parts = if args.only.is_empty() {
        vec![Part::Export, Part::Lookup, Part::Concurrency]
    } else {
        args.only.iter().copied().map(Part::from).collect()
    };
    let config = ServeBenchConfig {
        data_dir,
        customers: args.customers,
        seed: args.seed,
        export_rows: args.export_rows,
        export_runs: args.export_runs,
        lookup_sql: args.lookup_sql,
        keys_sql: args.keys_sql,
        lookups: args.lookups,
        clients: args.clients,
        queries_per_client: args.queries_per_client,
        audit: !args.no_audit,
        parts,
    };
    let report = run_serve_bench(&config).await?;
    print!("{}", render_serve_report(&report));
    save_json(args.json.as_deref(), &report)
}

/// Saves a benchmark's report as JSON when `--json FILE` asks for it.
fn save_json(
    path: Option<&std::path::Path>,
    report: &impl serde::Serialize,
) -> Result<(), BenchError> {
    let Some(path) = path else {
        return Ok(());
    };
    let mut json = serde_json::to_vec_pretty(report)
        .map_err(|e| BenchError::Data(format!("serializing the report: {e}")))?;
    json.push(b'\n');
    std::fs::write(path, json).map_err(crate::bench::io_err(path))?;
    eprintln!("results saved to {}", path.display());
    Ok(())
}
