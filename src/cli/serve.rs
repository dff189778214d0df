//! `amigo serve`: the Arrow Flight SQL server over the lake; `amigo hash-password`: a password
//! hash for its users file.

use std::io::{IsTerminal, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use super::{CliResult, LakeArgs};
use crate::serve::{Limits, ServeConfig, Server, TlsFiles};

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub lake: LakeArgs,
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, env = "AMIGO_ADDR", default_value = "127.0.0.1:50051")]
    pub addr: SocketAddr,
    /// Users and roles (TOML with argon2 password hashes; see README)
    #[arg(
        long,
        env = "AMIGO_USERS",
        value_name = "FILE",
        required_unless_present = "no_auth"
    )]
    pub users: Option<PathBuf>,
    /// Run without authentication: every client is admin. For a laptop, never for a network
    #[arg(long, env = "AMIGO_NO_AUTH", conflicts_with = "users")]
    pub no_auth: bool,
    /// How long a login token stays valid, in minutes
    #[arg(long, env = "AMIGO_TOKEN_TTL_MINUTES", default_value_t = 720)]
    pub token_ttl_minutes: u64,
    /// Server certificate (PEM); with --tls-key, the server speaks TLS only
    #[arg(
        long,
        env = "AMIGO_TLS_CERT",
        value_name = "FILE",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// Server private key (PEM)
    #[arg(
        long,
        env = "AMIGO_TLS_KEY",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
    /// CA that signs client certificates: clients must present one (mutual TLS)
    #[arg(
        long,
        env = "AMIGO_TLS_CLIENT_CA",
        value_name = "FILE",
        requires = "tls_cert"
    )]
    pub tls_client_ca: Option<PathBuf>,
    /// Longest a statement may run, in seconds
    #[arg(long, env = "AMIGO_QUERY_TIMEOUT", default_value_t = 300)]
    pub query_timeout: u64,
    /// Statements running at once; more wait for a slot
    #[arg(long, env = "AMIGO_MAX_CONCURRENT_QUERIES", default_value_t = 64)]
    pub max_concurrent_queries: usize,
    /// How long a statement waits for a slot before the server answers RESOURCE_EXHAUSTED, in seconds
    #[arg(long, env = "AMIGO_QUEUE_TIMEOUT", default_value_t = 30)]
    pub queue_timeout: u64,
    /// Memory for query execution (e.g. 512M, 4G); beyond it, sorts and joins spill to disk
    #[arg(long, env = "AMIGO_MEMORY_LIMIT", default_value = "4G", value_parser = parse_size)]
    pub memory_limit: usize,
    /// Do not write the audit log table (audit.queries)
    #[arg(long, env = "AMIGO_NO_AUDIT")]
    pub no_audit: bool,
}

/// `512M`, `4G`, `1024K` or a plain number of bytes.
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let number: usize = digits
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 512M or 4G"))?;
    let shift = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        other => return Err(format!("unknown size unit {other:?} (use K, M, G or T)")),
    };
    number
        .checked_mul(1usize << shift)
        .ok_or_else(|| format!("{text} is too large"))
}

pub async fn run(args: ServeArgs) -> CliResult<()> {
    let mut config = ServeConfig::new(args.lake.lake.clone(), args.addr);
    config.users = args.users.clone();
    config.token_ttl = Duration::from_secs(args.token_ttl_minutes.saturating_mul(60));
    config.limits = Limits {
        query_timeout: Duration::from_secs(args.query_timeout.max(1)),
        max_concurrent_queries: args.max_concurrent_queries.max(1),
        queue_timeout: Duration::from_secs(args.queue_timeout),
    };
    config.memory_limit = args.memory_limit;
    config.audit = !args.no_audit;
    config.tls = match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsFiles {
            cert,
            key,
            client_ca: args.tls_client_ca,
        }),
        _ => None,
    };
    if args.no_auth {
        eprintln!("warning: authentication is off (--no-auth): every client is admin");
    }
    let tls = config.tls.is_some();
    let server = Server::bind(config).await?;
    eprintln!(
        "amigo serve: Flight SQL on {}://{} (lake {})",
        if tls { "grpc+tls" } else { "grpc" },
        server.local_addr(),
        args.lake.lake
    );
    server.run_until(shutdown_signal()).await?;
    eprintln!("amigo serve: stopped");
    Ok(())
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    eprintln!("amigo serve: stopping; running statements may finish");
}

#[derive(Debug, Args)]
pub struct HashPasswordArgs {}

/// Reads a password on standard input (one line) and prints its argon2 hash for the users file.
pub async fn hash_password(_args: HashPasswordArgs) -> CliResult<()> {
    let mut stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprintln!("password (then Enter):");
    }
    let mut text = String::new();
    stdin
        .read_to_string(&mut text)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    let password = text.lines().next().unwrap_or_default();
    if password.is_empty() {
        return Err("no password given on standard input".into());
    }
    println!("{}", crate::serve::auth::hash_password(password)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("4Q").is_err());
    }
}
