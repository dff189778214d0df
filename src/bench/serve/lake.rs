//! The lake `amigo bench serve` serves: the generated seed tables, and a wide export table built
//! from them with SQL. Built once under the data directory and reused, since building the
//! export table takes minutes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::bench::{BenchData, BenchError, io_err};
use crate::lake::{Lake, TableName};
use crate::session::AmigoSession;

/// Raw tables copied from the generator's canonical Parquet into the lake: what the export table
/// and the default lookup read, and what the 360° view (`analytics.customer_360`, after
/// `amigo resolve --lake <data>/serve-lake`) joins.
const RAW_TABLES: &[&str] = &[
    "customer_records",
    "orders",
    "order_lines",
    "stores",
    "associates",
    "consent_events",
];

/// The export table's schema and name.
pub const EXPORT_SCHEMA: &str = "bench";
pub const EXPORT_TABLE: &str = "customer_orders";

/// What the export table is: every order joined to its customer record (what a marketing or
/// finance export pulls), repeated with a copy number in the id until it has the rows asked
/// for. 16 columns: ids and codes, personal strings (email, names, phone, city), a UTC timestamp
/// and two decimal(18,2) amounts.
const EXPORT_SQL: &str = "
CREATE TABLE bench.customer_orders AS
SELECT concat(o.order_id, '-', copy.n) AS order_id,
       o.source_system,
       o.customer_source_id,
       c.email,
       c.first_name,
       c.last_name,
       c.phone,
       c.city,
       c.country,
       o.store_id,
       o.channel,
       o.status,
       o.ordered_at,
       o.currency,
       o.discount_amount,
       o.total_amount
FROM raw.orders o
LEFT JOIN raw.customer_records c
  ON c.source_system = o.source_system AND c.source_id = o.customer_source_id
CROSS JOIN (SELECT value AS n FROM generate_series(1, {copies})) AS copy
LIMIT {rows}";

/// Written last: a lake whose marker matches is complete and is reused.
const MARKER: &str = "amigo-bench-serve.json";

/// How the lake writer lays out files (row groups, statistics, bloom filters). Bump it when that
/// changes, so that a cached lake is rebuilt rather than measured with the old layout.
const WRITER_LAYOUT: u32 = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Marker {
    writer_layout: u32,
    customers: u64,
    seed: u64,
    export_rows: u64,
}

/// The benchmark lake, ready to serve.
#[derive(Debug, Clone)]
pub struct BenchLake {
    pub dir: PathBuf,
    /// `bench.customer_orders`, and its data files (what pyarrow reads locally).
    pub export_table: String,
    pub export_rows: u64,
    pub export_files: Vec<PathBuf>,
    pub export_file_bytes: u64,
}

/// Opens the benchmark lake under `data`, building it first unless a complete one with the same
/// inputs is there.
pub async fn ensure_lake(
    data: &BenchData,
    customers: u64,
    seed: u64,
    export_rows: u64,
) -> Result<BenchLake, BenchError> {
    let dir = data.dir.join("serve-lake");
    let wanted = Marker {
        writer_layout: WRITER_LAYOUT,
        customers,
        seed,
        export_rows,
    };
    let marker_path = dir.join(MARKER);
    let existing = std::fs::read(&marker_path)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Marker>(&bytes).ok());
    if existing.as_ref() == Some(&wanted) {
        eprintln!("reusing the benchmark lake {}", dir.display());
        // A lake built before a table joined RAW_TABLES gets it added, keeping what was
        // computed there since (a resolve takes minutes at seed scale).
        load_missing_raw_tables(data, &dir).await?;
    } else {
        if dir.exists() {
            // A lake keeps every version's files: rebuilding in place would keep the old ones.
            std::fs::remove_dir_all(&dir).map_err(io_err(&dir))?;
        }
        build(data, &dir, export_rows).await?;
        let json = serde_json::to_vec_pretty(&wanted)
            .map_err(|e| BenchError::Data(format!("writing the lake marker: {e}")))?;
        std::fs::write(&marker_path, json).map_err(io_err(&marker_path))?;
    }
    export_files(&dir, export_rows).await
}

