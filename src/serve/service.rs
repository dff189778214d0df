//! The Flight SQL service: every call authenticates the caller, plans the statement, checks the
//! plan against the caller's role, then runs it and streams the result.
//!
//! Statements are not kept between `GetFlightInfo` and `DoGet`: the ticket carries the statement
//! (or the prepared statement's handle) and a query id, and `DoGet` plans it again for the caller
//! who presents it, so a ticket grants nothing by itself. Statements that change data run at
//! `GetFlightInfo` (their result has no columns), so they take effect whether or not a client
//! fetches the empty result; JDBC sends them through `DoPut` instead, which runs them the same way.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arrow::array::{Int32Builder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::ipc::writer::IpcWriteOptions;
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_server::FlightService;
use arrow_flight::sql::metadata::{SqlInfoData, XdbcTypeInfoData};
use arrow_flight::sql::server::{FlightSqlService, PeekableFlightDataStream};
use arrow_flight::sql::{
    ActionCancelQueryRequest, ActionCancelQueryResult, ActionClosePreparedStatementRequest,
    ActionCreatePreparedStatementRequest, ActionCreatePreparedStatementResult, CommandGetCatalogs,
    CommandGetDbSchemas, CommandGetPrimaryKeys, CommandGetSqlInfo, CommandGetTableTypes,
    CommandGetTables, CommandGetXdbcTypeInfo, CommandPreparedStatementQuery,
    CommandPreparedStatementUpdate, CommandStatementIngest, CommandStatementQuery,
    CommandStatementUpdate, DoPutPreparedStatementResult, ProstMessageExt, SqlInfo,
    TableExistsOption, TableNotExistOption, TicketStatementQuery,
};
use arrow_flight::{
    Action, ActionType, CancelFlightInfoRequest, CancelFlightInfoResult, CancelStatus,
    FlightDescriptor, FlightEndpoint, FlightInfo, HandshakeRequest, HandshakeResponse, IpcMessage,
    SchemaAsIpc, Ticket,
};
use datafusion::common::{ParamValues, TableReference};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::LogicalPlan;
use futures::{Stream, StreamExt, TryStreamExt};
use prost::Message;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tonic::metadata::MetadataValue;
use tonic::{Request, Response, Status, Streaming};

use super::audit::{self, AuditLog};
use super::auth::{Authenticator, User, parse_basic};
use super::error::{status_from_datafusion, status_from_lake};
use super::metadata::{self, TABLE_TYPES};
use super::policy::{Policy, Role, resolve, view_candidates};
use super::prepared::{self, Registry};
use super::stream::{End, Progress, QueryStream, deadline_exceeded, plain_schema};
use crate::lake::CommitMode;
use crate::lake::TableName;
use crate::lake::catalog::CATALOG;
use crate::lake::write::TableWriter;
use crate::session::{AmigoSession, DEFAULT_SCHEMA, Outcome};

type DoGetStream = Pin<Box<dyn Stream<Item = Result<arrow_flight::FlightData, Status>> + Send>>;

/// Limits on the work the server accepts.
#[derive(Debug, Clone)]
pub struct Limits {
    /// A statement running longer is stopped with `DEADLINE_EXCEEDED`.
    pub query_timeout: Duration,
    /// Statements running at once; more wait for a slot.
    pub max_concurrent_queries: usize,
    /// How long a statement waits for a slot before `RESOURCE_EXHAUSTED`.
    pub queue_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            query_timeout: Duration::from_secs(300),
            max_concurrent_queries: 64,
            queue_timeout: Duration::from_secs(30),
        }
    }
}

/// What a `DoGet` ticket of this server holds.
#[derive(Clone, PartialEq, prost::Message)]
struct QueryTicket {
    #[prost(string, tag = "1")]
    query_id: String,
    /// The statement, for a plain query.
    #[prost(string, tag = "2")]
    sql: String,
    /// The prepared statement's handle, for a prepared query.
    #[prost(string, tag = "3")]
    prepared: String,
}

/// Queries that may be cancelled: id → token. A cancel that arrives before `DoGet` leaves a
/// cancelled token, so the query stops as soon as it starts.
#[derive(Default)]
struct Running {
    queries: Mutex<HashMap<String, (CancellationToken, Instant)>>,
}

impl Running {
    fn token(&self, id: &str) -> CancellationToken {
        let now = Instant::now();
        let mut queries = self.lock();
        if !queries.contains_key(id) {
            // Forget cancels of queries never fetched.
            queries.retain(|_, (_, at)| now.duration_since(*at) < Duration::from_secs(3600));
        }
        queries
            .entry(id.to_string())
            .or_insert_with(|| (CancellationToken::new(), now))
            .0
            .clone()
    }

    fn cancel(&self, id: &str) {
        self.token(id).cancel();
    }

