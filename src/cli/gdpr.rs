//! `amigo gdpr`: data-subject requests (access, portability, rectification, erasure), each
//! recorded in `unified.gdpr_requests` with who asked, who approved and what was done.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::output::{Format, ResultWriter};
use super::{CliResult, LakeArgs};
use crate::gdpr::requests::Kind;
use crate::gdpr::subject::Identifier;
use crate::gdpr::{self, Correction, Details};

#[derive(Debug, Args)]
pub struct GdprArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, Subcommand)]
pub enum Action {
    /// Record a request about one person; prints its id
    Request(RequestArgs),
    /// Approve a request (erasures need it; the approver must not be the requester)
    Approve(ApproveArgs),
    /// Carry out a request: write the report, apply the correction, record the opt-outs or erase
    Execute(ExecuteArgs),
    /// List requests with their status and the date each must be answered by (one month)
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only requests not executed yet (requested or approved), oldest first
    #[arg(long)]
    pub open: bool,
    /// Result format
    #[arg(long, value_enum, default_value = "auto", env = "AMIGO_FORMAT")]
    pub format: Format,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["email", "phone", "id"])))]
pub struct RequestArgs {
    /// What is asked
    #[arg(value_enum)]
    pub kind: Kind,
    /// The person's email (any spelling a source holds; compared normalized)
    #[arg(long)]
    pub email: Option<String>,
    /// The person's phone (E.164, or a French national number)
    #[arg(long)]
    pub phone: Option<String>,
    /// A unified id, or a source record id such as cegid:C000102307
    #[arg(long)]
    pub id: Option<String>,
    /// Who records the request
    #[arg(long, env = "AMIGO_USER")]
    pub by: String,
    /// rectify: the golden-record field to correct (first_name, email, city ...)
    #[arg(long, requires = "value")]
    pub field: Option<String>,
    /// rectify: its correct value
    #[arg(long, requires = "field")]
    pub value: Option<String>,
    /// oppose: the channel (email, sms, phone, post, analytics; default all of them)
    #[arg(long)]
    pub channel: Option<String>,
    /// oppose: the purpose (marketing, personalisation, measurement; default marketing)
    #[arg(long)]
    pub purpose: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The request id (printed by `amigo gdpr request`)
    pub request: String,
    /// Who approves
    #[arg(long, env = "AMIGO_USER")]
    pub by: String,
}

#[derive(Debug, Args)]
pub struct ExecuteArgs {
    /// The request id
    pub request: String,
    /// Where access and portability bundles are written
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub out: PathBuf,
}

pub async fn run(args: GdprArgs) -> CliResult<()> {
    let location = &args.lake.lake;
    match args.action {
        Action::Request(request) => {
            let identifier = match (&request.email, &request.phone, &request.id) {
                (Some(email), _, _) => Identifier::Email(email.clone()),
                (_, Some(phone), _) => Identifier::Phone(phone.clone()),
                (_, _, Some(id)) => Identifier::Id(id.clone()),
                _ => return Err("name the person with --email, --phone or --id".to_owned()),
            };
            let details = Details {
                correction: match (request.field, request.value) {
                    (Some(field), Some(value)) => Some(Correction { field, value }),
                    _ => None,
                },
                channel: request.channel,
                purpose: request.purpose,
            };
            let session = gdpr::open_session(location).await?;
            let id =
                gdpr::request(&session, request.kind, &identifier, &details, &request.by).await?;
            println!("{id}");
            if request.kind == Kind::Erase {
                eprintln!("erasure requested: approve it with `amigo gdpr approve {id} --by NAME`");
            }
            Ok(())
        }
        Action::Approve(approve) => {
            let session = gdpr::open_session(location).await?;
            let request = gdpr::requests::approve(&session, &approve.request, &approve.by).await?;
            eprintln!(
                "{} request {} approved by {}",
                request.kind.name(),
                request.request_id,
                approve.by
            );
            Ok(())
        }
        Action::List(list) => {
            let session = gdpr::open_session(location).await?;
            let frame = gdpr::requests::list(&session, list.open).await?;
            let mut writer = ResultWriter::new(list.format, None)?;
            writer
                .write(frame)
                .await
                .map_err(|e| crate::session::root_message(&e))?;
            writer.finish()
        }
        Action::Execute(execute) => {
            let summary = gdpr::execute(location, &execute.request, &execute.out).await?;
            println!("{summary}");
            Ok(())
        }
    }
}
