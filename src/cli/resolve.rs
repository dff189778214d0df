//! `amigo resolve` and `amigo evaluate`: run the identity-resolution SQL pipeline
//! (`sql/identity/NN_step.sql`) and measure it against a ground truth
//! (`sql/quality/identity_accuracy.sql`).
//!
//! The SQL files are the product: they are compiled into the binary so `amigo resolve` works
//! anywhere, and `--sql-dir` runs a copy a user has changed instead.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use datafusion::common::{ParamValues, ScalarValue};
use include_dir::{Dir, include_dir};

use super::output::{Format, ResultWriter};
use super::sql_files::{self, Step};
use super::{CliResult, LakeArgs};
use crate::lake::Lake;
use crate::script::{required_tables, split_statements};
use crate::serve::customer_360::snapshot;
use crate::session::{AmigoSession, Outcome, root_message};

static IDENTITY_SQL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sql/identity");
/// The steps an incremental run takes instead of the first six.
static INCREMENTAL_SQL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sql/identity/incremental");
/// Steps that run after identity resolution: corrections (rectifications) over the golden
/// records, then consent per unified customer.
static GDPR_SQL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sql/gdpr");
static CONSENT_SQL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sql/consent");
const ACCURACY_SQL: &str = include_str!("../../sql/quality/identity_accuracy.sql");
/// Levels, weights and probability of any two records under the stored model ($1, $2).
const EXPLAIN_PAIR_SQL: &str = include_str!("../../sql/identity/explain_pair.sql");

#[derive(Debug, Args)]
pub struct ResolveArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    /// Run only this step (normalize, block, compare, score, decide, cluster, survive, audit,
    /// overrides, consent_history, consent_state, consent_audiences, customer_360)
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// Print the step's SQL and the plan of each statement instead of running it (needs --step)
    #[arg(long, requires = "step")]
    pub explain: bool,
    /// Run the NN_step.sql files of this directory instead of the built-in sql/identity (the
    /// overrides and consent steps still follow)
    #[arg(long, value_name = "DIR")]
    pub sql_dir: Option<PathBuf>,
    /// Explain how two source records compare (each comparison's level and weight, the total
    /// match weight and probability) under the stored model, with
    /// sql/identity/explain_pair.sql, instead of running the pipeline; the pair need not have
    /// been blocked together
    #[arg(
        long,
        num_args = 2,
        value_names = ["RECORD_A", "RECORD_B"],
        conflicts_with_all = ["step", "explain"]
    )]
    pub explain_pair: Option<Vec<String>>,
    /// Match only the records added or changed since the last run against the existing
    /// clusters (sql/identity/incremental), with the last full run's rules and model, instead
    /// of resolving everything again
    #[arg(long, conflicts_with_all = ["step", "explain", "sql_dir", "explain_pair"])]
    pub incremental: bool,
    /// Result format of --explain-pair
    #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ConsentArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    /// Result format
    #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
    pub format: Format,
}

