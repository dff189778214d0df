//! `amigo journey`: marketing journeys as SQL state — who is due for which step on the
//! reference date, and a deliveries log so nobody gets the same step twice.
//!
//! The journeys are the files of `sql/journeys/` (or of `--sql-dir`): `00_journeys.sql` (the
//! steps and the deliveries table), one `CREATE OR REPLACE VIEW journeys.<name>` per journey,
//! and `99_due.sql` (their union, less what was delivered). They read the segments' views, so
//! `amigo segment install` comes first.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use include_dir::{Dir, include_dir};

use super::output::{Format, ResultWriter, first_column_strings};
use super::resolve::run_script;
use super::sql_files;
use super::{CliResult, LakeArgs};
use crate::lake::Lake;
use crate::session::{AmigoSession, Outcome, root_message};

static JOURNEY_SQL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sql/journeys");

#[derive(Debug, Args)]
pub struct JourneyArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    #[command(subcommand)]
    pub command: JourneyCommand,
}

#[derive(Debug, Subcommand)]
pub enum JourneyCommand {
    /// Create (or update) the journeys' views, the steps and the deliveries table
    Install {
        /// The journey files of this directory instead of the built-in sql/journeys
        #[arg(long, value_name = "DIR")]
        sql_dir: Option<PathBuf>,
    },
    /// Every step with its timing, and how many people are due and were delivered
    List {
        #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
        format: Format,
    },
    /// Who is due for which step on the reference date (`amigo segment as-of`)
    Due {
        /// Only this journey
        #[arg(long)]
        journey: Option<String>,
        #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
        format: Format,
    },
    /// Record the due steps as delivered, so they are never due again
    Deliver {
        /// Only this journey
        #[arg(long)]
        journey: Option<String>,
    },
}

pub async fn run(args: JourneyArgs) -> CliResult<()> {
    let lake = Lake::open(&args.lake.lake)
        .await
        .map_err(|e| e.to_string())?;
    let session = AmigoSession::open(lake)
        .await
        .map_err(|e| format!("opening lake {}: {}", args.lake.lake, root_message(&e)))?;
    match args.command {
        JourneyCommand::Install { sql_dir } => install(&session, sql_dir.as_deref()).await,
        JourneyCommand::List { format } => {
            let sql = "SELECT s.journey, s.step, s.offset_days, s.catch_up_days,
                              (SELECT count(*) FROM journeys.due d
                               WHERE d.journey = s.journey AND d.step = s.step) AS due,
                              (SELECT count(*) FROM journeys.deliveries x
                               WHERE x.journey = s.journey AND x.step = s.step) AS delivered
                       FROM journeys.steps s ORDER BY s.journey, s.offset_days, s.step";
            print(&session, sql, format).await
        }
        JourneyCommand::Due { journey, format } => {
            let filter = journey_filter(&session, journey.as_deref()).await?;
            eprintln!("reference date {}", reference_date(&session).await?);
            let sql = format!(
                "SELECT * FROM journeys.due {filter} ORDER BY journey, step, unified_id, occasion"
            );
            print(&session, &sql, format).await
        }
        JourneyCommand::Deliver { journey } => deliver(&session, journey.as_deref()).await,
    }
}

async fn install(session: &AmigoSession, sql_dir: Option<&Path>) -> CliResult<()> {
    if query(session, "SELECT 1 FROM segments.customer_value LIMIT 0")
        .await
        .is_err()
    {
        return Err(
            "the journeys read the segments' views: run `amigo segment install` first".into(),
        );
    }
    let files = match sql_dir {
        Some(dir) => sql_files::read_dir(dir)?,
        None => sql_files::embedded(&JOURNEY_SQL),
    };
    for (name, sql) in ordered(files)? {
        run_script(session, &name, &sql, None, false).await?;
        eprintln!("installed {name}");
    }
    Ok(())
}

/// The set-up file first, the union last, the journeys between in name order.
fn ordered(mut files: Vec<(String, String)>) -> CliResult<Vec<(String, String)>> {
    files.sort();
    for required in ["00_journeys.sql", "99_due.sql"] {
        if !files.iter().any(|(name, _)| name == required) {
            return Err(format!("the journey files have no {required}"));
        }
    }
    let (due, mut rest): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|(name, _)| name == "99_due.sql");
    rest.extend(due);
    Ok(rest)
}

