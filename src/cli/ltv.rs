//! `amigo ltv`: run the lifetime-value SQL pipeline (`sql/ltv/NN_step.sql`): customer
//! summaries, BG/NBD and Gamma-Gamma fits, scores and CLV, RFM, the data-quality view and
//! co-purchase recommendations.
//!
//! As with `amigo resolve`, the SQL files are compiled into the binary and `--sql-dir` runs a
//! changed copy instead.

use std::path::PathBuf;
use std::time::Instant;

use arrow::util::display::array_value_to_string;
use chrono::NaiveDate;
use clap::Args;
use include_dir::{Dir, include_dir};

use super::resolve::{open, run_script};
use super::sql_files::{self, Step};
use super::{CliResult, LakeArgs};
use crate::session::{AmigoSession, root_message};

static LTV_SQL: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/sql/ltv");

#[derive(Debug, Args)]
pub struct LtvArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    /// Last day of the observation period (YYYY-MM-DD), saved in analytics.ltv_settings;
    /// without it, the saved one (by default the day of the latest order)
    #[arg(long, value_name = "DATE")]
    pub cutoff: Option<NaiveDate>,
    /// Run only this step (settings, summary, models, scores, rfm, quality, recommendations)
    #[arg(long, value_name = "STEP")]
    pub step: Option<String>,
    /// Run the NN_step.sql files of this directory instead of the built-in sql/ltv
    #[arg(long, value_name = "DIR")]
    pub sql_dir: Option<PathBuf>,
}

pub async fn run(args: LtvArgs) -> CliResult<()> {
    let steps = match &args.sql_dir {
        Some(dir) => sql_files::steps_from_dir(dir, "01_summary.sql")?,
        None => builtin_steps(),
    };
    let selected = sql_files::select(&steps, args.step.as_deref(), &[])?;
    let session = open(&args.lake).await?;
    if let Some(cutoff) = args.cutoff {
        // The settings table must exist before it is updated.
        if let Some(settings) = steps.iter().find(|s| s.name == "settings") {
            run_script(&session, &settings.file, &settings.sql, None, false).await?;
        }
        // A NaiveDate prints as YYYY-MM-DD: nothing to escape.
        let sql = format!("UPDATE analytics.ltv_settings SET cutoff = DATE '{cutoff}'");
        run_script(&session, "--cutoff", &sql, None, false).await?;
    }
    let started = Instant::now();
    for (index, step) in selected.iter().enumerate() {
        eprintln!("[{}/{}] {}", index + 1, selected.len(), step.name);
        let step_started = Instant::now();
        run_script(&session, &step.file, &step.sql, None, true).await?;
        if step.name == "summary" {
            warn_unconverted_orders(&session).await?;
        }
        eprintln!(
            "      {} done in {:.2} s",
            step.name,
            step_started.elapsed().as_secs_f64()
        );
    }
    eprintln!("ltv done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Orders that would count but whose currency has no rate in segments.fx_rates: the summary
/// leaves them out (as sql/segments does), so say so rather than lose them silently.
const UNCONVERTED_ORDERS_SQL: &str = "\
    SELECT coalesce(o.currency, 'NULL') AS missing_currency, count(*) AS orders
    FROM raw.orders o
    JOIN unified.customer_links l
      ON l.source_system = o.source_system AND l.source_id = o.customer_source_id
    LEFT JOIN segments.fx_rates f ON f.currency = o.currency
    WHERE o.status IN ('completed', 'partially_returned') AND f.currency IS NULL
    GROUP BY 1 ORDER BY 1";

async fn warn_unconverted_orders(session: &AmigoSession) -> CliResult<()> {
    let checked = |e: datafusion::error::DataFusionError| {
        format!(
            "counting orders without an exchange rate: {}",
            root_message(&e)
        )
    };
    let batches = session
        .context()
        .sql(UNCONVERTED_ORDERS_SQL)
        .await
        .map_err(checked)?
        .collect()
        .await
        .map_err(checked)?;
    let mut missing = Vec::new();
    for batch in &batches {
        for row in 0..batch.num_rows() {
            // Displayed whatever their Arrow types: this only builds a message.
            let cell = |column: usize| {
                array_value_to_string(batch.column(column), row).unwrap_or_default()
            };
            missing.push(format!("{} {}", cell(1), cell(0)));
        }
    }
    if !missing.is_empty() {
        eprintln!(
            "      warning: orders left out, no rate in segments.fx_rates: {}",
            missing.join(", ")
        );
    }
    Ok(())
}

fn builtin_steps() -> Vec<Step> {
    sql_files::steps(sql_files::embedded(&LTV_SQL), "sql/ltv", "")
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
                "settings",
                "summary",
                "models",
                "scores",
                "rfm",
                "quality",
                "recommendations"
            ]
        );
    }
}
