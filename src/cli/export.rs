//! `amigo export`: a segment's consent-safe audience for one channel, as a file a marketing
//! tool imports (Marketing Cloud, Mailchimp), in full or as the changes since the last export.
//!
//! Who may be contacted is decided by the view `marketing.contactability`
//! ([`sql/export/00_contactability.sql`](../../sql/export/00_contactability.sql), created on the
//! first export and editable after): current opt-in for the channel, a usable contact point, not
//! on `marketing.do_not_contact`. Every export is recorded in `marketing.exports` (who, when,
//! counts) with its exclusions by reason in `marketing.export_exclusions`, and its audience in
//! `marketing.export_snapshots`, from which `--diff` computes adds and removes. People erased
//! since (`amigo gdpr`) are in `marketing.pending_removals` until a `--diff` sends their removal.

use std::path::PathBuf;

use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use clap::{Args, ValueEnum};

use super::output::{Format, ResultWriter, first_column_strings};
use super::resolve::run_script;
use super::{CliResult, LakeArgs};
use crate::lake::Lake;
use crate::session::{AmigoSession, Outcome, root_message};

const SETUP_FILE: &str = "sql/export/00_contactability.sql";
const SETUP_SQL: &str = include_str!("../../sql/export/00_contactability.sql");
/// Written by `amigo gdpr` erasures (src/gdpr/erase.rs), emptied by the diff that sends them.
const PENDING_REMOVALS: &str = "marketing.pending_removals";

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    /// The segment (see `amigo segment list`)
    #[arg(long)]
    pub segment: String,
    #[arg(long, value_enum)]
    pub channel: Channel,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: FileFormat,
    /// The file to write: a local path, or an `s3://bucket/key` URL (credentials and endpoint
    /// from the usual `AWS_*` variables, as for a lake on S3)
    #[arg(long, value_name = "PATH|URL")]
    pub out: String,
    /// Write only the changes since the last export of this segment and channel: a `Change`
    /// column says `add` or `remove`
    #[arg(long)]
    pub diff: bool,
    /// Who exports, for the record (default: $USER)
    #[arg(long, env = "USER", default_value = "unknown")]
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Channel {
    Email,
    Sms,
    Phone,
    Post,
}

