//! `amigo decide`: a data steward's match decisions, recorded in `unified.match_decisions` and
//! respected by every later `amigo resolve` (sql/identity/05_decide.sql reads them). The same
//! rows can be written with SQL `INSERT`; this command checks the record ids first and fills
//! in who and when.

use arrow::array::RecordBatch;
use clap::{Args, Subcommand};

use super::output::{Format, ResultWriter, first_column_strings};
use super::{CliResult, LakeArgs};
use crate::lake::Lake;
use crate::session::{AmigoSession, Outcome, root_message};

#[derive(Debug, Args)]
pub struct DecideArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    #[command(subcommand)]
    pub decision: Decision,
}

#[derive(Debug, Subcommand)]
pub enum Decision {
    /// These two records are different people: never in the same cluster
    CannotLink(PairArgs),
    /// These two records are the same person: always in the same cluster
    MustLink(PairArgs),
    /// Take a record out of its current cluster: a cannot-link with each record now with it
    Unmerge(RecordArgs),
    /// The decisions recorded so far, newest first
    List {
        /// Result format
        #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct PairArgs {
    /// A record id, `source_system:source_id` (as in identity.records and customer_links)
    pub left: String,
    /// The other record id
    pub right: String,
    #[command(flatten)]
    pub who: Who,
}

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The record id, `source_system:source_id`
    pub record: String,
    #[command(flatten)]
    pub who: Who,
}

#[derive(Debug, Args)]
pub struct Who {
    /// Why (kept with the decision)
    #[arg(long)]
    pub reason: Option<String>,
    /// Who decides (default: $USER)
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

impl Who {
    fn name(&self) -> CliResult<String> {
        self.by
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| "--by NAME: who decides (USER is not set)".to_owned())
    }
}

pub async fn run(args: DecideArgs) -> CliResult<()> {
    let lake = Lake::open(&args.lake.lake)
        .await
        .map_err(|e| e.to_string())?;
    let session = AmigoSession::open(lake)
        .await
        .map_err(|e| format!("opening lake {}: {}", args.lake.lake, root_message(&e)))?;
    let session = Steward { session };
    match args.decision {
        Decision::CannotLink(pair) => session.pair("cannot_link", &pair).await,
        Decision::MustLink(pair) => session.pair("must_link", &pair).await,
        Decision::Unmerge(record) => session.unmerge(&record).await,
        Decision::List { format } => session.list(format).await,
    }
}

struct Steward {
    session: AmigoSession,
}

impl Steward {
    async fn pair(&self, decision: &str, pair: &PairArgs) -> CliResult<()> {
        if pair.left == pair.right {
            return Err(format!(
                "{}: a decision needs two different records",
                pair.left
            ));
        }
        self.check_records(&[&pair.left, &pair.right]).await?;
        let by = pair.who.name()?;
        self.record(decision, &[(&pair.left, &pair.right)], &pair.who, &by)
            .await?;
        eprintln!(
            "recorded {decision} {} {}; it takes effect at the next `amigo resolve`",
            pair.left, pair.right
        );
        Ok(())
    }

    async fn unmerge(&self, args: &RecordArgs) -> CliResult<()> {
        self.check_records(&[&args.record]).await?;
        let by = args.who.name()?;
        let mates = self
            .strings(&format!(
                "SELECT other.record_id FROM unified.customer_links me
                 JOIN unified.customer_links other
                   ON other.unified_id = me.unified_id AND other.record_id <> me.record_id
                 WHERE me.record_id = {} ORDER BY other.record_id",
                literal(&args.record)
            ))
            .await?;
        if mates.is_empty() {
            return Err(format!(
                "{}: the record is alone in its cluster; nothing to unmerge",
                args.record
            ));
        }
        let pairs: Vec<(&str, &str)> = mates
            .iter()
            .map(|mate| (args.record.as_str(), mate.as_str()))
            .collect();
        self.record("cannot_link", &pairs, &args.who, &by).await?;
        eprintln!(
            "recorded cannot_link between {} and the {} record(s) now with it; it takes effect \
             at the next `amigo resolve`",
            args.record,
            mates.len()
        );
        Ok(())
    }

    async fn list(&self, format: Format) -> CliResult<()> {
        let sql =
            "SELECT * FROM unified.match_decisions ORDER BY decided_at DESC, left_id, right_id";
        match self.session.execute(sql).await {
            Ok(Outcome::Rows(frame)) => {
                let mut writer = ResultWriter::new(format, None)?;
                writer.write(frame).await.map_err(|e| root_message(&e))?;
                writer.finish()
            }
            Ok(Outcome::Done(message)) => Err(message),
            Err(e) => Err(not_resolved_yet(&e)),
        }
    }

    /// Fails, naming them, unless every id is a record of identity.records.
    async fn check_records(&self, ids: &[&String]) -> CliResult<()> {
        let list: Vec<String> = ids.iter().map(|id| literal(id)).collect();
        let known = self
            .strings(&format!(
                "SELECT record_id FROM identity.records WHERE record_id IN ({})",
                list.join(", ")
            ))
            .await?;
        let unknown: Vec<&str> = ids
            .iter()
            .filter(|id| !known.contains(id))
            .map(|id| id.as_str())
            .collect();
        if unknown.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "no such record: {} (record ids are source_system:source_id, as in \
                 identity.records; nothing was recorded)",
                unknown.join(", ")
            ))
        }
    }

    async fn record(
        &self,
        decision: &str,
        pairs: &[(&str, &str)],
        who: &Who,
        by: &str,
    ) -> CliResult<()> {
        let reason = who.reason.as_deref().map_or("NULL".to_owned(), literal);
        let rows: Vec<String> = pairs
            .iter()
            .map(|(left, right)| {
                format!(
                    "({}, {}, {}, {reason}, {}, now())",
                    literal(left),
                    literal(right),
                    literal(decision),
                    literal(by)
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO unified.match_decisions VALUES {}",
            rows.join(", ")
        );
        match self.session.execute(&sql).await {
            Ok(_) => Ok(()),
            Err(e) => Err(not_resolved_yet(&e)),
        }
    }

    /// The first column of a query, as strings.
    async fn strings(&self, sql: &str) -> CliResult<Vec<String>> {
        let batches: Vec<RecordBatch> = match self.session.execute(sql).await {
            Ok(Outcome::Rows(frame)) => frame.collect().await.map_err(|e| root_message(&e))?,
            Ok(Outcome::Done(message)) => return Err(message),
            Err(e) => return Err(not_resolved_yet(&e)),
        };
        first_column_strings(&batches)
    }
}

fn not_resolved_yet(e: &datafusion::error::DataFusionError) -> String {
    let message = root_message(e);
    if message.contains("not found") {
        format!("{message} (run `amigo resolve` once first: it creates the identity tables)")
    } else {
        message
    }
}

/// A SQL string literal.
fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
