//! Runs the SQL behaviour tests in `tests/slt/*.slt` against a DataFusion context with every
//! amigo function registered.
//!
//! The files use the sqllogictest format (`query T`, `----`, expected rows; `statement error
//! <regex>`). Values print as DataFusion shows them, NULL as `NULL` and the empty string as
//! `(empty)`, as in DataFusion's own `.slt` files. Run one file with
//! `cargo test -p amigo-udfs --test sqllogictests -- similarity`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use async_trait::async_trait;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};

/// A fresh context per file, with the amigo functions.
struct DataFusionDb {
    ctx: SessionContext,
}

#[async_trait]
impl AsyncDB for DataFusionDb {
    type Error = DataFusionError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DataFusionError> {
        let df = self.ctx.sql(sql).await?;
        let schema = df.schema().as_arrow().clone();
        let batches = df.collect().await?;
        if schema.fields().is_empty() {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = schema
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let mut rows = Vec::new();
        for batch in &batches {
            rows.extend(format_rows(batch)?);
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "datafusion+amigo"
    }
}

fn column_type(data_type: &DataType) -> DefaultColumnType {
    match data_type {
        t if t.is_integer() => DefaultColumnType::Integer,
        t if t.is_floating() || matches!(t, DataType::Decimal128(..)) => {
            DefaultColumnType::FloatingPoint
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Boolean => {
            DefaultColumnType::Text
        }
        _ => DefaultColumnType::Any,
    }
}

fn format_rows(batch: &RecordBatch) -> Result<Vec<Vec<String>>, DataFusionError> {
    let options = FormatOptions::default().with_null("NULL");
    let formatters = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((0..batch.num_rows())
        .map(|row| {
            formatters
                .iter()
                .map(|f| match f.value(row).to_string() {
                    s if s.is_empty() => "(empty)".to_owned(),
                    s => s,
                })
                .collect()
        })
        .collect())
}

fn slt_files(dir: &Path, filter: Option<&str>) -> std::io::Result<Vec<PathBuf>> {
    let mut files = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "slt"));
    if let Some(filter) = filter {
        files.retain(|p| p.to_string_lossy().contains(filter));
    }
    files.sort();
    Ok(files)
}

#[tokio::main]
async fn main() -> ExitCode {
    // `cargo test` passes libtest flags (e.g. `--nocapture`); the first free argument filters.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let dir = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/slt");
    let files = match slt_files(&dir, filter.as_deref()) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("cannot list {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    let mut failures = 0;
    for file in &files {
        let mut runner = sqllogictest::Runner::new(|| async {
            let ctx = SessionContext::new();
            amigo_udfs::register_all(&ctx)?;
            Ok(DataFusionDb { ctx })
        });
        match runner.run_file_async(file).await {
            Ok(()) => println!("ok      {}", file.display()),
            Err(e) => {
                failures += 1;
                println!("FAILED  {}\n{e}", file.display());
            }
        }
    }
    println!("{} .slt file(s), {failures} failed", files.len());
    if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