pub async fn run(args: ResolveArgs) -> CliResult<()> {
    if let Some(pair) = &args.explain_pair {
        let [a, b] = pair.as_slice() else {
            return Err("--explain-pair takes two record ids".into());
        };
        let session = open(&args.lake).await?;
        return explain_pair(&session, a, b, args.format).await;
    }
    let mut steps = match &args.sql_dir {
        Some(dir) => sql_files::steps_from_dir(dir, "01_normalize.sql")?,
        None if args.incremental => incremental_steps(),
        None => builtin_steps(),
    };
    steps.extend(after_identity_steps());
    if args.step.as_deref() == Some(CUSTOMER_360_STEP) {
        if args.explain {
            return Err(format!(
                "the {CUSTOMER_360_STEP} step runs sql/serve/customer_360.sql for every customer: \
                 explain that statement with `amigo sql` (EXPLAIN, with $1 NULL and $2, $3 a \
                 range of unified ids)"
            ));
        }
        let session = open(&args.lake).await?;
        return build_customer_360(&session, true).await;
    }
    let steps = sql_files::select(&steps, args.step.as_deref(), &[CUSTOMER_360_STEP])?;
    let session = open(&args.lake).await?;
    if args.explain {
        for step in &steps {
            explain(&session, step).await?;
        }
        return Ok(());
    }
    if args.incremental {
        check_full_run_done(&session)?;
    }
    upgrade_merge_log(&session).await?;
    crate::gdpr::ensure_correction_input(&session).await?;
    let started = Instant::now();
    run_steps(&session, &steps).await?;
    if args.step.is_none() {
        eprintln!("[last] {CUSTOMER_360_STEP}");
        build_customer_360(&session, true).await?;
    }
    eprintln!("resolved in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// `amigo consent`: only the consent steps (history, state and timeline per unified customer).
pub async fn consent(args: ConsentArgs) -> CliResult<()> {
    let session = open(&args.lake).await?;
    let steps = consent_steps();
    run_steps(&session, &steps.iter().collect::<Vec<_>>()).await
}

/// Runs the whole pipeline with the built-in SQL on an open session, quietly: what `amigo gdpr`
/// uses to rebuild the unified tables after an erasure.
pub async fn resolve_all(session: &AmigoSession) -> CliResult<()> {
    let mut steps = builtin_steps();
    steps.extend(after_identity_steps());
    upgrade_merge_log(session).await?;
    for step in &steps {
        if missing_inputs(session, &step.sql).is_empty() {
            run_script(session, &step.file, &step.sql, None, false).await?;
        }
    }
    build_customer_360(session, false).await
}

/// The step after the pipeline: the 360° lookup's stored index.
const CUSTOMER_360_STEP: &str = "customer_360";

/// Stores every customer's 360° view for the server's lookup (see
/// `src/serve/customer_360/snapshot.rs`); skipped, like a SQL step, when a table it reads is
/// not in the lake.
async fn build_customer_360(session: &AmigoSession, verbose: bool) -> CliResult<()> {
    if let Err(e) = snapshot::input_tables(session).await {
        if verbose {
            eprintln!("      skipped: {e}");
        }
        return Ok(());
    }
    let started = Instant::now();
    let report = snapshot::build(session).await?;
    if verbose {
        eprintln!(
            "      {CUSTOMER_360_STEP} done in {:.2} s: {} customers' views, {} lookup keys, \
             in {} slice(s)",
            started.elapsed().as_secs_f64(),
            report.customers,
            report.keys,
            report.slices
        );
    }
    Ok(())
}

/// Runs the consent steps quietly on an open session: what an opposition uses to make an
/// opt-out effective at once.
pub async fn run_consent(session: &AmigoSession) -> CliResult<()> {
    for step in consent_steps() {
        if missing_inputs(session, &step.sql).is_empty() {
            run_script(session, &step.file, &step.sql, None, false).await?;
        }
    }
    Ok(())
}

async fn run_steps(session: &AmigoSession, steps: &[&Step]) -> CliResult<()> {
    for (index, step) in steps.iter().enumerate() {
        eprintln!("[{}/{}] {}", index + 1, steps.len(), step.name);
        let missing = missing_inputs(session, &step.sql);
        if !missing.is_empty() {
            eprintln!(
                "      skipped: {} not in the lake ({} names what it reads)",
                missing.join(", "),
                step.file
            );
            continue;
        }
        let step_started = Instant::now();
        run_script(session, &step.file, &step.sql, None, true).await?;
        eprintln!(
            "      {} done in {:.2} s",
            step.name,
            step_started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

pub async fn evaluate(args: EvaluateArgs) -> CliResult<()> {
    let session = open(&args.lake).await?;
    let mut writer = ResultWriter::new(args.format, None)?;
    run_script(
        &session,
        "sql/quality/identity_accuracy.sql",
        ACCURACY_SQL,
        Some(&mut writer),
        true,
    )
    .await?;
    writer.finish()
}

pub(crate) async fn open(lake: &LakeArgs) -> CliResult<AmigoSession> {
    let opened = Lake::open(&lake.lake).await.map_err(|e| e.to_string())?;
    AmigoSession::open(opened)
        .await
        .map_err(|e| format!("opening lake {}: {}", lake.lake, root_message(&e)))
}

/// The tables a script's `-- requires:` header names that the lake does not have.
pub(crate) fn missing_inputs(session: &AmigoSession, sql: &str) -> Vec<String> {
    required_tables(sql)
        .into_iter()
        .filter(|table| {
            !session
                .context()
                .table_exist(table.as_str())
                .unwrap_or(false)
        })
        .collect()
}

/// Runs every statement of `sql`, printing what each changed; query results go to `writer`
/// (or are an error when there is none: pipeline steps only change tables).
pub(crate) async fn run_script(
    session: &AmigoSession,
    file: &str,
    sql: &str,
    mut writer: Option<&mut ResultWriter>,
    verbose: bool,
) -> CliResult<()> {
    for statement in split_statements(sql) {
        let located = |message: String| format!("{file}:{}: {message}", statement.line);
        let started = Instant::now();
        match session.execute(&statement.sql).await {
            Ok(Outcome::Done(message)) => {
                if verbose {
                    // Each statement's time: where a slow step spends it.
                    eprintln!(
                        "      {message} in {:.2} s",
                        started.elapsed().as_secs_f64()
                    );
                }
            }
            Ok(Outcome::Rows(frame)) => match writer.as_deref_mut() {
                Some(writer) => {
                    writer
                        .write(frame)
                        .await
                        .map_err(|e| located(root_message(&e)))?;
                }
                None => return Err(located("a pipeline step must not return rows".into())),
            },
            Err(e) => {
                return Err(format!(
                    "{}\n  the statements before it are committed; this one changed nothing",
                    located(root_message(&e))
                ));
            }
        }
    }
    Ok(())
}

/// A merge log written before events recorded what fired and the golden records before and
/// after gets those columns, empty for its old rows, so this run can append to it.
async fn upgrade_merge_log(session: &AmigoSession) -> CliResult<()> {
    let Ok(table) = session.context().table_provider("unified.merge_log").await else {
        return Ok(());
    };
    if table.schema().column_with_name("fired").is_some() {
        return Ok(());
    }
    session
        .execute(
            "CREATE OR REPLACE TABLE unified.merge_log AS SELECT *, CAST(NULL AS VARCHAR) AS fired, \
             CAST(NULL AS VARCHAR) AS golden_before, CAST(NULL AS VARCHAR) AS golden_after \
             FROM unified.merge_log",
        )
        .await
        .map_err(|e| format!("adding the new columns to unified.merge_log: {}", root_message(&e)))?;
    eprintln!("unified.merge_log: added the columns fired, golden_before and golden_after");
    Ok(())
}

/// Prints sql/identity/explain_pair.sql's rows for records `a` and `b`.
async fn explain_pair(session: &AmigoSession, a: &str, b: &str, format: Format) -> CliResult<()> {
    for table in ["identity.records", "identity.fs_trained_model"] {
        if !session.context().table_exist(table).unwrap_or(false) {
            return Err(format!(
                "--explain-pair: {table} is not in the lake; run `amigo resolve` first"
            ));
        }
    }
    for id in [a, b] {
        let found = query_with(
            session,
            "SELECT record_id FROM identity.records WHERE record_id = $1",
            &[id],
        )
        .await?;
        if found.count().await.map_err(|e| root_message(&e))? == 0 {
            return Err(format!(
                "--explain-pair: no source record {id:?} in identity.records (record ids are \
                 source_system:source_id, such as cegid:C000102307)"
            ));
        }
    }
    let Some(statement) = split_statements(EXPLAIN_PAIR_SQL).into_iter().next() else {
        return Err("internal: sql/identity/explain_pair.sql holds no statement".into());
    };
    let frame = query_with(session, &statement.sql, &[a, b])
        .await
        .map_err(|e| format!("sql/identity/explain_pair.sql:{}: {e}", statement.line))?;
    let mut writer = ResultWriter::new(format, None)?;
    writer.write(frame).await.map_err(|e| root_message(&e))?;
    writer.finish()
}

/// Runs a query with `$1, $2 ...` bound to `params` (strings), as a prepared statement would.
async fn query_with(
    session: &AmigoSession,
    sql: &str,
    params: &[&str],
) -> CliResult<datafusion::dataframe::DataFrame> {
    let values: Vec<ScalarValue> = params.iter().map(|p| ScalarValue::from(*p)).collect();
    let plan = session
        .plan(sql)
        .await
        .and_then(|plan| plan.with_param_values(ParamValues::from(values)))
        .map_err(|e| root_message(&e))?;
    match session
        .execute_plan(sql, plan)
        .await
        .map_err(|e| root_message(&e))?
    {
        Outcome::Rows(frame) => Ok(frame),
        Outcome::Done(message) => Err(format!("expected rows, got: {message}")),
    }
}

async fn explain(session: &AmigoSession, step: &Step) -> CliResult<()> {
    println!(
        "-- step {} ({})\n{}",
        step.name,
        step.file,
        step.sql.trim_end()
    );
    for statement in split_statements(&step.sql) {
        println!(
            "\n-- plan of the statement at {}:{}",
            step.file, statement.line
        );
        match session.plan(&statement.sql).await {
            Ok(plan) => println!("{}", plan.display_indent()),
            // A table made by an earlier statement of the step may not exist yet.
            Err(e) => println!("(not planned: {})", root_message(&e)),
        }
    }
    Ok(())
}

fn builtin_steps() -> Vec<Step> {
    sql_files::steps(sql_files::embedded(&IDENTITY_SQL), "sql/identity", "")
}

/// An incremental run's steps: its own first six (new and changed records only), then the
/// pipeline's survive and audit steps, which work on whatever clusters the run reassessed.
fn incremental_steps() -> Vec<Step> {
    let mut steps = sql_files::steps(
        sql_files::embedded(&INCREMENTAL_SQL),
        "sql/identity/incremental",
        "",
    );
    steps.extend(
        builtin_steps()
            .into_iter()
            .filter(|s| matches!(s.name.as_str(), "survive" | "audit")),
    );
    steps
}

/// An incremental run reuses the views, model and clusters of a full run.
fn check_full_run_done(session: &AmigoSession) -> CliResult<()> {
    let has = |table: &str| session.context().table_exist(table).unwrap_or(false);
    let needed = [
        "identity.fs_trained_model",
        "identity.linked_pairs",
        "unified.customer_links",
    ];
    match needed.iter().find(|t| !has(t)) {
        Some(missing) => Err(format!(
            "--incremental matches new records against the last full run, and this lake has \
             none ({missing} is missing): run `amigo resolve` first, with the built-in SQL \
             or a copy that still defines the views sql/identity/incremental reads"
        )),
        None => Ok(()),
    }
}

/// The overrides step, then the consent steps (named `consent_<step>`).
fn after_identity_steps() -> Vec<Step> {
    let mut steps = sql_files::steps(sql_files::embedded(&GDPR_SQL), "sql/gdpr", "");
    steps.extend(consent_steps());
    steps
}

fn consent_steps() -> Vec<Step> {
    sql_files::steps(sql_files::embedded(&CONSENT_SQL), "sql/consent", "consent_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_steps_are_the_pipeline_in_order() {
        let names: Vec<String> = builtin_steps().into_iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "normalize",
                "block",
                "compare",
                "score",
                "decide",
                "cluster",
                "survive",
                "audit"
            ]
        );
        let incremental: Vec<String> = incremental_steps().into_iter().map(|s| s.name).collect();
        assert_eq!(
            incremental,
            [
                "delta", "block", "compare", "score", "decide", "cluster", "survive", "audit"
            ]
        );
        let after: Vec<String> = after_identity_steps().into_iter().map(|s| s.name).collect();
        assert_eq!(
            after,
            [
                "overrides",
                "consent_history",
                "consent_state",
                "consent_audiences"
            ]
        );
    }
}
