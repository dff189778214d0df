//! `amigo segment`: named customer segments as SQL views in the lake, with a catalog and a
//! membership history.
//!
//! A segment is one file of `sql/segments/` (or of `--sql-dir`): a header naming and describing
//! it, and a `CREATE OR REPLACE VIEW segments.<name>` whose first column is `unified_id`.
//! `00_customer_value.sql` runs first: the tables and views the segments are cut from.
//! `install` creates the views and records them in `segments.catalog`; `snapshot` records who
//! entered and who left each segment since the last snapshot in `segments.membership`.

use std::path::{Path, PathBuf};

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use clap::{Args, Subcommand};
use include_dir::{Dir, include_dir};

use super::output::{Format, ResultWriter, first_column_strings};
use super::resolve::{missing_inputs, run_script};
use super::sql_files;
use super::{CliResult, LakeArgs};
use crate::lake::Lake;
use crate::session::{AmigoSession, Outcome, root_message};

static SEGMENT_SQL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sql/segments");
const SETUP_FILE: &str = "00_customer_value.sql";

#[derive(Debug, Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    #[command(subcommand)]
    pub command: SegmentCommand,
}

#[derive(Debug, Subcommand)]
pub enum SegmentCommand {
    /// Create (or update) every segment's view and its catalog entry
    Install {
        /// The segment files of this directory instead of the built-in sql/segments
        #[arg(long, value_name = "DIR")]
        sql_dir: Option<PathBuf>,
    },
    /// Every segment with its description and its number of members
    List {
        #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
        format: Format,
    },
    /// A segment's description, definition and number of members
    Show { name: String },
    /// A segment's number of members
    Count { name: String },
    /// A segment's members
    Members {
        name: String,
        #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
        format: Format,
    },
    /// Record who entered and who left each segment since the last snapshot
    Snapshot,
    /// Show or set the reference date the segments and journeys are computed for
    AsOf {
        /// A date (YYYY-MM-DD) to replay that day, or `today` to follow the calendar again
        date: Option<String>,
    },
}

/// A segment file: its header and its SQL.
#[derive(Debug, Clone, PartialEq)]
struct SegmentFile {
    name: String,
    description: String,
    file: String,
    sql: String,
}

pub async fn run(args: SegmentArgs) -> CliResult<()> {
    let lake = Lake::open(&args.lake.lake)
        .await
        .map_err(|e| e.to_string())?;
    let session = AmigoSession::open(lake)
        .await
        .map_err(|e| format!("opening lake {}: {}", args.lake.lake, root_message(&e)))?;
    match args.command {
        SegmentCommand::Install { sql_dir } => install(&session, sql_dir.as_deref()).await,
        SegmentCommand::List { format } => list(&session, format).await,
        SegmentCommand::Show { name } => show(&session, &name).await,
        SegmentCommand::Count { name } => {
            let members = count(&session, &known(&session, &name).await?.name).await?;
            println!("{members}");
            Ok(())
        }
        SegmentCommand::Members { name, format } => {
            let segment = known(&session, &name).await?;
            let frame = rows(
                &session,
                &format!("SELECT * FROM segments.{}", segment.name),
            )
            .await?;
            let mut writer = ResultWriter::new(format, None)?;
            writer.write(frame).await.map_err(|e| root_message(&e))?;
            writer.finish()
        }
        SegmentCommand::Snapshot => snapshot(&session).await,
        SegmentCommand::AsOf { date } => {
            if let Some(date) = date {
                set_reference_date(&session, &date).await?;
            }
            let as_of = "SELECT CAST(as_of AS VARCHAR) FROM segments.reference_date";
            println!("{}", first_string(&session, as_of).await?);
            Ok(())
        }
    }
}

/// Fixes the reference date (`today` lets it follow the calendar again).
async fn set_reference_date(session: &AmigoSession, date: &str) -> CliResult<()> {
    let value = if date.eq_ignore_ascii_case("today") {
        None
    } else {
        chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|e| format!("as-of {date:?}: not a date like 2026-06-30 ({e})"))?;
        Some(date)
    };
    let mut statements = vec!["DELETE FROM segments.settings".to_owned()];
    if let Some(date) = value {
        statements.push(format!(
            "INSERT INTO segments.settings VALUES (DATE '{date}')"
        ));
    }
    for sql in statements {
        rows_changed(session, &sql).await?;
    }
    Ok(())
}

async fn rows_changed(session: &AmigoSession, sql: &str) -> CliResult<()> {
    match session.execute(sql).await {
        Ok(_) => Ok(()),
        Err(e) if root_message(&e).contains("not found") => {
            Err("the segments are not installed: run `amigo segment install`".into())
        }
        Err(e) => Err(root_message(&e)),
    }
}

