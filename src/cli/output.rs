//! Writing query results: an aligned table, CSV, JSON lines or a Parquet file.
//!
//! Rows are written batch by batch (the table format excepted: it must see every row to align
//! columns). Output to a file goes to a temporary file renamed into place at the end, so a
//! failed run leaves an existing file untouched.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use clap::ValueEnum;
use datafusion::dataframe::DataFrame;
use futures::StreamExt;

use super::CliResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `table` on a terminal, `csv` otherwise.
    Auto,
    /// Aligned columns, for reading.
    Table,
    /// CSV with a header line.
    Csv,
    /// JSON lines: one object per row.
    Json,
    /// Parquet; needs --output.
    Parquet,
}

pub struct ResultWriter {
    format: Format,
    sink: Sink,
    results: usize,
}

enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File {
        path: PathBuf,
        temp: PathBuf,
        writer: BufWriter<File>,
    },
    /// Parquet: the writer exists once the first result's schema is known.
    Parquet {
        path: PathBuf,
        temp: PathBuf,
        writer: Option<Box<parquet::arrow::ArrowWriter<File>>>,
    },
}

impl ResultWriter {
    pub fn new(format: Format, output: Option<&Path>) -> CliResult<Self> {
        let format = match format {
            Format::Auto if output.is_none() && io::stdout().is_terminal() => Format::Table,
            Format::Auto => Format::Csv,
            other => other,
        };
        let sink = match (format, output) {
            (Format::Parquet, None) => {
                return Err("--format parquet writes a file: give it with --output FILE".into());
            }
            (Format::Parquet, Some(path)) => Sink::Parquet {
                path: path.to_path_buf(),
                temp: temp_path(path),
                writer: None,
            },
            (_, Some(path)) => {
                let temp = temp_path(path);
                let file = File::create(&temp)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Sink::File {
                    path: path.to_path_buf(),
                    temp,
                    writer: BufWriter::new(file),
                }
            }
            (_, None) => Sink::Stdout(BufWriter::new(io::stdout())),
        };
        Ok(Self {
            format,
            sink,
            results: 0,
        })
    }

    /// Writes one statement's rows; returns how many.
    pub async fn write(&mut self, frame: DataFrame) -> datafusion::error::Result<u64> {
        let schema: SchemaRef = frame.schema().as_arrow().clone().into();
        let mut stream = frame.execute_stream().await?;
        self.results += 1;
        let mut rows = 0u64;
        match self.format {
            Format::Table => {
                let mut batches = Vec::new();
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    rows += batch.num_rows() as u64;
                    batches.push(batch);
                }
                let table =
                    arrow::util::pretty::pretty_format_batches_with_schema(schema, &batches)?;
                let separate = self.results > 1;
                let out = self.text_writer()?;
                if separate {
                    writeln!(out)?;
                }
                writeln!(out, "{table}")?;
                writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })?;
            }
            Format::Csv => {
                let out = self.text_writer()?;
                let mut writer = arrow::csv::WriterBuilder::new()
                    .with_header(true)
                    .build(out);
                let mut wrote_any = false;
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    rows += batch.num_rows() as u64;
                    writer.write(&batch)?;
                    wrote_any = true;
                }
                if !wrote_any {
                    // No rows: still give the header line.
                    writer.write(&RecordBatch::new_empty(schema))?;
                }
            }
            Format::Json => {
                let out = self.text_writer()?;
                let mut writer = arrow::json::LineDelimitedWriter::new(out);
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    rows += batch.num_rows() as u64;
                    writer.write(&batch)?;
                }
                writer.finish()?;
            }
            Format::Parquet | Format::Auto => {
                let Sink::Parquet { temp, writer, .. } = &mut self.sink else {
                    return Err(datafusion::error::DataFusionError::Internal(
                        "parquet sink".into(),
                    ));
                };
                if writer.is_some() {
                    return datafusion::common::plan_err!(
                        "a Parquet output file holds one result, and this is the second statement returning rows"
                    );
                }
                let file = File::create(&*temp)?;
                let parquet = writer.insert(Box::new(parquet::arrow::ArrowWriter::try_new(
                    file, schema, None,
                )?));
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    rows += batch.num_rows() as u64;
                    parquet.write(&batch)?;
                }
            }
        }
        Ok(rows)
    }

    fn text_writer(&mut self) -> io::Result<&mut dyn Write> {
        match &mut self.sink {
            Sink::Stdout(out) => Ok(out),
            Sink::File { writer, .. } => Ok(writer),
            Sink::Parquet { .. } => Err(io::Error::other("text output to a parquet sink")),
        }
    }

    /// Flushes and moves a file output into place.
    pub fn finish(self) -> CliResult<()> {
        match self.sink {
            Sink::Stdout(mut out) => out.flush().map_err(|e| e.to_string())?,
            Sink::File { path, temp, writer } => {
                let file = writer.into_inner().map_err(|e| e.to_string())?;
                file.sync_all().map_err(|e| e.to_string())?;
                commit(&temp, &path)?;
            }
            Sink::Parquet { path, temp, writer } => {
                let Some(writer) = writer else {
                    return Err(format!(
                        "no statement returned rows to write to {}",
                        path.display()
                    ));
                };
                writer.close().map_err(|e| e.to_string())?;
                commit(&temp, &path)?;
            }
        }
        Ok(())
    }

    /// Removes a partial file output.
    pub fn discard(self) {
        match self.sink {
            Sink::Stdout(_) => {}
            Sink::File { temp, .. } | Sink::Parquet { temp, .. } => {
                let _ = std::fs::remove_file(temp);
            }
        }
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn commit(temp: &Path, path: &Path) -> CliResult<()> {
    std::fs::rename(temp, path).map_err(|e| {
        let _ = std::fs::remove_file(temp);
        format!("cannot write {}: {e}", path.display())
    })
}

/// The first column of query results as strings (NULLs skipped): ids and names that a command
/// reads back to decide what to do next.
pub fn first_column_strings(batches: &[arrow::array::RecordBatch]) -> CliResult<Vec<String>> {
    use arrow::array::{Array, AsArray};
    let mut values = Vec::new();
    for batch in batches {
        let column = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8)
            .map_err(|e| e.to_string())?;
        let column = column.as_string::<i32>();
        values.extend(
            (0..column.len())
                .filter(|&i| !column.is_null(i))
                .map(|i| column.value(i).to_owned()),
        );
    }
    Ok(values)
}
