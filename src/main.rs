use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    amigo::cli::run().await
}
