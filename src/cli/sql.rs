//! `amigo sql`: run SQL statements over the lake, in order, from `-c`, `-f` files or stdin.
//!
//! Each statement runs and commits on its own. When one fails, the run stops there: the error
//! names the file and line of the statement, what earlier statements committed stays in the
//! lake, and the exit status is non-zero.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::Args;

use super::output::{Format, ResultWriter};
use super::{CliResult, LakeArgs};
use crate::lake::Lake;
use crate::script::split_statements;
use crate::session::{AmigoSession, Outcome, root_message};

#[derive(Debug, Args)]
pub struct SqlArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    /// SQL to run (one or more statements); may be repeated, runs before any -f file
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub commands: Vec<String>,
    /// SQL script to run; may be repeated, files run in the order given
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Result format
    #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
    pub format: Format,
    /// Write results to this file instead of standard output (replaced only on success)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A statement and where it came from.
struct Located {
    source: String,
    line: usize,
    sql: String,
}

pub async fn run(args: SqlArgs) -> CliResult<()> {
    // Read every input before running anything, so an unreadable file changes nothing.
    let mut sources: Vec<(String, String)> = Vec::new();
    for (i, command) in args.commands.iter().enumerate() {
        let name = if args.commands.len() == 1 {
            "-c".to_string()
        } else {
            format!("-c #{}", i + 1)
        };
        sources.push((name, command.clone()));
    }
    for file in &args.files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        sources.push((file.display().to_string(), text));
    }
    if sources.is_empty() {
        let mut stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(
                "no SQL given: use -c SQL, -f FILE, or pipe statements on standard input".into(),
            );
        }
        let mut text = String::new();
        stdin
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        sources.push(("<stdin>".to_string(), text));
    }
    let statements: Vec<Located> = sources
        .iter()
        .flat_map(|(source, text)| {
            split_statements(text).into_iter().map(|s| Located {
                source: source.clone(),
                line: s.line,
                sql: s.sql,
            })
        })
        .collect();
    if statements.is_empty() {
        return Err("the SQL given holds no statement".into());
    }

    let lake = Lake::open(&args.lake.lake)
        .await
        .map_err(|e| e.to_string())?;
    let session = AmigoSession::open(lake)
        .await
        .map_err(|e| format!("opening lake {}: {}", args.lake.lake, root_message(&e)))?;
    for warning in session.broken_views() {
        eprintln!("warning: {warning}");
    }

    let mut writer = ResultWriter::new(args.format, args.output.as_deref())?;
    let mut changes = 0;
    for (index, statement) in statements.iter().enumerate() {
        let result = match session.execute(&statement.sql).await {
            Ok(Outcome::Rows(frame)) => writer.write(frame).await.map(|_| ()),
            Ok(Outcome::Done(message)) => {
                eprintln!("{message}");
                changes += 1;
                Ok(())
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            writer.discard();
            let not_run = statements.len() - index - 1;
            let kept = if changes == 0 {
                "no earlier statement changed the lake".to_string()
            } else {
                format!(
                    "the {changes} earlier statement(s) that changed the lake are committed and kept"
                )
            };
            return Err(format!(
                "{}:{}: {}\n  {kept}; this statement changed nothing; {not_run} statement(s) after it were not run",
                statement.source,
                statement.line,
                root_message(&e)
            ));
        }
    }
    writer.finish()
}
