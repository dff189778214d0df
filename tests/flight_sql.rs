//! `amigo serve` end to end: the real server on port 0, talked to with arrow-flight's Flight SQL
//! client over a real TCP connection.

mod common;

use std::sync::Arc;
use std::time::Duration;

use amigo::lake::Lake;
use amigo::session::AmigoSession;
use arrow::array::{Array, AsArray, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Int64Type, Schema};
use arrow_flight::error::FlightError;
use arrow_flight::sql::client::FlightSqlServiceClient;
use arrow_flight::sql::{
    ActionCancelQueryRequest, CommandGetDbSchemas, CommandGetTables, CommandStatementIngest,
    ProstMessageExt, SqlInfo, TableDefinitionOptions, TableExistsOption, TableNotExistOption,
};
use arrow_flight::{Action, FlightInfo};
use common::{PASSWORD, TestServer, start, start_with};
use futures::TryStreamExt;
use prost::Message;
use tonic::Code;
use tonic::transport::Channel;

type Client = FlightSqlServiceClient<Channel>;

async fn connect(server: &TestServer) -> Client {
    let channel = Channel::from_shared(format!("http://{}", server.addr))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    FlightSqlServiceClient::new(channel)
}

async fn login(server: &TestServer, role: &str) -> Client {
    let mut client = connect(server).await;
    client
        .handshake(&format!("{role}_user"), PASSWORD)
        .await
        .expect("login");
    client
}

fn code(error: &FlightError) -> Code {
    match error {
        FlightError::Tonic(status) => status.code(),
        other => panic!("expected a gRPC status, got {other:?}"),
    }
}

fn message(error: &FlightError) -> String {
    match error {
        FlightError::Tonic(status) => status.message().to_string(),
        other => other.to_string(),
    }
}

/// Fetches every endpoint of a FlightInfo.
async fn fetch(client: &mut Client, info: FlightInfo) -> Result<Vec<RecordBatch>, FlightError> {
    let mut batches = Vec::new();
    for endpoint in info.endpoint {
        let ticket = endpoint.ticket.expect("ticket");
        let stream = client.do_get(ticket).await?;
        batches.extend(stream.try_collect::<Vec<_>>().await?);
    }
    Ok(batches)
}

async fn query(client: &mut Client, sql: &str) -> Result<Vec<RecordBatch>, FlightError> {
    let info = client.execute(sql.to_string(), None).await?;
    fetch(client, info).await
}

