//! The `amigo` command line: one module per subcommand, each with its own arguments.

pub mod bench;
pub mod decide;
pub mod export;
pub mod gdpr;
pub mod generate;
pub mod ingest;
pub mod init;
pub mod journey;
pub mod ltv;
pub mod output;
pub mod resolve;
pub mod segment;
pub mod serve;
pub mod sql;
mod sql_files;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// A command's failure, as shown to the user: one message naming what went wrong.
pub type CliResult<T> = Result<T, String>;

#[derive(Debug, Parser)]
#[command(
    name = "amigo",
    version,
    about = "Unified customer repository: identity resolution, segments and LTV as SQL over Parquet"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run SQL over the lake (from -c, -f files or standard input)
    Sql(sql::SqlArgs),
    /// Generate realistic customer data: native source exports, ground truth, and a lake
    Generate(generate::GenerateArgs),
    /// Create an empty lake
    Init(init::InitArgs),
    /// Load source exports (Shopify, Cegid, web forms, consents ...) into the lake
    Ingest(ingest::IngestArgs),
    /// Resolve identities: run the sql/identity pipeline (match, cluster, survive, audit)
    Resolve(resolve::ResolveArgs),
    /// Compute consent per unified customer (history, state, timeline) from raw.consent_events
    Consent(resolve::ConsentArgs),
    /// GDPR requests: access, portability, rectification, opposition, erasure (request, approve, execute, list)
    Gdpr(gdpr::GdprArgs),
    /// Measure identity resolution against the ground truth (pairwise, B-cubed, per corruption)
    Evaluate(resolve::EvaluateArgs),
    /// Record a data steward's match decision (cannot-link, must-link, unmerge) for later runs
    Decide(decide::DecideArgs),
    /// Named customer segments: install the SQL views, list, count, show, snapshot membership
    Segment(segment::SegmentArgs),
    /// A segment's consent-safe audience for one channel, as a file for a marketing tool
    Export(export::ExportArgs),
    /// Marketing journeys: who is due for which step today, and a log of what was delivered
    Journey(journey::JourneyArgs),
    /// Lifetime value: customer summaries, BG/NBD + Gamma-Gamma fits, P(alive), CLV, RFM,
    /// data quality and recommendations (the sql/ltv pipeline)
    Ltv(ltv::LtvArgs),
    /// Measure amigo on generated data (functions: values/s per SQL function; ingest: rows/s)
    Bench(bench::BenchArgs),
    /// Serve the lake over Arrow Flight SQL (JDBC, ODBC, ADBC clients), with users and roles
    Serve(serve::ServeArgs),
    /// Print the argon2 hash of a password read on standard input, for the serve users file
    HashPassword(serve::HashPasswordArgs),
}

/// Where the lake is.
#[derive(Debug, Clone, Args)]
pub struct LakeArgs {
    /// Lake root: a local directory or file:// URL
    #[arg(long, env = "AMIGO_LAKE", default_value = "data/lake")]
    pub lake: String,
}

/// Parses the arguments and runs the command; errors are printed to stderr.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sql(args) => sql::run(args).await,
        Command::Generate(args) => generate::run(args).await,
        Command::Init(args) => init::run(args).await,
        Command::Ingest(args) => ingest::run(args).await,
        Command::Resolve(args) => resolve::run(args).await,
        Command::Evaluate(args) => resolve::evaluate(args).await,
        Command::Decide(args) => decide::run(args).await,
        Command::Segment(args) => segment::run(args).await,
        Command::Journey(args) => journey::run(args).await,
        Command::Export(args) => export::run(args).await,
        Command::Consent(args) => resolve::consent(args).await,
        Command::Gdpr(args) => gdpr::run(args).await,
        Command::Ltv(args) => ltv::run(args).await,
        Command::Bench(args) => bench::run(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::HashPassword(args) => serve::hash_password(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