/// Records every due step (of one journey, or all) in journeys.deliveries in one statement,
/// then prints how many per step.
async fn deliver(session: &AmigoSession, journey: Option<&str>) -> CliResult<()> {
    let filter = journey_filter(session, journey).await?;
    eprintln!("reference date {}", reference_date(session).await?);
    // One time for the whole delivery, so its rows can be found again for the summary.
    let at = first_column_strings(
        &query(session, "SELECT CAST(now() AS VARCHAR)")
            .await?
            .collect()
            .await
            .map_err(|e| root_message(&e))?,
    )?
    .into_iter()
    .next()
    .ok_or("now() returned no row")?;
    let at = format!("CAST('{at}' AS TIMESTAMP)");
    let insert = format!(
        "INSERT INTO journeys.deliveries
         SELECT journey, step, unified_id, occasion, due_on, detail, {at}
         FROM journeys.due {filter}"
    );
    match session.execute(&insert).await {
        Ok(Outcome::Done(message)) => eprintln!("{message}"),
        Ok(Outcome::Rows(_)) => {}
        Err(e) => return Err(not_installed(root_message(&e))),
    }
    let summary = format!(
        "SELECT journey, step, count(*) AS delivered FROM journeys.deliveries
         WHERE delivered_at = {at} GROUP BY journey, step ORDER BY journey, step"
    );
    print(session, &summary, Format::Auto).await
}

/// `WHERE journey = '<name>'` for a known journey, or nothing.
async fn journey_filter(session: &AmigoSession, journey: Option<&str>) -> CliResult<String> {
    let Some(journey) = journey else {
        return Ok(String::new());
    };
    let names = first_column_strings(
        &query(
            session,
            "SELECT DISTINCT journey FROM journeys.steps ORDER BY journey",
        )
        .await?
        .collect()
        .await
        .map_err(|e| root_message(&e))?,
    )?;
    if !names.iter().any(|name| name == journey) {
        return Err(format!(
            "--journey {journey}: no such journey (there are: {})",
            names.join(", ")
        ));
    }
    Ok(format!("WHERE journey = '{journey}'"))
}

async fn reference_date(session: &AmigoSession) -> CliResult<String> {
    let batches = query(
        session,
        "SELECT CAST(as_of AS VARCHAR) FROM segments.reference_date",
    )
    .await?
    .collect()
    .await
    .map_err(|e| root_message(&e))?;
    first_column_strings(&batches)?
        .into_iter()
        .next()
        .ok_or_else(|| "segments.reference_date returned no row".into())
}

async fn print(session: &AmigoSession, sql: &str, format: Format) -> CliResult<()> {
    let frame = query(session, sql).await?;
    let mut writer = ResultWriter::new(format, None)?;
    writer.write(frame).await.map_err(|e| root_message(&e))?;
    writer.finish()
}

async fn query(session: &AmigoSession, sql: &str) -> CliResult<datafusion::prelude::DataFrame> {
    match session.execute(sql).await {
        Ok(Outcome::Rows(frame)) => Ok(frame),
        Ok(Outcome::Done(message)) => Err(message),
        Err(e) => Err(not_installed(root_message(&e))),
    }
}

/// A missing journeys table means the journeys were never installed: say what to run.
fn not_installed(message: String) -> String {
    if message.contains("journeys.") && message.contains("not found") {
        format!("{message}\n  the journeys are not installed: run `amigo journey install`")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_up_first_union_last() {
        let files = ["b.sql", "99_due.sql", "00_journeys.sql", "a.sql"]
            .map(|name| (name.to_owned(), String::new()))
            .to_vec();
        let names: Vec<String> = ordered(files)
            .expect("ordered")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(names, ["00_journeys.sql", "a.sql", "b.sql", "99_due.sql"]);
        let error = ordered(vec![("a.sql".into(), String::new())]).unwrap_err();
        assert!(error.contains("00_journeys.sql"), "{error}");
    }
}