async fn install(session: &AmigoSession, sql_dir: Option<&Path>) -> CliResult<()> {
    let (setup, segments) = match sql_dir {
        Some(dir) => files_from_dir(dir)?,
        None => builtin_files()?,
    };
    run_script(session, SETUP_FILE, &setup, None, false).await?;
    for segment in &segments {
        let missing = missing_inputs(session, &segment.sql);
        if !missing.is_empty() {
            eprintln!(
                "skipped segment {}: {} not in the lake yet (install again once it is)",
                segment.name,
                missing.join(", ")
            );
            continue;
        }
        run_script(session, &segment.file, &segment.sql, None, false).await?;
        let statements = [
            format!(
                "DELETE FROM segments.catalog WHERE name = {}",
                literal(&segment.name)
            ),
            format!(
                "INSERT INTO segments.catalog VALUES ({}, {}, {}, now())",
                literal(&segment.name),
                literal(&segment.description),
                literal(segment.sql.trim())
            ),
        ];
        for sql in statements {
            session.execute(&sql).await.map_err(|e| root_message(&e))?;
        }
        eprintln!("installed segment {}", segment.name);
    }
    Ok(())
}

async fn list(session: &AmigoSession, format: Format) -> CliResult<()> {
    let names = catalog_names(session).await?;
    if names.is_empty() {
        return Err("no segment installed: run `amigo segment install`".into());
    }
    // One query: each segment's count next to its catalog entry.
    let counts: Vec<String> = names
        .iter()
        .map(|name| {
            format!(
                "SELECT {} AS name, count(*) AS members FROM segments.{name}",
                literal(name)
            )
        })
        .collect();
    let sql = format!(
        "SELECT c.name, m.members, c.description FROM segments.catalog c
         JOIN ({}) m ON m.name = c.name ORDER BY c.name",
        counts.join(" UNION ALL ")
    );
    let frame = rows(session, &sql).await?;
    let mut writer = ResultWriter::new(format, None)?;
    writer.write(frame).await.map_err(|e| root_message(&e))?;
    writer.finish()
}

async fn show(session: &AmigoSession, name: &str) -> CliResult<()> {
    let segment = known(session, name).await?;
    let members = count(session, &segment.name).await?;
    println!(
        "{}: {}\nmembers: {members}\n\n{}",
        segment.name, segment.description, segment.sql
    );
    Ok(())
}

async fn snapshot(session: &AmigoSession) -> CliResult<()> {
    let names = catalog_names(session).await?;
    if names.is_empty() {
        return Err("no segment installed: run `amigo segment install`".into());
    }
    let current: Vec<String> = names
        .iter()
        .map(|name| {
            format!(
                "SELECT DISTINCT {} AS segment, unified_id FROM segments.{name}",
                literal(name)
            )
        })
        .collect();
    // One time for the whole snapshot, so its entries and exits can be found again.
    let at = first_string(session, "SELECT CAST(now() AS VARCHAR)").await?;
    let at = format!("CAST({} AS TIMESTAMP)", literal(&at));
    let sql = format!(
        "CREATE OR REPLACE TABLE segments.membership AS
         WITH current_members AS ({current}),
         open_rows AS (SELECT * FROM segments.membership WHERE left_at IS NULL)
         SELECT segment, unified_id, entered_at, left_at
         FROM segments.membership WHERE left_at IS NOT NULL
         UNION ALL
         SELECT o.segment, o.unified_id, o.entered_at,
                CASE WHEN c.unified_id IS NULL THEN {at} END
         FROM open_rows o
         LEFT JOIN current_members c ON c.segment = o.segment AND c.unified_id = o.unified_id
         UNION ALL
         SELECT c.segment, c.unified_id, {at}, CAST(NULL AS TIMESTAMP)
         FROM current_members c
         LEFT JOIN open_rows o ON o.segment = c.segment AND o.unified_id = c.unified_id
         WHERE o.unified_id IS NULL",
        current = current.join(" UNION ALL ")
    );
    session.execute(&sql).await.map_err(|e| root_message(&e))?;
    let summary = format!(
        "SELECT segment,
                count(*) FILTER (WHERE entered_at = {at}) AS entered,
                count(*) FILTER (WHERE left_at = {at}) AS left,
                count(*) FILTER (WHERE left_at IS NULL) AS members
         FROM segments.membership GROUP BY segment ORDER BY segment"
    );
    let frame = rows(session, &summary).await?;
    let mut writer = ResultWriter::new(Format::Auto, None)?;
    writer.write(frame).await.map_err(|e| root_message(&e))?;
    writer.finish()
}

async fn count(session: &AmigoSession, name: &str) -> CliResult<i64> {
    let frame = rows(session, &format!("SELECT count(*) FROM segments.{name}")).await?;
    let batches = frame.collect().await.map_err(|e| root_message(&e))?;
    batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .map(|b| b.column(0).as_primitive::<Int64Type>().value(0))
        .ok_or_else(|| format!("segment {name}: the count returned no row"))
}

