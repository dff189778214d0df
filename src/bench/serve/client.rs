//! The Rust side's Flight SQL calls: arrow-flight's client, over a TCP connection of its own per
//! simulated client, as an application would use it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arrow::array::RecordBatch;
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::error::FlightError;
use arrow_flight::sql::client::{FlightSqlServiceClient, PreparedStatement};
use arrow_flight::{FlightInfo, Ticket};
use futures::{StreamExt, TryStreamExt};
use tonic::transport::Channel;

use crate::bench::BenchError;

pub type Client = FlightSqlServiceClient<Channel>;

/// A new connection to the server.
pub async fn connect(addr: SocketAddr) -> Result<Client, BenchError> {
    let channel = Channel::from_shared(format!("http://{addr}"))
        .map_err(|e| BenchError::Data(format!("server address {addr}: {e}")))?
        .connect()
        .await
        .map_err(|e| BenchError::Data(format!("connecting to {addr}: {e}")))?;
    Ok(FlightSqlServiceClient::new(channel))
}

fn flight_err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> BenchError + '_ {
    move |e| BenchError::Data(format!("{what}: {e}"))
}

/// A whole query result, fetched with the Flight SQL client.
pub async fn query(client: &mut Client, sql: &str) -> Result<Vec<RecordBatch>, BenchError> {
    let info = client
        .execute(sql.to_string(), None)
        .await
        .map_err(flight_err(sql))?;
    fetch(client, info).await.map_err(flight_err(sql))
}

/// Every endpoint of `info`, in order.
pub async fn fetch(client: &mut Client, info: FlightInfo) -> Result<Vec<RecordBatch>, FlightError> {
    let mut batches = Vec::new();
    for endpoint in info.endpoint {
        let Some(ticket) = endpoint.ticket else {
            continue;
        };
        let stream = client.do_get(ticket).await?;
        batches.extend(stream.try_collect::<Vec<_>>().await?);
    }
    Ok(batches)
}

/// An export through raw `DoGet`, counting what the server sent.
#[derive(Debug, Clone, Copy)]
pub struct Download {
    pub rows: u64,
    pub seconds: f64,
    /// Arrow IPC bytes received (message headers and bodies): the bytes on the wire, less
    /// gRPC and HTTP/2 framing.
    pub wire_bytes: u64,
}

/// Runs `sql` and reads its result with `GetFlightInfo` then `DoGet` on every endpoint, decoding
/// every batch, as any Flight client does.
pub async fn download(client: &mut Client, sql: &str) -> Result<Download, BenchError> {
    let started = Instant::now();
    let info = client
        .execute(sql.to_string(), None)
        .await
        .map_err(flight_err(sql))?;
    let wire_bytes = Arc::new(AtomicU64::new(0));
    let mut rows = 0u64;
    for endpoint in info.endpoint {
        let Some(ticket) = endpoint.ticket else {
            continue;
        };
        rows += read_counting(client, ticket, wire_bytes.clone())
            .await
            .map_err(flight_err(sql))?;
    }
    Ok(Download {
        rows,
        seconds: started.elapsed().as_secs_f64(),
        wire_bytes: wire_bytes.load(Ordering::Relaxed),
    })
}

async fn read_counting(
    client: &mut Client,
    ticket: Ticket,
    wire_bytes: Arc<AtomicU64>,
) -> Result<u64, FlightError> {
    let response = client.inner_mut().do_get(ticket).await?.into_inner();
    let counted = response.map_err(FlightError::from).inspect_ok(move |data| {
        let size = data.data_header.len() + data.data_body.len();
        wire_bytes.fetch_add(size as u64, Ordering::Relaxed);
    });
    let mut batches = FlightRecordBatchStream::new_from_flight_data(counted);
    let mut rows = 0u64;
    while let Some(batch) = batches.next().await {
        rows += batch?.num_rows() as u64;
    }
    Ok(rows)
}

/// One execution of a prepared statement with one row of parameters.
#[derive(Debug, Clone, Copy)]
pub struct Lookup {
    pub rows: u64,
    /// Binding the parameters (`DoPut`) and `GetFlightInfo`: where the server plans.
    pub execute: Duration,
    /// `DoGet`: where the server runs the plan and streams the rows.
    pub fetch: Duration,
}

impl Lookup {
    pub fn total(&self) -> Duration {
        self.execute + self.fetch
    }
}

/// Binds `parameters` (one row) to `statement`, executes it, and reads every row.
pub async fn lookup(
    client: &mut Client,
    statement: &mut PreparedStatement<Channel>,
    parameters: RecordBatch,
) -> Result<Lookup, FlightError> {
    let started = Instant::now();
    statement.set_parameters(parameters)?;
    let info = statement.execute().await?;
    let execute = started.elapsed();
    let batches = fetch(client, info).await?;
    Ok(Lookup {
        rows: batches.iter().map(|b| b.num_rows() as u64).sum(),
        execute,
        fetch: started.elapsed() - execute,
    })
}