    fn finish(&self, id: &str) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (CancellationToken, Instant)>> {
        self.queries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct AmigoFlightSql {
    session: Arc<AmigoSession>,
    auth: Arc<Authenticator>,
    policy: Policy,
    prepared: Registry,
    running: Arc<Running>,
    slots: Arc<Semaphore>,
    limits: Limits,
    audit: AuditLog,
    sql_info: SqlInfoData,
    xdbc: XdbcTypeInfoData,
}

/// Who called, for the audit log.
struct Caller {
    user: User,
    peer: Option<String>,
}

impl AmigoFlightSql {
    pub fn new(
        session: Arc<AmigoSession>,
        auth: Arc<Authenticator>,
        policy: Policy,
        limits: Limits,
        audit: AuditLog,
    ) -> Result<Self, FlightError> {
        let timeout = i32::try_from(limits.query_timeout.as_secs()).unwrap_or(i32::MAX);
        Ok(Self {
            session,
            auth,
            policy,
            prepared: Registry::new(),
            running: Arc::new(Running::default()),
            slots: Arc::new(Semaphore::new(limits.max_concurrent_queries.max(1))),
            limits,
            audit,
            sql_info: metadata::sql_info(timeout)?,
            xdbc: metadata::xdbc_type_info()?,
        })
    }

    fn caller<T>(&self, request: &Request<T>) -> Result<Caller, Status> {
        let header = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let user = self.auth.user_for_bearer(header)?;
        Ok(Caller {
            user,
            peer: request.remote_addr().map(|a| a.to_string()),
        })
    }

    fn record(
        &self,
        caller: &Caller,
        action: &'static str,
        sql: Option<&str>,
        started: Instant,
        rows: Option<u64>,
        result: Result<(), &Status>,
    ) {
        self.audit.record(entry(
            caller,
            action,
            sql.map(str::to_string),
            started,
            rows,
            None,
            result.err(),
        ));
    }

    /// Waits for a slot to run a statement, up to the queue timeout.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, Status> {
        match tokio::time::timeout(
            self.limits.queue_timeout,
            self.slots.clone().acquire_owned(),
        )
        .await
        {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(Status::unavailable("the server is shutting down")),
            Err(_) => Err(Status::resource_exhausted(format!(
                "the server is busy: {} statements are running and none finished within {}s; try again",
                self.limits.max_concurrent_queries,
                self.limits.queue_timeout.as_secs()
            ))),
        }
    }

    /// Plans `sql` for `user`, with parameter values bound, and checks the plan against the role.
    async fn plan(
        &self,
        user: &User,
        sql: &str,
        params: Option<ParamValues>,
    ) -> Result<LogicalPlan, Status> {
        let planned = tokio::time::timeout(self.limits.query_timeout, self.session.plan(sql))
            .await
            .map_err(|_| deadline_exceeded(self.limits.query_timeout))?;
        let mut plan = planned.map_err(|e| status_from_datafusion(&e))?;
        if let Some(params) = params {
            plan = plan
                .with_param_values(params)
                .map_err(|e| status_from_datafusion(&e))?;
        }
        self.authorize(user, &plan).await?;
        Ok(plan)
    }

    async fn authorize(&self, user: &User, plan: &LogicalPlan) -> Result<(), Status> {
        if user.role == Role::Admin {
            return Ok(());
        }
        let ctx = self.session.context();
        let mut views = HashMap::new();
        for name in view_candidates(plan) {
            let reference = TableReference::full(
                name.catalog.clone(),
                name.schema.clone(),
                name.table.clone(),
            );
            if let Ok(provider) = ctx.table_provider(reference).await
                && let Some(body) = provider.get_logical_plan()
            {
                views.insert(name, body.into_owned());
            }
        }
        self.policy
            .check(user.role, plan, &views)
            .map_err(|denied| Status::permission_denied(denied.0))
    }

    /// Runs a statement that changes data; returns the rows it affected (-1 when unknown).
    async fn run_change(&self, sql: &str, plan: LogicalPlan) -> Result<i64, Status> {
        let _slot = self.slot().await?;
        let run = self.session.execute_plan(sql, plan);
        let outcome = tokio::time::timeout(self.limits.query_timeout, run)
            .await
            .map_err(|_| deadline_exceeded(self.limits.query_timeout))?
            .map_err(|e| status_from_datafusion(&e))?;
        match outcome {
            Outcome::Done(message) => Ok(affected_rows(&message)),
            Outcome::Rows(frame) => {
                let batches = frame
                    .collect()
                    .await
                    .map_err(|e| status_from_datafusion(&e))?;
                Ok(batches.iter().map(|b| b.num_rows() as i64).sum())
            }
        }
    }

    /// `FlightInfo` for a query: runs a change now, or hands out a ticket for `DoGet`.
    async fn query_info(
        &self,
        caller: &Caller,
        sql: &str,
        prepared: Option<&str>,
        params: Option<(RecordBatch, SchemaRef)>,
        descriptor: FlightDescriptor,
    ) -> Result<FlightInfo, Status> {
        let started = Instant::now();
        let rows = match &params {
            Some((batch, _)) => batch.num_rows().max(1),
            None => 1,
        };
        let first = match &params {
            Some((batch, expected)) if batch.num_rows() > 0 => {
                Some(prepared::row_values(batch, 0, expected)?)
            }
            _ => None,
        };
        let plan = match self.plan(&caller.user, sql, first).await {
            Ok(plan) => plan,
            Err(status) => {
                self.record(caller, "query", Some(sql), started, None, Err(&status));
                return Err(status);
            }
        };
        if is_change(&plan) {
            let mut total = 0;
            let mut plan = Some(plan);
            for row in 0..rows {
                let plan = match plan.take() {
                    Some(plan) => plan,
                    None => {
                        let values = match &params {
                            Some((batch, expected)) => {
                                Some(prepared::row_values(batch, row, expected)?)
                            }
                            None => None,
                        };
                        self.plan(&caller.user, sql, values).await?
                    }
                };
                let result = self.run_change(sql, plan).await;
                self.record(
                    caller,
                    "update",
                    Some(sql),
                    started,
                    result.as_ref().ok().map(|n| (*n).max(0) as u64),
                    result.as_ref().map(|_| ()),
                );
                total += result?.max(0);
            }
            return Ok(FlightInfo::new()
                .try_with_schema(&Schema::empty())
                .map_err(|e| Status::internal(e.to_string()))?
                .with_descriptor(descriptor)
                .with_total_records(total));
        }
        let schema = plain_schema(plan.schema().as_arrow());
        let ticket = QueryTicket {
            query_id: uuid::Uuid::new_v4().simple().to_string(),
            sql: if prepared.is_some() {
                String::new()
            } else {
                sql.to_string()
            },
            prepared: prepared.unwrap_or_default().to_string(),
        };
        let ticket = TicketStatementQuery {
            statement_handle: ticket.encode_to_vec().into(),
        };
        FlightInfo::new()
            .try_with_schema(&schema)
            .map_err(|e| Status::internal(e.to_string()))
            .map(|info| {
                info.with_endpoint(
                    FlightEndpoint::new().with_ticket(Ticket::new(ticket.as_any().encode_to_vec())),
                )
                .with_descriptor(descriptor)
                .with_total_records(-1)
                .with_ordered(true)
            })
    }

    /// Streams a query's result for `DoGet`.
    async fn stream_query(
        &self,
        caller: Caller,
        ticket: QueryTicket,
    ) -> Result<Response<DoGetStream>, Status> {
        let started = Instant::now();
        let (sql, params) = if ticket.prepared.is_empty() {
            (ticket.sql.clone(), None)
        } else {
            let prepared = self
                .prepared
                .get(ticket.prepared.as_bytes(), &caller.user.name)?;
            let params = prepared
                .parameters
                .map(|batch| (batch, prepared.parameter_schema.clone()));
            (prepared.sql, params)
        };
        let rows = match &params {
            Some((batch, _)) => batch.num_rows().max(1),
            None => 1,
        };
        let result = async {
            let slot = self.slot().await?;
            // One deadline for the whole statement: planning, starting the plan (once per bound
            // parameter row) and then streaming its rows.
            let deadline = tokio::time::Instant::now() + self.limits.query_timeout;
            let streams = tokio::time::timeout_at(
                deadline,
                self.start_streams(&caller.user, &sql, params.as_ref(), rows, deadline),
            )
            .await
            .map_err(|_| deadline_exceeded(self.limits.query_timeout))??;
            Ok::<_, Status>((slot, deadline, streams))
        }
        .await;
        let (slot, deadline, streams) = match result {
            Ok(ok) => ok,
            Err(status) => {
                self.record(&caller, "query", Some(&sql), started, None, Err(&status));
                return Err(status);
            }
        };
        let Some(first) = streams.first() else {
            self.record(&caller, "query", Some(&sql), started, Some(0), Ok(()));
            let empty = FlightDataEncoderBuilder::new()
                .with_schema(Arc::new(Schema::empty()))
                .build(futures::stream::empty())
                .map_err(Status::from);
            return Ok(Response::new(Box::pin(empty)));
        };
        let schema = first.schema();
        let input: datafusion::execution::SendableRecordBatchStream = if streams.len() == 1 {
            streams
                .into_iter()
                .next()
                .ok_or_else(|| Status::internal("no stream"))?
        } else {
            Box::pin(
                datafusion::physical_plan::stream::RecordBatchStreamAdapter::new(
                    schema,
                    futures::stream::iter(streams).flatten(),
                ),
            )
        };

        let token = self.running.token(&ticket.query_id);
        let progress = Arc::new(Progress::default());
        let bytes = Arc::new(AtomicU64::new(0));
        let on_end = {
            let progress = progress.clone();
            let bytes = bytes.clone();
            let running = self.running.clone();
            let audit = self.audit.clone();
            let query_id = ticket.query_id.clone();
            let sql = sql.clone();
            Box::new(move |end: Option<End>| {
                drop(slot);
                running.finish(&query_id);
                let rows = progress.rows.load(Ordering::Relaxed);
                let sent = bytes.load(Ordering::Relaxed);
                let (status, detail) = match end {
                    Some(End::Finished) => (None, None),
                    Some(End::Failed(status)) => (Some(status), None),
                    None => (None, Some("the client stopped reading")),
                };
                let mut record = entry(
                    &caller,
                    "query",
                    Some(sql),
                    started,
                    Some(rows),
                    Some(sent),
                    status.as_ref(),
                );
                if let Some(detail) = detail {
                    record.outcome = "ClientGone".to_string();
                    record.error = Some(detail.to_string());
                }
                audit.record(record);
            }) as Box<dyn FnOnce(Option<End>) + Send>
        };
        let query = QueryStream::new(
            input,
            token,
            deadline,
            self.limits.query_timeout,
            progress,
            on_end,
        );
        let schema = query.schema();
        let flight = FlightDataEncoderBuilder::new()
            .with_schema(schema)
            .build(query.map_err(FlightError::from))
            .map(move |data| {
                if let Ok(data) = &data {
                    bytes.fetch_add(
                        (data.data_body.len() + data.data_header.len()) as u64,
                        Ordering::Relaxed,
                    );
                }
                data.map_err(Status::from)
            });
        Ok(Response::new(Box::pin(flight)))
    }

    /// Plans and starts a query once per bound parameter row (once without parameters), until
    /// `deadline`. Planning is mostly CPU work that never waits, so a timer around this future
    /// alone would not fire until it ends: the deadline is also checked after each row.
    async fn start_streams(
        &self,
        user: &User,
        sql: &str,
        params: Option<&(RecordBatch, SchemaRef)>,
        rows: usize,
        deadline: tokio::time::Instant,
    ) -> Result<Vec<datafusion::execution::SendableRecordBatchStream>, Status> {
        let mut streams = Vec::with_capacity(rows);
        for row in 0..rows {
            if tokio::time::Instant::now() >= deadline {
                return Err(deadline_exceeded(self.limits.query_timeout));
            }
            let values = match params {
                Some((batch, expected)) if batch.num_rows() > 0 => {
                    Some(prepared::row_values(batch, row, expected)?)
                }
                _ => None,
            };
            let plan = self.plan(user, sql, values).await?;
            let outcome = self
                .session
                .execute_plan(sql, plan)
                .await
                .map_err(|e| status_from_datafusion(&e))?;
            match outcome {
                Outcome::Rows(frame) => streams.push(
                    frame
                        .execute_stream()
                        .await
                        .map_err(|e| status_from_datafusion(&e))?,
                ),
                // A change in a ticket (only a hand-made ticket holds one): done, no rows.
                Outcome::Done(_) => {}
            }
        }
        Ok(streams)
    }

    /// Cancels the queries a `FlightInfo` of this server describes.
    fn cancel_info(&self, info: &FlightInfo) -> bool {
        let mut any = false;
        for endpoint in &info.endpoint {
            let Some(ticket) = &endpoint.ticket else {
                continue;
            };
            if let Some(query) = decode_ticket(&ticket.ticket) {
                self.running.cancel(&query.query_id);
                any = true;
            }
        }
        any
    }

    fn require_write(&self, user: &User, what: &str) -> Result<(), Status> {
        if user.role.can_write() {
            Ok(())
        } else {
            Err(Status::permission_denied(format!(
                "role {} may not change data ({what})",
                user.role
            )))
        }
    }

    async fn ingest(
        &self,
        user: &User,
        command: &CommandStatementIngest,
        data: PeekableFlightDataStream,
    ) -> Result<i64, Status> {
        self.require_write(user, "bulk ingest")?;
        if command.transaction_id.is_some() {
            return Err(Status::unimplemented("transactions are not supported"));
        }
        if command.temporary {
            return Err(Status::unimplemented(
                "temporary tables are not supported; ingest into a schema and drop the table after use",
            ));
        }
        if let Some(catalog) = command.catalog.as_deref()
            && !catalog.is_empty()
            && catalog != CATALOG
        {
            return Err(Status::not_found(format!(
                "catalog {catalog} does not exist (the lake is catalog {CATALOG})"
            )));
        }
        let schema_name = command
            .schema
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or(DEFAULT_SCHEMA);
        let name = TableName::new(schema_name, &command.table);
        name.validate().map_err(|e| status_from_lake(&e))?;
        let ctx = self.session.context();
        let schema_exists = ctx
            .catalog(CATALOG)
            .is_some_and(|c| c.schema(schema_name).is_some());
        if !schema_exists {
            return Err(Status::not_found(format!(
                "schema {schema_name} does not exist (create it with CREATE SCHEMA {schema_name})"
            )));
        }
        let existing = ctx
            .table_provider(TableReference::full(
                CATALOG,
                schema_name,
                command.table.as_str(),
            ))
            .await
            .ok();
        let options = command.table_definition_options.unwrap_or_default();
        let if_exists = TableExistsOption::try_from(options.if_exists)
            .unwrap_or(TableExistsOption::Unspecified);
        let if_not_exist = TableNotExistOption::try_from(options.if_not_exist)
            .unwrap_or(TableNotExistOption::Unspecified);
        let mode = match (&existing, if_exists, if_not_exist) {
            (Some(_), TableExistsOption::Append, _) => CommitMode::Append,
            (Some(_), TableExistsOption::Replace, _) => CommitMode::Replace,
            (Some(_), _, _) => {
                return Err(Status::already_exists(format!(
                    "table {name} already exists"
                )));
            }
            (None, _, TableNotExistOption::Fail) => {
                return Err(Status::not_found(format!("table {name} does not exist")));
            }
            (None, _, _) => CommitMode::Create,
        };
        let _slot = self.slot().await?;
        let mut batches = FlightRecordBatchStream::new_from_flight_data(
            data.into_peekable().map_err(FlightError::from),
        )
        .map_err(|e| DataFusionError::External(Box::new(Status::from(e))))
        .peekable();
        // The first batch (or the stream's schema message) tells the incoming columns.
        let incoming: SchemaRef = match Pin::new(&mut batches).peek().await {
            Some(Ok(batch)) => batch.schema(),
            Some(Err(e)) => return Err(status_from_datafusion(e)),
            None => {
                return Err(Status::invalid_argument(
                    "bulk ingest received no rows and no schema",
                ));
            }
        };
        let target = match (&existing, mode) {
            (Some(table), CommitMode::Append) => {
                let stored = table.schema();
                let names = |s: &Schema| -> Vec<String> {
                    s.fields().iter().map(|f| f.name().clone()).collect()
                };
                if names(&stored) != names(&incoming) {
                    return Err(Status::invalid_argument(format!(
                        "the columns sent ({}) are not those of {name} ({})",
                        names(&incoming).join(", "),
                        names(&stored).join(", ")
                    )));
                }
                stored
            }
            _ => incoming,
        };
        let (manifest, rows) = TableWriter::write_stream::<_, DataFusionError>(
            self.session.lake().clone(),
            name.clone(),
            &target,
            batches,
            mode,
            "ingest",
        )
        .await
        .map_err(|e| status_from_datafusion(&e))?;
        self.session
            .table_committed(&name, manifest)
            .await
            .map_err(|e| status_from_datafusion(&e))?;
        Ok(i64::try_from(rows).unwrap_or(i64::MAX))
    }
}

fn entry(
    caller: &Caller,
    action: &'static str,
    sql: Option<String>,
    started: Instant,
    rows: Option<u64>,
    bytes: Option<u64>,
    failure: Option<&Status>,
) -> audit::Entry {
    audit::Entry {
        at: chrono::Utc::now(),
        user: caller.user.name.clone(),
        role: caller.user.role.name().to_string(),
        action,
        sql,
        rows,
        bytes,
        duration: started.elapsed(),
        outcome: failure.map_or_else(|| "ok".to_string(), |s| format!("{:?}", s.code())),
        error: failure.map(|s| s.message().to_string()),
        peer: caller.peer.clone(),
    }
}

/// Statements whose effect is the point (DDL, DML, COPY, SET), as opposed to queries.
pub fn is_change(plan: &LogicalPlan) -> bool {
    matches!(
        plan,
        LogicalPlan::Dml(_)
            | LogicalPlan::Ddl(_)
            | LogicalPlan::Copy(_)
            | LogicalPlan::Statement(_)
    )
}

/// The row count in a session's report of a change (`inserted 3 rows into ...`, `deleted 2 rows
/// in ...`, `created table x: 5 rows ...`); -1, "unknown" in Flight SQL, for statements that
/// report none (DDL).
fn affected_rows(message: &str) -> i64 {
    let words: Vec<&str> = message.split_whitespace().collect();
    words
        .windows(2)
        .find(|pair| pair[1] == "rows" || pair[1] == "rows,")
        .and_then(|pair| pair[0].parse::<i64>().ok())
        .unwrap_or(-1)
}

fn decode_ticket(bytes: &[u8]) -> Option<QueryTicket> {
    let any = arrow_flight::sql::Any::decode(bytes).ok()?;
    let statement: TicketStatementQuery = any.unpack().ok()??;
    QueryTicket::decode(statement.statement_handle.as_ref()).ok()
}

fn schema_bytes(schema: &Schema) -> Result<prost::bytes::Bytes, Status> {
    let options = IpcWriteOptions::default();
    let IpcMessage(bytes) = SchemaAsIpc::new(schema, &options)
        .try_into()
        .map_err(|e: arrow::error::ArrowError| Status::internal(e.to_string()))?;
    Ok(bytes)
}

/// A one-batch `DoGet` answer.
fn batch_response<E: std::fmt::Display>(
    batch: Result<RecordBatch, E>,
) -> Result<Response<DoGetStream>, Status> {
    let batch = batch.map_err(|e| Status::internal(e.to_string()))?;
    let stream = FlightDataEncoderBuilder::new()
        .with_schema(batch.schema())
        .build(futures::stream::once(async { Ok(batch) }))
        .map_err(Status::from);
    Ok(Response::new(Box::pin(stream)))
}

fn metadata_info(
    command: impl ProstMessageExt,
    schema: &Schema,
    descriptor: FlightDescriptor,
) -> Result<Response<FlightInfo>, Status> {
    let ticket = Ticket::new(command.as_any().encode_to_vec());
    let info = FlightInfo::new()
        .try_with_schema(schema)
        .map_err(|e| Status::internal(e.to_string()))?
        .with_endpoint(FlightEndpoint::new().with_ticket(ticket))
        .with_descriptor(descriptor);
    Ok(Response::new(info))
}

fn primary_keys_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("catalog_name", DataType::Utf8, true),
        Field::new("db_schema_name", DataType::Utf8, true),
        Field::new("table_name", DataType::Utf8, false),
        Field::new("column_name", DataType::Utf8, false),
        Field::new("key_name", DataType::Utf8, true),
        Field::new("key_sequence", DataType::Int32, false),
    ]))
}