/// The catalog entry of segment `name`, or an error listing the installed ones.
async fn known(session: &AmigoSession, name: &str) -> CliResult<SegmentFile> {
    let names = catalog_names(session).await?;
    if !names.iter().any(|n| n == name) {
        return Err(format!(
            "no segment named {name} (installed: {}; `amigo segment install` adds the built-in ones)",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ));
    }
    let description = first_string(
        session,
        &format!(
            "SELECT description FROM segments.catalog WHERE name = {}",
            literal(name)
        ),
    )
    .await?;
    let sql = first_string(
        session,
        &format!(
            "SELECT definition FROM segments.catalog WHERE name = {}",
            literal(name)
        ),
    )
    .await?;
    Ok(SegmentFile {
        name: name.to_owned(),
        description,
        file: String::new(),
        sql,
    })
}

async fn catalog_names(session: &AmigoSession) -> CliResult<Vec<String>> {
    strings(
        session,
        "SELECT DISTINCT name FROM segments.catalog ORDER BY name",
    )
    .await
}

async fn rows(session: &AmigoSession, sql: &str) -> CliResult<datafusion::prelude::DataFrame> {
    match session.execute(sql).await {
        Ok(Outcome::Rows(frame)) => Ok(frame),
        Ok(Outcome::Done(message)) => Err(message),
        Err(e) => {
            let message = root_message(&e);
            if message.contains("segments.catalog") && message.contains("not found") {
                Err("no segment installed: run `amigo segment install`".into())
            } else {
                Err(message)
            }
        }
    }
}

async fn strings(session: &AmigoSession, sql: &str) -> CliResult<Vec<String>> {
    let batches = rows(session, sql)
        .await?
        .collect()
        .await
        .map_err(|e| root_message(&e))?;
    first_column_strings(&batches)
}

async fn first_string(session: &AmigoSession, sql: &str) -> CliResult<String> {
    strings(session, sql)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no row from: {sql}"))
}

fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The built-in files: the set-up file and the segments, sorted by file name.
fn builtin_files() -> CliResult<(String, Vec<SegmentFile>)> {
    split_files(sql_files::embedded(&SEGMENT_SQL), "sql/segments")
}

fn files_from_dir(dir: &Path) -> CliResult<(String, Vec<SegmentFile>)> {
    split_files(sql_files::read_dir(dir)?, &dir.display().to_string())
}

fn split_files(
    mut files: Vec<(String, String)>,
    dir: &str,
) -> CliResult<(String, Vec<SegmentFile>)> {
    files.sort();
    let mut setup = None;
    let mut segments = Vec::new();
    for (name, sql) in files {
        if name == SETUP_FILE {
            setup = Some(sql);
        } else {
            segments.push(parse_segment(&format!("{dir}/{name}"), &sql)?);
        }
    }
    let setup = setup.ok_or_else(|| format!("{dir}: no {SETUP_FILE}"))?;
    Ok((setup, segments))
}

/// Reads a segment file's header (`-- segment: name`, `-- description: text`) and checks that
/// it defines the view of that name.
fn parse_segment(file: &str, sql: &str) -> CliResult<SegmentFile> {
    let header = |key: &str| {
        sql.lines()
            .take_while(|line| line.starts_with("--"))
            .find_map(|line| {
                line.trim_start_matches('-')
                    .trim()
                    .strip_prefix(key)
                    .map(|value| value.trim().to_owned())
            })
            .filter(|value| !value.is_empty())
    };
    let name = header("segment:")
        .ok_or_else(|| format!("{file}: the header has no `-- segment: name` line"))?;
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "{file}: segment name {name:?}: use lower-case letters, digits and _"
        ));
    }
    let description = header("description:")
        .ok_or_else(|| format!("{file}: the header has no `-- description: text` line"))?;
    if !sql.contains(&format!("VIEW segments.{name} ")) {
        return Err(format!(
            "{file}: segment {name} must define `CREATE OR REPLACE VIEW segments.{name} AS ...`"
        ));
    }
    Ok(SegmentFile {
        name,
        description,
        file: file.to_owned(),
        sql: sql.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_segments_parse() {
        let (setup, segments) = builtin_files().expect("built-in files");
        assert!(setup.contains("segments.customer_value"));
        let names: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
        for expected in ["vip", "premium", "standard", "lapsed", "cross_sell"] {
            assert!(names.contains(&expected), "{names:?}");
        }
    }

    #[test]
    fn a_bad_header_is_named() {
        let error = parse_segment("x.sql", "SELECT 1").unwrap_err();
        assert!(error.contains("x.sql: the header has no `-- segment: name`"));
        let error = parse_segment(
            "y.sql",
            "-- segment: big\n-- description: d\nCREATE VIEW segments.small AS SELECT 1",
        )
        .unwrap_err();
        assert!(error.contains("must define"), "{error}");
        let error = parse_segment("z.sql", "-- segment: Big Spenders\n").unwrap_err();
        assert!(error.contains("lower-case"), "{error}");
    }
}
