//! `amigo serve`: an Arrow Flight SQL server over the lake, for BI tools (JDBC, ODBC, ADBC),
//! analysts and applications.
//!
//! - [`service`]: the Flight SQL service (queries, prepared statements, updates, bulk ingest,
//!   metadata, cancel).
//! - [`auth`]: users file, password handshake, bearer tokens.
//! - [`policy`]: roles, enforced on every statement's plan.
//! - [`audit`]: the audit log table.
//! - [`customer_360`]: the 360° lookup table, `analytics.customer_360`.
//! - [`metadata`], [`prepared`], [`stream`], [`error`]: the pieces the service is made of.
//!
//! [`Server::bind`] opens the lake and binds the address (port 0 picks a free port, which
//! [`Server::local_addr`] tells); [`Server::run_until`] serves until a shutdown signal, then lets
//! running calls finish and writes the rest of the audit log.

pub mod audit;
pub mod auth;
pub mod customer_360;
pub mod error;
pub mod metadata;
pub mod policy;
pub mod prepared;
pub mod service;
pub mod stream;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use arrow_flight::flight_service_server::FlightServiceServer;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use tokio::net::TcpListener;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::lake::Lake;
use crate::session::{AmigoSession, root_message};
use audit::AuditLog;
use auth::{Authenticator, Tokens, Users};
use policy::Policy;
pub use service::Limits;

/// Everything the server needs to start.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub lake: String,
    pub addr: SocketAddr,
    /// Users and roles; `None` runs without authentication (everyone is admin).
    pub users: Option<PathBuf>,
    pub token_ttl: Duration,
    pub limits: Limits,
    /// Memory for query execution; beyond it, sorts and joins spill to disk.
    pub memory_limit: usize,
    pub tls: Option<TlsFiles>,
    /// Write the audit log table (`audit.queries`).
    pub audit: bool,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// With a client CA, clients must present a certificate it signed (mutual TLS).
    pub client_ca: Option<PathBuf>,
}

impl ServeConfig {
    pub fn new(lake: impl Into<String>, addr: SocketAddr) -> Self {
        Self {
            lake: lake.into(),
            addr,
            users: None,
            token_ttl: Duration::from_secs(12 * 3600),
            limits: Limits::default(),
            memory_limit: 4 << 30,
            tls: None,
            audit: true,
        }
    }
}

/// A bound server, not yet serving.
pub struct Server {
    listener: TcpListener,
    addr: SocketAddr,
    service: service::AmigoFlightSql,
    tls: Option<ServerTlsConfig>,
    audit_task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Opens the lake, loads the users, and binds the address.
    pub async fn bind(config: ServeConfig) -> Result<Self, String> {
        let auth = match &config.users {
            Some(path) => {
                let users = Users::load(path)?;
                if users.is_empty() {
                    return Err(format!("the users file {} names no user", path.display()));
                }
                Some(users)
            }
            None => None,
        };
        let policy = Policy::new(auth.as_ref().map(|u| u.roles.clone()).unwrap_or_default());
        let authenticator = match auth {
            Some(users) => Authenticator::Users {
                users: Arc::new(users),
                tokens: Tokens::new(config.token_ttl),
            },
            None => Authenticator::Open,
        };
        let tls = match &config.tls {
            Some(files) => Some(tls_config(files)?),
            None => None,
        };

        let lake = Lake::open(&config.lake).await.map_err(|e| e.to_string())?;
        let runtime = RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(FairSpillPool::new(config.memory_limit)))
            .build_arc()
            .map_err(|e| format!("setting up query memory: {}", root_message(&e)))?;
        let session = AmigoSession::open_with_runtime(lake, runtime)
            .await
            .map_err(|e| format!("opening lake {}: {}", config.lake, root_message(&e)))?;
        for warning in session.broken_views() {
            eprintln!("warning: {warning}");
        }
        let lookup = customer_360::register(&session)
            .await
            .map_err(|e| format!("setting up the 360° lookup: {}", root_message(&e)))?;
        if let Some(warning) = &lookup.warning {
            eprintln!("warning: {warning}");
        }
        let session = Arc::new(session);
        let (audit, audit_task) = if config.audit {
            audit::ensure_table(&session)
                .await
                .map_err(|e| format!("creating the audit table: {}", root_message(&e)))?;
            let (log, task) = AuditLog::start(session.clone());
            (log, Some(task))
        } else {
            (AuditLog::disabled(), None)
        };
        let service = service::AmigoFlightSql::new(
            session,
            Arc::new(authenticator),
            policy,
            config.limits.clone(),
            audit,
        )
        .map_err(|e| format!("building the server metadata: {e}"))?;

        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the bound address: {e}"))?;
        Ok(Self {
            listener,
            addr,
            service,
            tls,
            audit_task,
        })
    }

    /// The address the server listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` completes; then stops accepting calls, lets running ones finish,
    /// and writes what is left of the audit log.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), String> {
        let incoming = TcpIncoming::from(self.listener).with_nodelay(Some(true));
        let mut builder = tonic::transport::Server::builder();
        if let Some(tls) = self.tls {
            builder = builder
                .tls_config(tls)
                .map_err(|e| format!("TLS configuration: {e}"))?;
        }
        let service = FlightServiceServer::new(self.service)
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20);
        builder
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, shutdown)
            .await
            .map_err(|e| format!("serving: {e}"))?;
        // The service (and with it the audit log's sender) is gone: the writer drains and ends.
        if let Some(task) = self.audit_task {
            let _ = task.await;
        }
        Ok(())
    }
}

fn tls_config(files: &TlsFiles) -> Result<ServerTlsConfig, String> {
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let identity = Identity::from_pem(read(&files.cert)?, read(&files.key)?);
    let mut config = ServerTlsConfig::new().identity(identity);
    if let Some(ca) = &files.client_ca {
        config = config.client_ca_root(Certificate::from_pem(read(ca)?));
    }
    Ok(config)
}