/// Decodes the batches of a `DoPut` (bound parameters) into one batch.
async fn collect_put(data: PeekableFlightDataStream) -> Result<Option<RecordBatch>, Status> {
    let batches: Vec<RecordBatch> = FlightRecordBatchStream::new_from_flight_data(
        data.into_peekable().map_err(FlightError::from),
    )
    .try_collect()
    .await
    .map_err(|e| {
        let status = Status::from(e);
        Status::invalid_argument(format!(
            "the parameters could not be read: {}",
            status.message()
        ))
    })?;
    let Some(first) = batches.first() else {
        return Ok(None);
    };
    let schema = first.schema();
    arrow::compute::concat_batches(&schema, &batches)
        .map(Some)
        .map_err(|e| Status::invalid_argument(format!("the parameter batches differ: {e}")))
}

#[tonic::async_trait]
impl FlightSqlService for AmigoFlightSql {
    type FlightService = AmigoFlightSql;

    async fn do_handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<
        Response<Pin<Box<dyn Stream<Item = Result<HandshakeResponse, Status>> + Send>>>,
        Status,
    > {
        let started = Instant::now();
        let peer = request.remote_addr().map(|a| a.to_string());
        let Authenticator::Users { users, tokens } = self.auth.as_ref() else {
            let output = futures::stream::iter([Ok(HandshakeResponse::default())]);
            return Ok(Response::new(Box::pin(output)));
        };
        let header = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                Status::unauthenticated("the handshake needs an `authorization: Basic ...` header")
            })?;
        let (name, password) = parse_basic(header)?;
        let checker = users.clone();
        let claimed = name.clone();
        let verified = tokio::task::spawn_blocking(move || checker.verify(&claimed, &password))
            .await
            .map_err(|e| Status::internal(format!("checking the password failed: {e}")))?;
        let Some(user) = verified else {
            let status = Status::unauthenticated("wrong user name or password");
            let caller = Caller {
                user: User {
                    name,
                    role: Role::Associate,
                },
                peer,
            };
            let mut record = entry(&caller, "login", None, started, None, None, Some(&status));
            record.role = String::new();
            self.audit.record(record);
            return Err(status);
        };
        let caller = Caller {
            user: user.clone(),
            peer,
        };
        self.record(&caller, "login", None, started, None, Ok(()));
        let token = tokens.issue(user);
        let header = MetadataValue::try_from(format!("Bearer {token}"))
            .map_err(|_| Status::internal("the token is not a valid header value"))?;
        let output = futures::stream::iter([Ok(HandshakeResponse {
            protocol_version: 0,
            payload: token.into_bytes().into(),
        })]);
        let mut response: Response<
            Pin<Box<dyn Stream<Item = Result<HandshakeResponse, Status>> + Send>>,
        > = Response::new(Box::pin(output));
        response.metadata_mut().insert("authorization", header);
        Ok(response)
    }

    async fn get_flight_info_statement(
        &self,
        query: CommandStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let caller = self.caller(&request)?;
        if query.transaction_id.is_some() {
            return Err(Status::unimplemented("transactions are not supported"));
        }
        let sql = prepared::number_placeholders(&query.query).map_err(Status::invalid_argument)?;
        let info = self
            .query_info(&caller, &sql, None, None, request.into_inner())
            .await?;
        Ok(Response::new(info))
    }

    async fn get_flight_info_prepared_statement(
        &self,
        command: CommandPreparedStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let caller = self.caller(&request)?;
        let handle = command.prepared_statement_handle;
        let prepared = self.prepared.get(&handle, &caller.user.name)?;
        let handle = String::from_utf8_lossy(&handle).into_owned();
        let params = prepared
            .parameters
            .map(|batch| (batch, prepared.parameter_schema.clone()));
        let info = self
            .query_info(
                &caller,
                &prepared.sql,
                Some(&handle),
                params,
                request.into_inner(),
            )
            .await?;
        Ok(Response::new(info))
    }

    async fn get_flight_info_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.into_builder().schema();
        metadata_info(query, &schema, request.into_inner())
    }

    async fn get_flight_info_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.clone().into_builder().schema();
        metadata_info(query, &schema, request.into_inner())
    }

    async fn get_flight_info_tables(
        &self,
        query: CommandGetTables,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.clone().into_builder().schema();
        metadata_info(query, &schema, request.into_inner())
    }

    async fn get_flight_info_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = query.into_builder().schema();
        metadata_info(query, &schema, request.into_inner())
    }

    async fn get_flight_info_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = self.sql_info.schema();
        metadata_info(query, &schema, request.into_inner())
    }

    async fn get_flight_info_primary_keys(
        &self,
        query: CommandGetPrimaryKeys,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        metadata_info(query, &primary_keys_schema(), request.into_inner())
    }

    async fn get_flight_info_xdbc_type_info(
        &self,
        query: CommandGetXdbcTypeInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        self.caller(&request)?;
        let schema = self.xdbc.schema();
        metadata_info(query, &schema, request.into_inner())
    }

    async fn do_get_statement(
        &self,
        ticket: TicketStatementQuery,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let caller = self.caller(&request)?;
        let query = QueryTicket::decode(ticket.statement_handle.as_ref())
            .map_err(|_| Status::invalid_argument("the ticket was not issued by this server"))?;
        self.stream_query(caller, query).await
    }

    async fn do_get_prepared_statement(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let caller = self.caller(&request)?;
        let ticket = QueryTicket {
            query_id: uuid::Uuid::new_v4().simple().to_string(),
            sql: String::new(),
            prepared: String::from_utf8_lossy(&query.prepared_statement_handle).into_owned(),
        };
        self.stream_query(caller, ticket).await
    }

    async fn do_get_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let caller = self.caller(&request)?;
        let mut builder = query.into_builder();
        let mut catalogs: Vec<String> =
            metadata::visible_schemas(self.session.context(), &self.policy, caller.user.role)
                .into_iter()
                .map(|(catalog, _)| catalog)
                .collect();
        catalogs.dedup();
        for catalog in catalogs {
            builder.append(catalog);
        }
        batch_response(builder.build())
    }

    async fn do_get_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let caller = self.caller(&request)?;
        let mut builder = query.into_builder();
        for (catalog, schema) in
            metadata::visible_schemas(self.session.context(), &self.policy, caller.user.role)
        {
            builder.append(catalog, schema);
        }
        batch_response(builder.build())
    }

    async fn do_get_tables(
        &self,
        query: CommandGetTables,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let caller = self.caller(&request)?;
        let tables =
            metadata::visible_tables(self.session.context(), &self.policy, caller.user.role)
                .await
                .map_err(|e| status_from_datafusion(&e))?;
        let mut builder = query.into_builder();
        for table in tables {
            builder
                .append(
                    &table.catalog,
                    &table.schema,
                    &table.table,
                    table.table_type,
                    &table.arrow_schema,
                )
                .map_err(|e| Status::internal(e.to_string()))?;
        }
        batch_response(builder.build())
    }

    async fn do_get_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        self.caller(&request)?;
        let mut builder = query.into_builder();
        for table_type in TABLE_TYPES {
            builder.append(table_type);
        }
        batch_response(builder.build())
    }

    async fn do_get_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        self.caller(&request)?;
        batch_response(query.into_builder(&self.sql_info).build())
    }

    async fn do_get_primary_keys(
        &self,
        query: CommandGetPrimaryKeys,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let caller = self.caller(&request)?;
        let schema_name = query.db_schema.clone().unwrap_or_else(|| "raw".to_string());
        let name = TableName::new(&schema_name, &query.table);
        let readable = self.policy.can_read(
            caller.user.role,
            &resolve(&TableReference::full(
                CATALOG,
                schema_name.as_str(),
                query.table.as_str(),
            )),
        );
        let other_catalog = query
            .catalog
            .as_deref()
            .is_some_and(|c| !c.is_empty() && c != CATALOG);
        let key = crate::model::Model::canonical()
            .ok()
            .and_then(|model| model.table(&name))
            .filter(|_| readable && !other_catalog)
            .map(|def| def.key.clone())
            .unwrap_or_default();
        let mut catalog = StringBuilder::new();
        let mut schema = StringBuilder::new();
        let mut table = StringBuilder::new();
        let mut column = StringBuilder::new();
        let mut key_name = StringBuilder::new();
        let mut sequence = Int32Builder::new();
        for (i, name) in key.iter().enumerate() {
            catalog.append_value(CATALOG);
            schema.append_value(&schema_name);
            table.append_value(&query.table);
            column.append_value(name);
            key_name.append_value(format!("{}_natural_key", query.table));
            sequence.append_value(i32::try_from(i + 1).unwrap_or(i32::MAX));
        }
        batch_response(RecordBatch::try_new(
            primary_keys_schema(),
            vec![
                Arc::new(catalog.finish()),
                Arc::new(schema.finish()),
                Arc::new(table.finish()),
                Arc::new(column.finish()),
                Arc::new(key_name.finish()),
                Arc::new(sequence.finish()),
            ],
        ))
    }

    async fn do_get_xdbc_type_info(
        &self,
        query: CommandGetXdbcTypeInfo,
        request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        self.caller(&request)?;
        batch_response(query.into_builder(&self.xdbc).build())
    }

    async fn do_put_statement_update(
        &self,
        command: CommandStatementUpdate,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        let caller = self.caller(&request)?;
        let started = Instant::now();
        if command.transaction_id.is_some() {
            return Err(Status::unimplemented("transactions are not supported"));
        }
        let sql =
            prepared::number_placeholders(&command.query).map_err(Status::invalid_argument)?;
        let result = async {
            let plan = self.plan(&caller.user, &sql, None).await?;
            self.run_change(&sql, plan).await
        }
        .await;
        self.record(
            &caller,
            "update",
            Some(&sql),
            started,
            result.as_ref().ok().map(|n| (*n).max(0) as u64),
            result.as_ref().map(|_| ()),
        );
        result
    }

    async fn do_put_statement_ingest(
        &self,
        command: CommandStatementIngest,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        let caller = self.caller(&request)?;
        let started = Instant::now();
        let what = format!(
            "bulk ingest into {}.{}",
            command.schema.as_deref().unwrap_or(DEFAULT_SCHEMA),
            command.table
        );
        let result = self
            .ingest(&caller.user, &command, request.into_inner())
            .await;
        self.record(
            &caller,
            "ingest",
            Some(&what),
            started,
            result.as_ref().ok().map(|n| (*n).max(0) as u64),
            result.as_ref().map(|_| ()),
        );
        result
    }

    async fn do_put_prepared_statement_query(
        &self,
        query: CommandPreparedStatementQuery,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<DoPutPreparedStatementResult, Status> {
        let caller = self.caller(&request)?;
        let handle = query.prepared_statement_handle;
        let prepared = self.prepared.get(&handle, &caller.user.name)?;
        if let Some(batch) = collect_put(request.into_inner()).await? {
            let expected = prepared.parameter_schema.fields().len();
            if batch.num_columns() != expected {
                return Err(Status::invalid_argument(format!(
                    "the statement takes {expected} parameter(s), {} were bound",
                    batch.num_columns()
                )));
            }
            self.prepared.bind(&handle, &caller.user.name, batch)?;
        }
        Ok(DoPutPreparedStatementResult {
            prepared_statement_handle: Some(handle),
        })
    }

    async fn do_put_prepared_statement_update(
        &self,
        query: CommandPreparedStatementUpdate,
        request: Request<PeekableFlightDataStream>,
    ) -> Result<i64, Status> {
        let caller = self.caller(&request)?;
        let started = Instant::now();
        let prepared = self
            .prepared
            .get(&query.prepared_statement_handle, &caller.user.name)?;
        // Parameters may come with the update itself rather than in an earlier bind.
        let sent = collect_put(request.into_inner()).await?;
        let params = sent.or(prepared.parameters);
        let rows = params.as_ref().map_or(1, |b| b.num_rows());
        let mut total = 0;
        for row in 0..rows {
            let values = match &params {
                Some(batch) => Some(prepared::row_values(
                    batch,
                    row,
                    &prepared.parameter_schema,
                )?),
                None => None,
            };
            let result = async {
                let plan = self.plan(&caller.user, &prepared.sql, values).await?;
                self.run_change(&prepared.sql, plan).await
            }
            .await;
            self.record(
                &caller,
                "update",
                Some(&prepared.sql),
                started,
                result.as_ref().ok().map(|n| (*n).max(0) as u64),
                result.as_ref().map(|_| ()),
            );
            total += result?.max(0);
        }
        Ok(total)
    }

    async fn do_action_create_prepared_statement(
        &self,
        query: ActionCreatePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<ActionCreatePreparedStatementResult, Status> {
        let caller = self.caller(&request)?;
        let started = Instant::now();
        if query.transaction_id.is_some() {
            return Err(Status::unimplemented("transactions are not supported"));
        }
        let result = async {
            let sql =
                prepared::number_placeholders(&query.query).map_err(Status::invalid_argument)?;
            let plan = self.plan(&caller.user, &sql, None).await?;
            let parameters =
                prepared::parameter_schema(&plan).map_err(|e| status_from_datafusion(&e))?;
            let dataset = if is_change(&plan) {
                Arc::new(Schema::empty())
            } else {
                plain_schema(plan.schema().as_arrow())
            };
            let handle = self
                .prepared
                .open(&caller.user.name, sql, Arc::new(parameters.clone()));
            Ok::<_, Status>(ActionCreatePreparedStatementResult {
                prepared_statement_handle: handle.into_bytes().into(),
                dataset_schema: schema_bytes(&dataset)?,
                parameter_schema: schema_bytes(&parameters)?,
            })
        }
        .await;
        if let Err(status) = &result {
            self.record(
                &caller,
                "prepare",
                Some(&query.query),
                started,
                None,
                Err(status),
            );
        }
        result
    }

    async fn do_action_close_prepared_statement(
        &self,
        query: ActionClosePreparedStatementRequest,
        request: Request<Action>,
    ) -> Result<(), Status> {
        let caller = self.caller(&request)?;
        // Closing twice is harmless: clients close in cleanup paths after errors.
        let _ = self
            .prepared
            .close(&query.prepared_statement_handle, &caller.user.name);
        Ok(())
    }

    async fn do_action_cancel_query(
        &self,
        query: ActionCancelQueryRequest,
        request: Request<Action>,
    ) -> Result<ActionCancelQueryResult, Status> {
        self.caller(&request)?;
        let info = FlightInfo::decode(query.info.as_ref())
            .map_err(|_| Status::invalid_argument("the cancel request holds no FlightInfo"))?;
        // CancelResult (not exported by arrow-flight): 1 CANCELLED, 3 NOT_CANCELLABLE.
        let result = if self.cancel_info(&info) { 1 } else { 3 };
        Ok(ActionCancelQueryResult { result })
    }

    async fn do_action_fallback(
        &self,
        request: Request<Action>,
    ) -> Result<Response<<Self as FlightService>::DoActionStream>, Status> {
        self.caller(&request)?;
        if request.get_ref().r#type != CANCEL_FLIGHT_INFO {
            return Err(Status::unimplemented(format!(
                "action {} is not supported",
                request.get_ref().r#type
            )));
        }
        let cancel = CancelFlightInfoRequest::decode(request.get_ref().body.as_ref())
            .map_err(|_| Status::invalid_argument("the cancel request could not be read"))?;
        let status = match cancel.info {
            Some(info) if self.cancel_info(&info) => CancelStatus::Cancelled,
            _ => CancelStatus::NotCancellable,
        };
        let result = CancelFlightInfoResult {
            status: status as i32,
        };
        let body = arrow_flight::Result {
            body: result.encode_to_vec().into(),
        };
        Ok(Response::new(Box::pin(futures::stream::iter([Ok(body)]))))
    }

    async fn list_custom_actions(&self) -> Option<Vec<Result<ActionType, Status>>> {
        Some(vec![Ok(ActionType {
            r#type: CANCEL_FLIGHT_INFO.to_string(),
            description: "Cancels the queries of a FlightInfo.\nRequest: CancelFlightInfoRequest\nResponse: CancelFlightInfoResult".into(),
        })])
    }

    async fn register_sql_info(&self, _id: i32, _result: &SqlInfo) {}
}

const CANCEL_FLIGHT_INFO: &str = "CancelFlightInfo";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affected_rows_from_session_reports() {
        assert_eq!(affected_rows("inserted 3 rows into analytics.t"), 3);
        assert_eq!(affected_rows("deleted 0 rows in raw.t"), 0);
        assert_eq!(
            affected_rows("created table analytics.t: 12 rows (version 1)"),
            12
        );
        assert_eq!(affected_rows("created schema x"), -1);
    }

    #[test]
    fn tickets_round_trip() {
        let ticket = QueryTicket {
            query_id: "q".into(),
            sql: "SELECT 1".into(),
            prepared: String::new(),
        };
        let wrapped = TicketStatementQuery {
            statement_handle: ticket.encode_to_vec().into(),
        };
        let decoded = decode_ticket(&wrapped.as_any().encode_to_vec());
        assert_eq!(decoded, Some(ticket));
        assert_eq!(decode_ticket(b"garbage"), None);
    }
}
