//! `amigo init`: create an empty lake.

use clap::Args;

use super::{CliResult, LakeArgs};
use crate::lake::Lake;

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
}

pub async fn run(args: InitArgs) -> CliResult<()> {
    let lake = Lake::init(&args.lake.lake)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("lake ready at {}", lake.location());
    Ok(())
}