impl Channel {
    fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Phone => "phone",
            Channel::Post => "post",
        }
    }

    /// The channel's contact columns, named as marketing tools import them.
    fn contact_columns(self) -> &'static str {
        match self {
            Channel::Email => "c.email AS \"EmailAddress\"",
            Channel::Sms | Channel::Phone => "c.phone_e164 AS \"Phone\"",
            Channel::Post => {
                "c.last_name AS \"LastName\", c.address_line1 AS \"Address1\", \
                 c.address_line2 AS \"Address2\", c.postal_code AS \"PostalCode\", \
                 c.city AS \"City\", c.country_iso2 AS \"Country\""
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    Csv,
    Parquet,
}

pub async fn run(args: ExportArgs) -> CliResult<()> {
    let destination = Destination::parse(&args.out)?;
    let lake = Lake::open(&args.lake.lake)
        .await
        .map_err(|e| e.to_string())?;
    let session = AmigoSession::open(lake)
        .await
        .map_err(|e| format!("opening lake {}: {}", args.lake.lake, root_message(&e)))?;
    check_segment(&session, &args.segment).await?;
    if !session
        .context()
        .table_exist("marketing.contactability")
        .unwrap_or(false)
    {
        run_script(&session, SETUP_FILE, SETUP_SQL, None, false).await?;
    }
    let channel = args.channel.name();
    let segment = &args.segment;
    let now = first_string(&session, "SELECT CAST(now() AS VARCHAR)").await?;
    let export_id = format!("{segment}/{channel}/{now}");
    let previous = first_string(
        &session,
        &format!(
            "SELECT export_id FROM marketing.exports WHERE segment = '{segment}' \
             AND channel = '{channel}' ORDER BY exported_at DESC LIMIT 1"
        ),
    )
    .await
    .ok();

    // The segment's members with their contactability on the channel.
    let members = format!(
        "SELECT c.* FROM (SELECT DISTINCT unified_id FROM segments.{segment}) m \
         JOIN marketing.contactability c ON c.unified_id = m.unified_id AND c.channel = '{channel}'"
    );
    let journey_step = if session
        .context()
        .table_exist("journeys.due")
        .unwrap_or(false)
    {
        "(SELECT string_agg(j.journey || ':' || j.step, ';' ORDER BY j.journey, j.step) \
         FROM journeys.due j WHERE j.unified_id = c.unified_id)"
    } else {
        "CAST(NULL AS VARCHAR)"
    };
    let audience = format!(
        "SELECT c.unified_id AS \"SubscriberKey\", {contact}, c.first_name AS \"FirstName\", \
                c.preferred_language AS \"Locale\", '{segment}' AS \"Segment\", \
                {journey_step} AS \"JourneyStep\" \
         FROM ({members}) c WHERE c.excluded_because IS NULL",
        contact = args.channel.contact_columns()
    );
    let mut previous_ids = match &previous {
        Some(id) => format!(
            "SELECT unified_id FROM marketing.export_snapshots WHERE export_id = '{}'",
            id.replace('\'', "''")
        ),
        None => "SELECT CAST(NULL AS VARCHAR) AS unified_id WHERE false".to_owned(),
    };
    // People erased since the last export are gone from its snapshot, but the tool still has
    // them: `amigo gdpr` noted them, and a diff removes them.
    let pending = if session
        .context()
        .table_exist(PENDING_REMOVALS)
        .unwrap_or(false)
    {
        let pending = format!(
            "SELECT unified_id FROM {PENDING_REMOVALS} \
             WHERE segment = '{segment}' AND channel = '{channel}'"
        );
        previous_ids = format!("{previous_ids} UNION {pending}");
        count(&session, &format!("SELECT count(*) FROM ({pending})")).await?
    } else {
        0
    };
    // A diff: one row per change, `add` with the person's columns, `remove` with the key only
    // (the other columns are NULL, and every audience column is text).
    let file_sql = if args.diff {
        let others: Vec<String> = query(&session, &audience)
            .await?
            .schema()
            .fields()
            .iter()
            .skip(1)
            .map(|field| format!("CAST(NULL AS VARCHAR) AS \"{}\"", field.name()))
            .collect();
        format!(
            "WITH audience AS ({audience}), previous AS ({previous_ids}) \
             SELECT * FROM ( \
                 SELECT 'add' AS \"Change\", * FROM audience \
                 WHERE \"SubscriberKey\" NOT IN (SELECT unified_id FROM previous) \
                 UNION ALL \
                 SELECT 'remove', unified_id, {others} FROM previous \
                 WHERE unified_id NOT IN (SELECT \"SubscriberKey\" FROM audience)) \
             ORDER BY 1, 2",
            others = others.join(", ")
        )
    } else {
        format!("{audience} ORDER BY 1")
    };
    let frame = query(&session, &file_sql).await?;
    let format = match args.format {
        FileFormat::Csv => Format::Csv,
        FileFormat::Parquet => Format::Parquet,
    };
    let mut writer = ResultWriter::new(format, Some(destination.local_file()))?;
    writer.write(frame).await.map_err(|e| root_message(&e))?;
    writer.finish()?;
    destination.upload().await?;

    // The record: snapshot first (the next --diff reads it), then counts.
    let id = export_id.replace('\'', "''");
    let statements = [
        format!(
            "INSERT INTO marketing.export_snapshots \
             SELECT '{id}', \"SubscriberKey\" FROM ({audience})"
        ),
        format!(
            "INSERT INTO marketing.export_exclusions \
             SELECT '{id}', excluded_because, count(*) FROM ({members}) \
             WHERE excluded_because IS NOT NULL GROUP BY excluded_because"
        ),
        format!(
            "INSERT INTO marketing.exports \
             WITH current AS (SELECT unified_id FROM marketing.export_snapshots WHERE export_id = '{id}'), \
                  previous AS ({previous_ids}) \
             SELECT '{id}', CAST('{now}' AS TIMESTAMP), '{by}', '{segment}', '{channel}', \
                    '{format}', '{out}', {diff}, \
                    (SELECT count(DISTINCT unified_id) FROM segments.{segment}) AS members, \
                    (SELECT count(*) FROM current) AS audience, \
                    (SELECT count(*) FROM current WHERE unified_id NOT IN (SELECT unified_id FROM previous)) AS added, \
                    (SELECT count(*) FROM previous WHERE unified_id NOT IN (SELECT unified_id FROM current)) AS removed, \
                    CAST({written} AS BIGINT)",
            by = args.by.replace('\'', "''"),
            format = match args.format {
                FileFormat::Csv => "csv",
                FileFormat::Parquet => "parquet",
            },
            out = args.out.replace('\'', "''"),
            diff = args.diff,
            written = count(&session, &format!("SELECT count(*) FROM ({file_sql})")).await?,
        ),
    ];
    for sql in statements {
        session.execute(&sql).await.map_err(|e| root_message(&e))?;
    }
    if pending > 0 && args.diff {
        let sent = format!(
            "DELETE FROM {PENDING_REMOVALS} WHERE segment = '{segment}' AND channel = '{channel}'"
        );
        session.execute(&sent).await.map_err(|e| root_message(&e))?;
    } else if pending > 0 {
        eprintln!(
            "warning: {pending} erased people were in an earlier export of this audience; a \
             full export does not remove them from the tool: export with --diff to send their \
             removal"
        );
    }
    let summary = format!(
        "SELECT 'exported' AS what, CAST(rows_written AS VARCHAR) AS people FROM marketing.exports WHERE export_id = '{id}' \
         UNION ALL SELECT 'audience', CAST(audience AS VARCHAR) FROM marketing.exports WHERE export_id = '{id}' \
         UNION ALL SELECT 'added', CAST(added AS VARCHAR) FROM marketing.exports WHERE export_id = '{id}' \
         UNION ALL SELECT 'removed', CAST(removed AS VARCHAR) FROM marketing.exports WHERE export_id = '{id}' \
         UNION ALL SELECT 'excluded: ' || reason, CAST(people AS VARCHAR) FROM marketing.export_exclusions WHERE export_id = '{id}'"
    );
    eprintln!("export {export_id} -> {}", args.out);
    let mut writer = ResultWriter::new(Format::Table, None)?;
    writer
        .write(query(&session, &summary).await?)
        .await
        .map_err(|e| root_message(&e))?;
    writer.finish()
}

/// Where the file goes: written in place, or written to a temporary file first and then
/// uploaded (in parts, so a large audience never sits in memory).
enum Destination {
    Local(PathBuf),
    ObjectStore {
        url: String,
        staged: tempfile::NamedTempFile,
    },
}

impl Destination {
    fn parse(out: &str) -> CliResult<Self> {
        if out.starts_with("s3://") {
            let staged = tempfile::Builder::new()
                .prefix("amigo-export-")
                .tempfile()
                .map_err(|e| format!("--out {out}: cannot create a temporary file: {e}"))?;
            Ok(Self::ObjectStore {
                url: out.to_owned(),
                staged,
            })
        } else if out.contains("://") {
            Err(format!(
                "--out {out}: only local paths and s3:// URLs are supported"
            ))
        } else {
            Ok(Self::Local(PathBuf::from(out)))
        }
    }

    fn local_file(&self) -> &std::path::Path {
        match self {
            Self::Local(path) => path,
            Self::ObjectStore { staged, .. } => staged.path(),
        }
    }

    async fn upload(&self) -> CliResult<()> {
        let Self::ObjectStore { url, staged } = self else {
            return Ok(());
        };
        let failed = |e: &dyn std::fmt::Display| format!("--out {url}: {e}");
        let (store, parsed) = crate::lake::s3_store(url).map_err(|e| failed(&e))?;
        let key = object_store::path::Path::from_url_path(parsed.path().trim_start_matches('/'))
            .map_err(|e| failed(&e))?;
        if key.as_ref().is_empty() {
            return Err(failed(&"no object key after the bucket"));
        }
        let mut file = tokio::fs::File::open(staged.path())
            .await
            .map_err(|e| failed(&e))?;
        let mut upload = object_store::buffered::BufWriter::new(store, key);
        tokio::io::copy(&mut file, &mut upload)
            .await
            .map_err(|e| failed(&e))?;
        tokio::io::AsyncWriteExt::shutdown(&mut upload)
            .await
            .map_err(|e| failed(&e))?;
        Ok(())
    }
}

/// A segment name is checked against the catalog before it goes into SQL.
async fn check_segment(session: &AmigoSession, segment: &str) -> CliResult<()> {
    let names = first_column_strings(
        &query(
            session,
            "SELECT DISTINCT name FROM segments.catalog ORDER BY name",
        )
        .await
        .map_err(|_| "no segment installed: run `amigo segment install`".to_owned())?
        .collect()
        .await
        .map_err(|e| root_message(&e))?,
    )?;
    if names.iter().any(|name| name == segment) {
        Ok(())
    } else {
        Err(format!(
            "--segment {segment}: no such segment (installed: {})",
            names.join(", ")
        ))
    }
}

async fn query(session: &AmigoSession, sql: &str) -> CliResult<datafusion::prelude::DataFrame> {
    match session.execute(sql).await {
        Ok(Outcome::Rows(frame)) => Ok(frame),
        Ok(Outcome::Done(message)) => Err(message),
        Err(e) => Err(root_message(&e)),
    }
}

async fn first_string(session: &AmigoSession, sql: &str) -> CliResult<String> {
    let batches = query(session, sql)
        .await?
        .collect()
        .await
        .map_err(|e| root_message(&e))?;
    first_column_strings(&batches)?
        .into_iter()
        .next()
        .ok_or_else(|| format!("no row from: {sql}"))
}

async fn count(session: &AmigoSession, sql: &str) -> CliResult<i64> {
    let batches = query(session, sql)
        .await?
        .collect()
        .await
        .map_err(|e| root_message(&e))?;
    batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .map(|b| b.column(0).as_primitive::<Int64Type>().value(0))
        .ok_or_else(|| format!("no row from: {sql}"))
}