fn strings(batches: &[RecordBatch], column: &str) -> Vec<String> {
    batches
        .iter()
        .flat_map(|b| {
            let array = b
                .column_by_name(column)
                .unwrap_or_else(|| panic!("no column {column}"));
            let array = array.as_string::<i32>();
            (0..array.len())
                .map(|i| array.value(i).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

fn ints(batches: &[RecordBatch], column: &str) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| {
            b.column_by_name(column)
                .unwrap_or_else(|| panic!("no column {column}"))
                .as_primitive::<Int64Type>()
                .values()
                .to_vec()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queries_return_exact_values_in_plain_types() {
    let server = start().await;
    let mut client = login(&server, "analyst").await;
    let batches = query(
        &mut client,
        "SELECT p.id, p.name, s.score FROM raw.people p JOIN scores s ON p.id = s.id ORDER BY p.id",
    )
    .await
    .expect("query");
    assert_eq!(ints(&batches, "id"), vec![1, 2, 3]);
    assert_eq!(strings(&batches, "name"), vec!["Ana", "Bob", "Chloé"]);
    let schema = batches[0].schema();
    assert_eq!(
        schema.field_with_name("name").expect("name").data_type(),
        &DataType::Utf8
    );
    // A function that produces view strings in DataFusion still arrives as plain Utf8.
    let batches = query(
        &mut client,
        "SELECT arrow_cast(name, 'Utf8View') AS v FROM raw.people ORDER BY id",
    )
    .await
    .expect("view query");
    assert_eq!(batches[0].schema().field(0).data_type(), &DataType::Utf8);
    assert_eq!(strings(&batches, "v"), vec!["Ana", "Bob", "Chloé"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bad_sql_is_invalid_argument_and_the_connection_stays_usable() {
    let server = start().await;
    let mut client = login(&server, "analyst").await;
    let error = query(&mut client, "SELEC 1").await.expect_err("bad SQL");
    assert_eq!(code(&error), Code::InvalidArgument, "{error}");
    assert!(message(&error).contains("SELEC"), "{}", message(&error));

    let error = query(&mut client, "SELECT nope FROM raw.people")
        .await
        .expect_err("bad column");
    assert_eq!(code(&error), Code::InvalidArgument);
    assert!(message(&error).contains("nope"), "{}", message(&error));

    let error = query(&mut client, "SELECT * FROM raw.missing")
        .await
        .expect_err("missing table");
    assert_eq!(code(&error), Code::NotFound, "{error}");

    let error = query(&mut client, "SELECT CAST('abc' AS INT)")
        .await
        .expect_err("bad cast");
    assert_eq!(code(&error), Code::InvalidArgument, "{error}");

    let batches = query(&mut client, "SELECT count(*) AS n FROM raw.people")
        .await
        .expect("good query after errors");
    assert_eq!(ints(&batches, "n"), vec![3]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn metadata_lists_what_the_role_may_see() {
    let server = start().await;
    let mut client = login(&server, "admin").await;

    let info = client
        .get_sql_info(vec![
            SqlInfo::FlightSqlServerName,
            SqlInfo::FlightSqlServerBulkIngestion,
        ])
        .await
        .expect("sql info");
    let batches = fetch(&mut client, info).await.expect("sql info rows");
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 2);

    let info = client.get_catalogs().await.expect("catalogs");
    let batches = fetch(&mut client, info).await.expect("catalog rows");
    assert_eq!(strings(&batches, "catalog_name"), vec!["amigo"]);

    // No catalog given (as ADBC and JDBC do): every schema.
    let info = client
        .get_db_schemas(CommandGetDbSchemas {
            catalog: None,
            db_schema_filter_pattern: None,
        })
        .await
        .expect("schemas");
    let schemas = strings(
        &fetch(&mut client, info).await.expect("rows"),
        "db_schema_name",
    );
    for expected in ["analytics", "audit", "raw", "unified"] {
        assert!(schemas.contains(&expected.to_string()), "{schemas:?}");
    }

    let tables = |types: Vec<&str>, pattern: Option<&str>| CommandGetTables {
        catalog: None,
        db_schema_filter_pattern: None,
        table_name_filter_pattern: pattern.map(str::to_string),
        table_types: types.into_iter().map(str::to_string).collect(),
        include_schema: true,
    };
    let info = client
        .get_tables(tables(vec!["TABLE"], None))
        .await
        .expect("tables");
    let batches = fetch(&mut client, info).await.expect("rows");
    let names = strings(&batches, "table_name");
    assert!(names.contains(&"people".to_string()), "{names:?}");
    assert!(!names.contains(&"audience_email".to_string()), "{names:?}");
    let info = client
        .get_tables(tables(vec!["VIEW"], Some("audience%")))
        .await
        .expect("views");
    let batches = fetch(&mut client, info).await.expect("rows");
    assert_eq!(strings(&batches, "table_name"), vec!["audience_email"]);
    assert_eq!(strings(&batches, "table_type"), vec!["VIEW"]);
    // The Arrow schema of each table comes along.
    let schema_bytes = batches[0]
        .column_by_name("table_schema")
        .expect("table_schema")
        .as_binary::<i32>()
        .value(0)
        .to_vec();
    let schema = arrow::ipc::convert::try_schema_from_ipc_buffer(&schema_bytes).expect("schema");
    assert_eq!(
        schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>(),
        vec!["id", "email"]
    );
    assert_eq!(schema.field(1).data_type(), &DataType::Utf8);

    let info = client.get_table_types().await.expect("types");
    let types = strings(&fetch(&mut client, info).await.expect("rows"), "table_type");
    assert!(types.contains(&"TABLE".to_string()) && types.contains(&"VIEW".to_string()));

    let info = client
        .get_xdbc_type_info(arrow_flight::sql::CommandGetXdbcTypeInfo { data_type: None })
        .await
        .expect("xdbc");
    let batches = fetch(&mut client, info).await.expect("xdbc rows");
    assert!(strings(&batches, "type_name").contains(&"VARCHAR".to_string()));

    // Marketing sees only what it may read.
    let mut marketing = login(&server, "marketing").await;
    let info = marketing
        .get_tables(tables(vec![], None))
        .await
        .expect("tables");
    let names = strings(
        &fetch(&mut marketing, info).await.expect("rows"),
        "table_name",
    );
    assert_eq!(names, vec!["audience_email"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn prepared_statements_bind_question_marks_and_dollar_numbers() {
    let server = start().await;
    let mut client = login(&server, "analyst").await;
    for sql in [
        "SELECT name FROM raw.people WHERE id = ?",
        "SELECT name FROM raw.people WHERE id = $1",
    ] {
        let mut statement = client.prepare(sql.to_string(), None).await.expect(sql);
        let parameters = statement.parameter_schema().expect("parameters").clone();
        assert_eq!(parameters.fields().len(), 1, "{sql}: {parameters:?}");
        assert_eq!(parameters.field(0).data_type(), &DataType::Int64);
        for (id, name) in [(2, "Bob"), (3, "Chloé")] {
            let batch = RecordBatch::try_new(
                Arc::new(Schema::new(vec![Field::new("$1", DataType::Int64, true)])),
                vec![Arc::new(Int64Array::from(vec![id]))],
            )
            .expect("batch");
            statement.set_parameters(batch).expect("bind");
            let info = statement.execute().await.expect("execute");
            let batches = fetch(&mut client, info).await.expect("rows");
            assert_eq!(strings(&batches, "name"), vec![name], "{sql} with {id}");
        }
        statement.close().await.expect("close");
    }

    // A parameter whose type only the bound value tells.
    let mut statement = client
        .prepare("SELECT ? AS greeting".to_string(), None)
        .await
        .expect("prepare");
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("$1", DataType::Utf8, true)])),
        vec![Arc::new(StringArray::from(vec!["bonjour"]))],
    )
    .expect("batch");
    statement.set_parameters(batch).expect("bind");
    let info = statement.execute().await.expect("execute");
    let batches = fetch(&mut client, info).await.expect("rows");
    assert_eq!(strings(&batches, "greeting"), vec!["bonjour"]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn updates_and_bulk_ingest_persist_in_the_lake() {
    let server = start().await;
    let mut admin = login(&server, "admin").await;
    let inserted = admin
        .execute_update(
            "INSERT INTO raw.people VALUES (4, 'dan@example.com', 'Dan')".to_string(),
            None,
        )
        .await
        .expect("insert");
    assert_eq!(inserted, 1);

    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("label", DataType::Utf8, true),
        ])),
        vec![
            Arc::new(Int64Array::from(vec![10, 20, 30])),
            Arc::new(StringArray::from(vec![Some("a"), None, Some("c")])),
        ],
    )
    .expect("batch");
    let command = |exists: TableExistsOption| CommandStatementIngest {
        table_definition_options: Some(TableDefinitionOptions {
            if_not_exist: TableNotExistOption::Create as i32,
            if_exists: exists as i32,
        }),
        table: "labels".to_string(),
        schema: Some("analytics".to_string()),
        catalog: None,
        temporary: false,
        transaction_id: None,
        options: Default::default(),
    };
    let rows = admin
        .execute_ingest(
            command(TableExistsOption::Fail),
            futures::stream::iter([Ok(batch.clone())]),
        )
        .await
        .expect("ingest");
    assert_eq!(rows, 3);
    let error = admin
        .execute_ingest(
            command(TableExistsOption::Fail),
            futures::stream::iter([Ok(batch.clone())]),
        )
        .await
        .expect_err("exists");
    assert_eq!(code(&error), Code::AlreadyExists, "{error}");
    admin
        .execute_ingest(
            command(TableExistsOption::Append),
            futures::stream::iter([Ok(batch.clone())]),
        )
        .await
        .expect("append");

    let batches = query(
        &mut admin,
        "SELECT id, label FROM analytics.labels ORDER BY id, label NULLS LAST",
    )
    .await
    .expect("read back");
    assert_eq!(ints(&batches, "id"), vec![10, 10, 20, 20, 30, 30]);
    let batches = query(&mut admin, "SELECT count(*) AS n FROM raw.people")
        .await
        .expect("count");
    assert_eq!(ints(&batches, "n"), vec![4]);

    // An analyst reads, but neither ingests nor changes anything.
    let mut analyst = login(&server, "analyst").await;
    let error = analyst
        .execute_ingest(
            command(TableExistsOption::Append),
            futures::stream::iter([Ok(batch)]),
        )
        .await
        .expect_err("analyst ingest");
    assert_eq!(code(&error), Code::PermissionDenied, "{error}");
    let error = analyst
        .execute_update("DELETE FROM raw.people".to_string(), None)
        .await
        .expect_err("analyst delete");
    assert_eq!(code(&error), Code::PermissionDenied, "{error}");
    let error = query(&mut analyst, "CREATE TABLE analytics.x AS SELECT 1")
        .await
        .expect_err("analyst create");
    assert_eq!(code(&error), Code::PermissionDenied, "{error}");

    // The change survives a restart: it is in the lake, not in the server's memory.
    let (lake, _dir) = server.stop().await;
    let session = AmigoSession::open(Lake::open(&lake.display().to_string()).await.expect("lake"))
        .await
        .expect("session");
    let Ok(amigo::session::Outcome::Rows(frame)) = session
        .execute("SELECT count(*) AS n FROM analytics.labels")
        .await
    else {
        panic!("count query failed");
    };
    let batches = frame.collect().await.expect("collect");
    assert_eq!(ints(&batches, "n"), vec![6]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn marketing_is_denied_raw_tables_through_joins_subqueries_and_views() {
    let server = start().await;
    let mut marketing = login(&server, "marketing").await;
    let batches = query(
        &mut marketing,
        "SELECT email FROM analytics.audience_email ORDER BY id",
    )
    .await
    .expect("granted view");
    assert_eq!(
        strings(&batches, "email"),
        vec!["ana@example.com", "chloé@example.com"]
    );
    // Unqualified, the view is found in the default schema, and still granted.
    query(&mut marketing, "SELECT count(*) FROM audience_email")
        .await
        .expect("granted view, unqualified");

    for sql in [
        "SELECT * FROM raw.people",
        "SELECT a.email, p.name FROM audience_email a JOIN raw.people p ON a.id = p.id",
        "SELECT email FROM audience_email WHERE id IN (SELECT id FROM raw.people)",
        "SELECT * FROM (SELECT * FROM raw.people) AS audience_email",
        "SELECT * FROM analytics.people_copy",
        "WITH x AS (SELECT * FROM raw.people) SELECT * FROM x",
        "SELECT * FROM analytics.scores",
        "SELECT * FROM audit.queries",
        "CREATE TABLE analytics.audience_x AS SELECT 1",
    ] {
        let error = query(&mut marketing, sql).await.expect_err(sql);
        assert_eq!(code(&error), Code::PermissionDenied, "{sql}: {error}");
    }
    // A prepared statement is checked as well.
    let error = marketing
        .prepare("SELECT * FROM raw.people WHERE id = ?".to_string(), None)
        .await
        .expect_err("prepared");
    assert_eq!(code(&error), Code::PermissionDenied, "{error}");

    // The associate reads neither.
    let mut associate = login(&server, "associate").await;
    let error = query(&mut associate, "SELECT * FROM audience_email")
        .await
        .expect_err("associate");
    assert_eq!(code(&error), Code::PermissionDenied);
    // The analyst reads everything but the audit log.
    let mut analyst = login(&server, "analyst").await;
    query(&mut analyst, "SELECT * FROM analytics.people_copy")
        .await
        .expect("analyst reads views");
    let error = query(&mut analyst, "SELECT * FROM audit.queries")
        .await
        .expect_err("analyst audit");
    assert_eq!(code(&error), Code::PermissionDenied);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn authentication_refuses_wrong_passwords_missing_and_expired_tokens() {
    let server = start().await;
    let mut client = connect(&server).await;
    let error = client
        .handshake("analyst_user", "wrong")
        .await
        .expect_err("wrong password");
    // The client folds the status into a string: its code's description and the message.
    let text = format!("{error:?}");
    assert!(text.contains("valid authentication credentials"), "{text}");
    assert!(text.contains("wrong user name or password"), "{text}");
    let error = client
        .handshake("nobody", PASSWORD)
        .await
        .expect_err("unknown user");
    assert!(
        format!("{error:?}").contains("wrong user name or password"),
        "{error:?}"
    );

    let error = query(&mut client, "SELECT 1").await.expect_err("no token");
    assert_eq!(code(&error), Code::Unauthenticated);
    client.set_token("forged.token".to_string());
    let error = query(&mut client, "SELECT 1")
        .await
        .expect_err("forged token");
    assert_eq!(code(&error), Code::Unauthenticated);
    let (lake, _dir) = server.stop().await;

    // Tokens that expire at once: the login works, the next call is refused.
    let server = start_with(Duration::ZERO).await;
    let mut client = login(&server, "analyst").await;
    let error = query(&mut client, "SELECT 1").await.expect_err("expired");
    assert_eq!(code(&error), Code::Unauthenticated);
    assert!(message(&error).contains("expired"), "{}", message(&error));
    server.stop().await;

    // Failed logins are in the audit log.
    let session = AmigoSession::open(Lake::open(&lake.display().to_string()).await.expect("lake"))
        .await
        .expect("session");
    let Ok(amigo::session::Outcome::Rows(frame)) = session
        .execute("SELECT user_name, outcome FROM audit.queries WHERE action = 'login' ORDER BY user_name")
        .await
    else {
        panic!("audit query failed");
    };
    let batches = frame.collect().await.expect("collect");
    assert_eq!(
        strings(&batches, "user_name"),
        vec!["analyst_user", "nobody"]
    );
    assert_eq!(
        strings(&batches, "outcome"),
        vec!["Unauthenticated", "Unauthenticated"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_clients() {
    let server = start().await;
    let mut tasks = Vec::new();
    for i in 0..16i64 {
        let mut client = login(&server, if i % 2 == 0 { "analyst" } else { "admin" }).await;
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                let batches = query(
                    &mut client,
                    &format!(
                        "SELECT count(*) + {i} AS n FROM raw.people p JOIN scores s ON p.id = s.id"
                    ),
                )
                .await
                .expect("query");
                assert_eq!(ints(&batches, "n"), vec![3 + i]);
            }
        }));
    }
    for task in tasks {
        task.await.expect("client task");
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_query_stops_and_the_audit_log_tells() {
    let server = start().await;
    let mut client = login(&server, "analyst").await;
    let info = client
        .execute("SELECT * FROM raw.people".to_string(), None)
        .await
        .expect("info");
    let request = ActionCancelQueryRequest {
        info: info.encode_to_vec().into(),
    };
    let action = Action {
        r#type: "CancelQuery".to_string(),
        body: request.as_any().encode_to_vec().into(),
    };
    let results: Vec<_> = client
        .do_action(action)
        .await
        .expect("cancel")
        .try_collect()
        .await
        .expect("cancel results");
    assert_eq!(results.len(), 1);
    let error = fetch(&mut client, info).await.expect_err("cancelled");
    assert_eq!(code(&error), Code::Cancelled, "{error}");
    // The connection is still usable.
    query(&mut client, "SELECT 1").await.expect("after cancel");

    let (lake, _dir) = server.stop().await;
    let session = AmigoSession::open(Lake::open(&lake.display().to_string()).await.expect("lake"))
        .await
        .expect("session");
    let Ok(amigo::session::Outcome::Rows(frame)) = session
        .execute("SELECT outcome, rows FROM audit.queries WHERE action = 'query' AND sql = 'SELECT * FROM raw.people'")
        .await
    else {
        panic!("audit query failed");
    };
    let batches = frame.collect().await.expect("collect");
    assert_eq!(strings(&batches, "outcome"), vec!["Cancelled"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_server_answers_resource_exhausted_and_frees_the_slot() {
    let server = common::start_configured(|config| {
        config.limits.max_concurrent_queries = 1;
        config.limits.queue_timeout = Duration::ZERO;
    })
    .await;
    let mut first = login(&server, "admin").await;
    // A result far larger than the HTTP/2 window: unread, it keeps its slot.
    let info = first
        .execute(
            "SELECT value, value * 2 AS twice FROM generate_series(1, 20000000)".to_string(),
            None,
        )
        .await
        .expect("big query");
    let ticket = info.endpoint[0].ticket.clone().expect("ticket");
    let mut stream = first.do_get(ticket).await.expect("do_get");
    let batch = stream
        .try_next()
        .await
        .expect("first batch")
        .expect("a batch");
    assert!(batch.num_rows() > 0);

    let mut second = login(&server, "analyst").await;
    let error = query(&mut second, "SELECT 1").await.expect_err("busy");
    assert_eq!(code(&error), Code::ResourceExhausted, "{error}");
    assert!(message(&error).contains("busy"), "{}", message(&error));

    // Dropping the big result frees the slot; the next query runs.
    drop(stream);
    drop(first);
    let mut ran = false;
    for _ in 0..200 {
        match query(&mut second, "SELECT 1 AS one").await {
            Ok(batches) => {
                assert_eq!(ints(&batches, "one"), vec![1]);
                ran = true;
                break;
            }
            Err(e) if code(&e) == Code::ResourceExhausted => tokio::task::yield_now().await,
            Err(e) => panic!("{e}"),
        }
    }
    assert!(ran, "the slot was never freed");
    server.stop().await;
}

/// Runs the prepared 360° lookup with `key` bound.
async fn lookup_360(
    client: &mut Client,
    statement: &mut arrow_flight::sql::client::PreparedStatement<Channel>,
    key: &str,
) -> Result<Vec<RecordBatch>, FlightError> {
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("$1", DataType::Utf8, true)])),
        vec![Arc::new(StringArray::from(vec![key]))],
    )
    .expect("batch");
    statement.set_parameters(batch)?;
    let info = statement.execute().await?;
    fetch(client, info).await
}

fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}

/// The values of field `field` in the structs of list column `column` of the first row.
fn list_field(batches: &[RecordBatch], column: &str, field: &str) -> Vec<String> {
    let batch = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    let list = batch
        .column_by_name(column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .as_list::<i32>()
        .value(0);
    let values = list
        .as_struct()
        .column_by_name(field)
        .unwrap_or_else(|| panic!("no field {field} in {column}"))
        .clone();
    let values = arrow::compute::cast(&values, &DataType::Utf8).expect("cast");
    let values = values.as_string::<i32>();
    (0..values.len())
        .map(|i| values.value(i).to_string())
        .collect()
}

fn struct_field(batches: &[RecordBatch], column: &str, field: &str) -> String {
    let batch = batches.iter().find(|b| b.num_rows() > 0).expect("a row");
    batch
        .column_by_name(column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .as_struct()
        .column_by_name(field)
        .unwrap_or_else(|| panic!("no field {field} in {column}"))
        .as_string::<i32>()
        .value(0)
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_associate_gets_a_customers_360_view_and_nothing_else() {
    // The bundled sample after `amigo resolve`. Mathilde Pratin has a Cegid and a Shopify
    // record, merged on email + first name; the values below are the sample's.
    let server = common::start_resolved().await;
    let mut associate = login(&server, "associate").await;
    let mut statement = associate
        .prepare(
            "SELECT * FROM customer_360 WHERE lookup_key = ?".to_string(),
            None,
        )
        .await
        .expect("prepare the lookup");

    // By email as typed at the counter (case and spaces do not matter), by phone in local
    // format, and by unified id: the same customer.
    for (key, matched_by) in [
        ("MathildePratin@iCloud.com ", "email"),
        ("07 96 81 26 68", "phone"),
        ("U0428f080b75966e7", "unified_id"),
    ] {
        let batches = lookup_360(&mut associate, &mut statement, key)
            .await
            .unwrap_or_else(|e| panic!("lookup {key}: {e}"));
        assert_eq!(rows(&batches), 1, "{key}");
        assert_eq!(strings(&batches, "matched_by"), vec![matched_by], "{key}");
        assert_eq!(ints(&batches, "match_count"), vec![1]);
        assert_eq!(strings(&batches, "unified_id"), vec!["U0428f080b75966e7"]);
        assert_eq!(strings(&batches, "first_name"), vec!["Mathilde"]);
        assert_eq!(strings(&batches, "last_name"), vec!["PRATIN"]);
        assert_eq!(
            strings(&batches, "email"),
            vec!["mathildepratin@icloud.com"]
        );
        assert_eq!(strings(&batches, "phone_e164"), vec!["+33796812668"]);
        assert_eq!(strings(&batches, "sources"), vec!["cegid,shopify"]);
        assert_eq!(ints(&batches, "order_count"), vec![19]);
        assert_eq!(
            list_field(&batches, "source_records", "record_id"),
            vec!["cegid:C000102813", "shopify:7108000052446"]
        );
        assert_eq!(
            list_field(&batches, "source_records", "link_rule"),
            vec!["email+first_name", "email+first_name"]
        );
        // Orders newest first, each with its lines.
        let orders = list_field(&batches, "orders", "order_id");
        assert_eq!(orders.len(), 19);
        assert_eq!(orders[..2], ["PAR03-00000364", "PAR01-00000941"]);
        // Consent now, per channel and purpose: the newest event across both records (sms
        // was refused in store in 2025, then given in 2026).
        assert_eq!(
            list_field(&batches, "consents", "channel"),
            vec!["analytics", "email", "phone", "sms"]
        );
        assert_eq!(
            list_field(&batches, "consents", "status"),
            vec!["opt_in", "opt_in", "opt_out", "opt_in"]
        );
        assert_eq!(
            struct_field(&batches, "preferred_store", "store_id"),
            "PAR01"
        );
        assert_eq!(struct_field(&batches, "associate", "associate_id"), "V1123");
    }
    // The lines of the newest order.
    let batches = lookup_360(&mut associate, &mut statement, "U0428f080b75966e7")
        .await
        .expect("lookup");
    let batch = &batches[0];
    let orders = batch
        .column_by_name("orders")
        .expect("orders")
        .as_list::<i32>();
    let newest = orders.value(0);
    let lines = newest.as_struct().column_by_name("lines").expect("lines");
    let lines = lines.as_list::<i32>().value(0);
    let skus = lines.as_struct().column_by_name("sku").expect("sku");
    assert_eq!(skus.as_string::<i32>().value(0), "RW-PERM-00040-TAN-54");

    // An email two people of one household share (two customers in the ground truth): both,
    // and match_count says so.
    let batches = lookup_360(&mut associate, &mut statement, "arthur.chollier@hotmail.fr")
        .await
        .expect("ambiguous");
    assert_eq!(rows(&batches), 2);
    assert_eq!(ints(&batches, "match_count"), vec![2, 2]);
    // Nobody: no row.
    let batches = lookup_360(&mut associate, &mut statement, "nobody@example.com")
        .await
        .expect("not found");
    assert_eq!(rows(&batches), 0);
    statement.close().await.expect("close");

    // The lookup needs exactly one key: it cannot list customers.
    for sql in [
        "SELECT * FROM customer_360",
        "SELECT * FROM customer_360 WHERE lookup_key = 'a@b.fr' OR lookup_key = 'c@d.fr'",
        "SELECT * FROM customer_360 WHERE lookup_key LIKE '%@gmail.com'",
        "SELECT * FROM customer_360 WHERE lookup_key = ' '",
    ] {
        let error = query(&mut associate, sql).await.expect_err(sql);
        assert_eq!(code(&error), Code::InvalidArgument, "{sql}: {error}");
    }
    // And the associate reads nothing else, not even through the lookup.
    for sql in [
        "SELECT * FROM raw.customer_records",
        "SELECT * FROM unified.customers",
        "SELECT c.* FROM customer_360 c JOIN raw.orders o ON o.customer_source_id = c.unified_id WHERE c.lookup_key = 'x@y.fr'",
        "SELECT * FROM customer_360 WHERE lookup_key IN (SELECT email FROM raw.customer_records)",
    ] {
        let error = query(&mut associate, sql).await.expect_err(sql);
        assert_eq!(code(&error), Code::PermissionDenied, "{sql}: {error}");
    }
    // Marketing may not look customers up.
    let mut marketing = login(&server, "marketing").await;
    let error = query(
        &mut marketing,
        "SELECT * FROM customer_360 WHERE lookup_key = 'U0428f080b75966e7'",
    )
    .await
    .expect_err("marketing");
    assert_eq!(code(&error), Code::PermissionDenied);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_query_timeout_covers_planning_and_starting_the_statement() {
    // A prepared statement bound with many rows runs once per row: planning and starting them
    // all takes far longer than the limit, before any row is sent. The deadline must stop it
    // there, in DoGet itself, rather than only once rows stream.
    let server = common::start_configured(|config| {
        config.limits.query_timeout = Duration::from_millis(300);
    })
    .await;
    let mut client = login(&server, "analyst").await;
    let mut statement = client
        .prepare("SELECT name FROM raw.people WHERE id = ?".to_string(), None)
        .await
        .expect("prepare");
    let ids: Vec<i64> = (0..20_000).map(|i| i % 3 + 1).collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![Field::new("$1", DataType::Int64, true)])),
        vec![Arc::new(Int64Array::from(ids))],
    )
    .expect("batch");
    statement.set_parameters(batch).expect("bind");
    let info = statement.execute().await.expect("execute");
    let ticket = info.endpoint[0].ticket.clone().expect("ticket");
    let error = match client.do_get(ticket).await {
        Ok(_) => panic!("DoGet answered although starting the statement exceeded the limit"),
        Err(e) => e,
    };
    assert_eq!(code(&error), Code::DeadlineExceeded, "{error}");
    assert!(
        message(&error).contains("limit of 0.3s"),
        "{}",
        message(&error)
    );
    // The connection still works.
    let batches = query(&mut client, "SELECT count(*) AS n FROM raw.people")
        .await
        .expect("after the timeout");
    assert_eq!(ints(&batches, "n"), vec![3]);
    server.stop().await;
}
