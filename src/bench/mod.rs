//! Benchmarks run by `amigo bench`: measured on realistic data from the generator, printed as
//! a table, optionally saved as JSON. They are commands rather than timed tests: a number
//! depends on the machine, so it is reported, not asserted.
//!
//! - [`functions`]: values per second of every amigo SQL function, and DuckDB's
//!   `jaro_winkler_similarity` / `levenshtein` on the same pairs.
//! - [`ingest`]: rows per second of `amigo ingest` on the native exports, end to end.
//! - [`resolve`]: `amigo resolve` at seed scale (time, peak memory, accuracy), and Splink on
//!   the same records.
//! - [`ltv`]: the BG/NBD + Gamma-Gamma fit on simulated customers, and lifetimes on the same.
//! - [`serve`]: the Flight SQL server with real clients: export throughput, lookup latency,
//!   concurrent clients.
//!
//! This module holds what benchmarks share: generated data reused between runs, and the
//! Python virtual environment for reference engines from PyPI.

pub mod functions;
pub mod ingest;
pub mod ltv;
pub mod resolve;
pub mod serve;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::generate::{GenerateConfig, Manifest, generate};

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
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
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error("generating the benchmark data: {0}")]
    Generate(#[from] crate::generate::GenerateError),
    #[error("{0}")]
    Data(String),
    #[error("{0}")]
    Python(String),
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BenchError + '_ {
    move |source| BenchError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Generated data for a benchmark: `dir` holds the native exports and `dir/canonical` the
/// canonical Parquet tables (`raw.<table>.parquet`).
#[derive(Debug, Clone)]
pub struct BenchData {
    pub dir: PathBuf,
}

impl BenchData {
    /// The canonical Parquet file of raw table `table`.
    pub fn canonical(&self, table: &str) -> PathBuf {
        self.dir
            .join("canonical")
            .join(format!("raw.{table}.parquet"))
    }

    /// A file of the native exports (`native/cegid/CLIENTS.csv`, ...).
    pub fn native(&self, path: &str) -> PathBuf {
        self.dir.join(path)
    }

    /// Where a benchmark writes the inputs it measured on.
    pub fn inputs_dir(&self) -> PathBuf {
        self.dir.join("bench")
    }
}

/// Generates `customers` records with `seed` into `dir`, unless `dir` already holds exactly
/// that (same seed and size in its `manifest.json`, canonical tables present): generating a
/// million records takes a while, and the data is deterministic, so it is reused.
pub fn ensure_generated(dir: &Path, seed: u64, customers: u64) -> Result<BenchData, BenchError> {
    let data = BenchData {
        dir: dir.to_path_buf(),
    };
    let manifest_path = dir.join("manifest.json");
    let reusable = std::fs::read(&manifest_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
        .is_some_and(|m| m.seed == seed && m.customers == customers)
        && data.canonical("customer_records").is_file()
        && data.canonical("ground_truth").is_file();
    if reusable {
        eprintln!("reusing the generated data in {}", dir.display());
        return Ok(data);
    }
    eprintln!(
        "generating {customers} customer records (seed {seed}) into {}",
        dir.display()
    );
    let mut config = GenerateConfig::new(seed, dir);
    config.customers = customers;
    config.canonical_dir = Some(dir.join("canonical"));
    let report = generate(&config)?;
    eprintln!("generated in {:.1}s", report.elapsed.as_secs_f64());
    Ok(data)
}

/// A Python virtual environment under `$HOME/.cache/amigo/<name>` with `requirements`
/// installed from PyPI; created on first use and reinstalled when the requirements change.
/// Returns the environment's `python`.
pub fn python_venv(name: &str, requirements: &str) -> Result<PathBuf, BenchError> {
    let home = std::env::var_os("HOME")
        .ok_or_else(|| BenchError::Python("HOME is not set: nowhere to put the venv".into()))?;
    let venv = PathBuf::from(home).join(".cache/amigo").join(name);
    let python = venv.join("bin/python");
    let marker = venv.join("amigo-requirements.txt");
    if python.is_file() && std::fs::read_to_string(&marker).ok().as_deref() == Some(requirements) {
        return Ok(python);
    }
    eprintln!("creating the Python environment {}", venv.display());
    run_checked(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        "python3 -m venv (is python3 with the venv module installed?)",
    )?;
    std::fs::create_dir_all(&venv).map_err(io_err(&venv))?;
    let requirements_file = venv.join("requirements.in.txt");
    std::fs::write(&requirements_file, requirements).map_err(io_err(&requirements_file))?;
    run_checked(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements_file),
        "pip install",
    )?;
    std::fs::write(&marker, requirements).map_err(io_err(&marker))?;
    Ok(python)
}

fn run_checked(command: &mut Command, what: &str) -> Result<(), BenchError> {
    let status = command
        .status()
        .map_err(|e| BenchError::Python(format!("{what}: {e}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(BenchError::Python(format!("{what} failed ({status})")))
    }
}
