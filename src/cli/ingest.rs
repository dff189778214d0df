//! `amigo ingest`: load source exports into the lake with a source mapping.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::Args;

use super::{CliResult, LakeArgs};
use crate::ingest::{IngestOptions, ingest};
use crate::lake::Lake;
use crate::session::{AmigoSession, root_message};

#[derive(Debug, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    /// Source mapping to read the files with (a file in schemas/sources/: shopify, cegid, web,
    /// consents, marketing, catalog)
    #[arg(long)]
    pub source: String,
    /// Entity of the source (customers, orders, clients, tickets ...); by default each file's
    /// entity is found from its name
    #[arg(long)]
    pub entity: Option<String>,
    /// Directory of mapping files to use instead of the bundled ones
    #[arg(long, env = "AMIGO_MAPPINGS")]
    pub mappings: Option<PathBuf>,
    /// Never draw a progress bar
    #[arg(long)]
    pub quiet: bool,
    /// Files, directories or s3:// URLs to load
    #[arg(required = true)]
    pub inputs: Vec<String>,
}

pub async fn run(args: IngestArgs) -> CliResult<()> {
    let lake = Lake::open(&args.lake.lake)
        .await
        .map_err(|e| e.to_string())?;
    let session = AmigoSession::open(lake)
        .await
        .map_err(|e| root_message(&e))?;
    let options = IngestOptions {
        source: args.source,
        entity: args.entity,
        mappings: args.mappings,
        inputs: args.inputs,
        progress: !args.quiet && std::io::stderr().is_terminal(),
    };
    let reports = ingest(&session, &options, |report| {
        println!("{}", report.summary());
        for note in &report.notes {
            println!("  note: {note}");
        }
    })
    .await?;
    // The pipelines read the canonical tables: those the loaded sources now make.
    let mappings = crate::ingest::mapping::load_mappings(options.mappings.as_deref())
        .map_err(|e| e.to_string())?;
    let changed: Vec<String> = reports
        .iter()
        .filter(|r| r.version.is_some())
        .map(|r| r.table.clone())
        .collect();
    for line in crate::ingest::canonical::refresh(&session, &mappings, &changed).await? {
        println!("{line}");
    }
    let quarantined: u64 = reports.iter().map(|r| r.quarantined).sum();
    if quarantined > 0 {
        println!(
            "{quarantined} row(s) quarantined: see raw.ingest_quarantine (file, line, column, reason)"
        );
    }
    Ok(())
}
