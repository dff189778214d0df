//! `amigo generate`: realistic customer data in each source's native export format, the ground
//! truth, and (with --lake) the same data as canonical lake tables.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::record_batch::RecordBatchReader;
use chrono::NaiveDate;
use clap::Args;
use datafusion::error::DataFusionError;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::CliResult;
use crate::generate::{GenerateConfig, generate};
use crate::lake::write::TableWriter;
use crate::lake::{CommitMode, Lake, TableName};
use crate::session::root_message;

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Directory for the native exports, ground_truth.csv and manifest.json
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Also load the generated data into this lake as raw.* tables (created if missing)
    #[arg(long, value_name = "LAKE")]
    pub lake: Option<String>,
    /// Random seed: the same seed and options give byte-identical files
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of customer source records (orders, interactions and products scale with it)
    #[arg(long, default_value_t = 1_200_000)]
    pub customers: u64,
    /// Date the data ends at ("today" for the generated history)
    #[arg(long, value_name = "YYYY-MM-DD", default_value = "2026-10-31")]
    pub as_of: NaiveDate,
}

pub async fn run(args: GenerateArgs) -> CliResult<()> {
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let lake = match &args.lake {
        Some(location) => Some(Lake::init(location).await.map_err(|e| e.to_string())?),
        None => None,
    };
    let staging = match lake {
        Some(_) => Some(
            tempfile::Builder::new()
                .prefix(".canonical-")
                .tempdir_in(&args.out)
                .map_err(|e| {
                    format!(
                        "cannot create a staging directory in {}: {e}",
                        args.out.display()
                    )
                })?,
        ),
        None => None,
    };
    let config = GenerateConfig {
        seed: args.seed,
        customers: args.customers,
        as_of: args.as_of,
        out: args.out.clone(),
        canonical_dir: staging.as_ref().map(|d| d.path().to_path_buf()),
    };
    let report = tokio::task::spawn_blocking(move || generate(&config))
        .await
        .map_err(|e| format!("the generator stopped: {e}"))?
        .map_err(|e| e.to_string())?;
    let manifest = &report.manifest;
    eprintln!(
        "generated {} customer records of {} people ({:.1}% duplicates) in {:.1}s into {}",
        manifest.customers,
        manifest.persons,
        manifest.duplicate_rate * 100.0,
        report.elapsed.as_secs_f64(),
        args.out.display()
    );
    for (table, rows) in &manifest.tables {
        eprintln!("  {table}: {rows} rows");
    }

    if let (Some(lake), Some(staging)) = (lake, staging) {
        let started = std::time::Instant::now();
        let mut files: Vec<_> = std::fs::read_dir(staging.path())
            .map_err(|e| format!("cannot list {}: {e}", staging.path().display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
            .collect();
        files.sort();
        for file in files {
            load_table(&lake, &file).await?;
        }
        eprintln!(
            "loaded into lake {} in {:.1}s",
            lake.location(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

/// Loads one staged `<schema>.<table>.parquet` file as the new version of that lake table.
async fn load_table(lake: &Arc<Lake>, file: &std::path::Path) -> CliResult<()> {
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let Some((schema, table)) = stem.split_once('.') else {
        return Err(format!(
            "{}: expected <schema>.<table>.parquet",
            file.display()
        ));
    };
    let name = TableName::new(schema, table);
    let reader = std::fs::File::open(file)
        .map_err(|e| e.to_string())
        .and_then(|f| {
            ParquetRecordBatchReaderBuilder::try_new(f)
                .and_then(|b| b.with_batch_size(64 * 1024).build())
                .map_err(|e| e.to_string())
        })
        .map_err(|e| format!("{}: {e}", file.display()))?;
    let schema = reader.schema();
    let batches = futures::stream::iter(reader.map(|b| b.map_err(DataFusionError::from)));
    let (manifest, rows) = TableWriter::write_stream::<_, DataFusionError>(
        lake.clone(),
        name.clone(),
        &schema,
        batches,
        CommitMode::Replace,
        "generate",
    )
    .await
    .map_err(|e| {
        format!(
            "loading {name} from {}: {}",
            file.display(),
            root_message(&e)
        )
    })?;
    eprintln!("  {name}: {rows} rows (version {})", manifest.version);
    Ok(())
}