async fn build(data: &BenchData, dir: &Path, export_rows: u64) -> Result<(), BenchError> {
    eprintln!("building the benchmark lake {}", dir.display());
    let lake = Lake::init(&dir.display().to_string())
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?;
    let session = AmigoSession::open(lake).await?;
    for table in RAW_TABLES {
        load_raw_table(data, &session, table).await?;
    }
    let orders = TableName::new("raw", "orders");
    let order_rows = session
        .lake()
        .current_manifest(&orders)
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?
        .map_or(0, |m| m.rows());
    if order_rows == 0 {
        return Err(BenchError::Data(
            "the generated data has no orders: nothing to build the export table from".into(),
        ));
    }
    let copies = export_rows.div_ceil(order_rows).max(1);
    let started = std::time::Instant::now();
    session
        .execute(&format!("CREATE SCHEMA {EXPORT_SCHEMA}"))
        .await?;
    session
        .execute(
            &EXPORT_SQL
                .replace("{copies}", &copies.to_string())
                .replace("{rows}", &export_rows.to_string()),
        )
        .await?;
    eprintln!(
        "  {EXPORT_SCHEMA}.{EXPORT_TABLE} ({export_rows} rows) built in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn load_missing_raw_tables(data: &BenchData, dir: &Path) -> Result<(), BenchError> {
    let lake = Lake::open(&dir.display().to_string())
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?;
    let session = AmigoSession::open(lake).await?;
    for table in RAW_TABLES {
        let name = format!("raw.{table}");
        if !session
            .context()
            .table_exist(name.as_str())
            .unwrap_or(false)
        {
            load_raw_table(data, &session, table).await?;
        }
    }
    Ok(())
}

async fn load_raw_table(
    data: &BenchData,
    session: &AmigoSession,
    table: &str,
) -> Result<(), BenchError> {
    let file = data.canonical(table);
    let location = file
        .to_str()
        .ok_or_else(|| BenchError::Data(format!("{}: the path is not UTF-8", file.display())))?;
    let started = std::time::Instant::now();
    session
        .execute(&format!(
            "CREATE EXTERNAL TABLE generated_{table} STORED AS PARQUET LOCATION '{}'",
            location.replace('\'', "''")
        ))
        .await?;
    session
        .execute(&format!(
            "CREATE TABLE raw.{table} AS SELECT * FROM generated_{table}"
        ))
        .await?;
    eprintln!(
        "  raw.{table} loaded in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The export table's current data files, checked against the rows asked for.
async fn export_files(dir: &Path, export_rows: u64) -> Result<BenchLake, BenchError> {
    let lake = Lake::open(&dir.display().to_string())
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?;
    let name = TableName::new(EXPORT_SCHEMA, EXPORT_TABLE);
    let manifest = lake
        .current_manifest(&name)
        .await
        .map_err(|e| BenchError::Data(e.to_string()))?
        .ok_or_else(|| BenchError::Data(format!("{}: no table {name}", dir.display())))?;
    if manifest.rows() != export_rows {
        return Err(BenchError::Data(format!(
            "{name} has {} rows, not the {export_rows} asked for (fewer orders than rows?)",
            manifest.rows()
        )));
    }
    let table_dir = dir.join(EXPORT_SCHEMA).join(EXPORT_TABLE);
    Ok(BenchLake {
        dir: dir.to_path_buf(),
        export_table: name.to_string(),
        export_rows,
        export_files: manifest
            .files
            .iter()
            .filter(|f| f.rows > 0)
            .map(|f| table_dir.join(&f.path))
            .collect(),
        export_file_bytes: manifest.files.iter().map(|f| f.bytes).sum(),
    })
}
