//! Export throughput: one big table read through the server (ADBC driver, raw Flight `DoGet`
//! from Python and from Rust) against pyarrow reading the same Parquet files locally.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;

use serde::{Deserialize, Serialize};

use super::client::{connect, download};
use super::lake::BenchLake;
use crate::bench::{BenchError, io_err, python_venv};

/// The Python side and its pinned requirements, embedded so that the binary runs from any
/// directory.
const SCRIPT: &str = include_str!("../../../benches/serve/export.py");
const REQUIREMENTS: &str = include_str!("../../../benches/serve/requirements.txt");

/// Flight exports must reach this fraction of the local Parquet read's speed.
pub const TARGET_RATIO: f64 = 0.8;

#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    pub table: String,
    pub rows: u64,
    pub parquet_files: usize,
    pub parquet_bytes: u64,
    pub runs: usize,
    /// Arrow IPC bytes the server sent for the whole table (measured by the Rust client).
    pub wire_bytes: u64,
    /// One line per way of reading, best run of each.
    pub ways: Vec<ExportWay>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportWay {
    pub name: String,
    pub what: String,
    pub rows: u64,
    pub best_seconds: f64,
    pub seconds: Vec<f64>,
    pub rows_per_second: f64,
    /// Size of the result in memory (pyarrow's `Table.nbytes`), when Python read it.
    pub arrow_bytes: Option<u64>,
    /// Local read time / this way's time; the local read itself has none.
    pub ratio_to_local: Option<f64>,
    pub meets_target: Option<bool>,
}

/// What export.py prints for each way.
#[derive(Debug, Clone, Deserialize)]
struct PythonTiming {
    seconds: Vec<f64>,
    rows: u64,
    arrow_bytes: u64,
}

const PYTHON_WAYS: [(&str, &str); 3] = [
    ("local", "pyarrow.parquet.read_table of the Parquet files"),
    ("adbc", "ADBC Flight SQL driver, cursor.fetch_arrow_table()"),
    ("flight", "pyarrow.flight GetFlightInfo + DoGet, read_all()"),
];

/// Times every way `runs` times on `lake`'s export table through the server at `addr`.
pub async fn run_export(
    addr: SocketAddr,
    lake: &BenchLake,
    work_dir: &Path,
    runs: usize,
) -> Result<ExportReport, BenchError> {
    let runs = runs.max(1);
    let sql = format!("SELECT * FROM {}", lake.export_table);

    // Rust first: it also measures the bytes on the wire.
    let mut client = connect(addr).await?;
    let mut rust_seconds = Vec::with_capacity(runs);
    let mut wire_bytes = 0;
    for _ in 0..runs {
        let download = download(&mut client, &sql).await?;
        check_rows("Rust DoGet", download.rows, lake.export_rows)?;
        rust_seconds.push(download.seconds);
        wire_bytes = download.wire_bytes;
    }

    let python = python_venv("serve-bench-venv", REQUIREMENTS)?;
    std::fs::create_dir_all(work_dir).map_err(io_err(work_dir))?;
    let script = work_dir.join("export.py");
    std::fs::write(&script, SCRIPT).map_err(io_err(&script))?;
    let files_list = work_dir.join("export-files.txt");
    let listing: String = lake
        .export_files
        .iter()
        .map(|f| format!("{}\n", f.display()))
        .collect();
    std::fs::write(&files_list, listing).map_err(io_err(&files_list))?;
    eprintln!("exporting {} rows with pyarrow and ADBC", lake.export_rows);
    let uri = format!("grpc://{addr}");
    let runs_arg = runs.to_string();
    // The script blocks; the server keeps serving on the runtime's threads meanwhile.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(&script)
            .arg(&uri)
            .arg(&sql)
            .arg(&files_list)
            .arg(&runs_arg)
            .output()
            .map_err(|e| BenchError::Python(format!("{}: {e}", python.display())))
    })
    .await
    .map_err(|e| BenchError::Python(format!("export.py stopped: {e}")))??;
    if !output.status.success() {
        return Err(BenchError::Python(format!(
            "export.py failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    let timings: BTreeMap<String, PythonTiming> =
        serde_json::from_slice(&output.stdout).map_err(|e| {
            BenchError::Python(format!(
                "export.py printed something else than its JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            ))
        })?;

    let mut ways = Vec::new();
    for (name, what) in PYTHON_WAYS {
        let timing = timings
            .get(name)
            .ok_or_else(|| BenchError::Python(format!("export.py did not time {name}")))?;
        check_rows(name, timing.rows, lake.export_rows)?;
        ways.push(way(
            name,
            what,
            timing.rows,
            timing.seconds.clone(),
            Some(timing.arrow_bytes),
        ));
    }
    ways.push(way(
        "rust",
        "arrow-flight Rust client GetFlightInfo + DoGet, decoded",
        lake.export_rows,
        rust_seconds,
        None,
    ));
    let local = ways
        .iter()
        .find(|w| w.name == "local")
        .map(|w| w.best_seconds);
    for way in &mut ways {
        if way.name != "local"
            && let Some(local) = local
        {
            let ratio = local / way.best_seconds.max(f64::EPSILON);
            way.ratio_to_local = Some(ratio);
            way.meets_target = Some(ratio >= TARGET_RATIO);
        }
    }
    Ok(ExportReport {
        table: lake.export_table.clone(),
        rows: lake.export_rows,
        parquet_files: lake.export_files.len(),
        parquet_bytes: lake.export_file_bytes,
        runs,
        wire_bytes,
        ways,
    })
}

fn way(
    name: &str,
    what: &str,
    rows: u64,
    seconds: Vec<f64>,
    arrow_bytes: Option<u64>,
) -> ExportWay {
    let best_seconds = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    ExportWay {
        name: name.to_owned(),
        what: what.to_owned(),
        rows,
        best_seconds,
        seconds,
        rows_per_second: rows as f64 / best_seconds.max(f64::EPSILON),
        arrow_bytes,
        ratio_to_local: None,
        meets_target: None,
    }
}

fn check_rows(way: &str, got: u64, expected: u64) -> Result<(), BenchError> {
    if got == expected {
        Ok(())
    } else {
        Err(BenchError::Data(format!(
            "{way} read {got} rows, the table has {expected}"
        )))
    }
}
