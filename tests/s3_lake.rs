//! A lake on an S3-compatible server: a real moto server, installed from PyPI into a virtualenv
//! by this test (see tests/s3/requirements.txt) and started on a free loopback port.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

struct S3Server {
    child: Child,
    endpoint: String,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server's virtualenv, installed once per test binary (tests run on parallel threads).
fn venv() -> PathBuf {
    static VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    VENV.get_or_init(install_venv).clone()
}

fn install_venv() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("moto-venv");
    let server = venv.join("bin/moto_server");
    if !server.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 -m venv");
        assert!(status.success(), "creating {}", venv.display());
        let requirements = std::path::PathBuf::from(
            std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
        )
        .join("tests/s3/requirements.txt");
        let status = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "-r"])
            .arg(requirements)
            .status()
            .expect("pip install");
        assert!(status.success(), "installing the S3 test server");
    }
    venv
}

fn start_server() -> S3Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(venv().join("bin/moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let server = S3Server {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    // Ready when it accepts connections (bounded wait, no fixed sleep).
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

/// Creates a bucket with a plain HTTP PUT (the test server does not check signatures).
fn create_bucket(port_endpoint: &str, bucket: &str) {
    let address = port_endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect");
    write!(
        stream,
        "PUT /{bucket} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
}

fn amigo(server: &S3Server, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .env_remove("AMIGO_LAKE")
        .output()
        .expect("run amigo");
    assert!(
        output.status.success(),
        "amigo {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn a_lake_on_s3_persists_tables_views_and_versions() {
    let server = start_server();
    create_bucket(&server.endpoint, "brand");
    let lake = "s3://brand/cdp";

    let not_yet = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["sql", "--lake", lake, "-c", "SELECT 1"])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("AWS_ALLOW_HTTP", "true")
        .output()
        .expect("run amigo");
    assert!(!not_yet.status.success());
    assert!(String::from_utf8_lossy(&not_yet.stderr).contains("not an amigo lake"));

    amigo(&server, &["init", "--lake", lake]);
    amigo(
        &server,
        &[
            "sql",
            "--lake",
            lake,
            "-c",
            "CREATE TABLE raw.c AS SELECT v AS id, 'client ' || v AS name FROM generate_series(1, 5000) t(v); \
             INSERT INTO raw.c VALUES (9999, 'Zoé'); \
             DELETE FROM raw.c WHERE id <= 1000; \
             CREATE VIEW analytics.named AS SELECT name FROM raw.c WHERE id = 9999",
        ],
    );
    let output = amigo(
        &server,
        &[
            "sql",
            "--lake",
            lake,
            "--format",
            "csv",
            "-c",
            "SELECT count(*) AS n, max(id) AS top FROM raw.c; SELECT name FROM analytics.named",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "n,top\n4001,9999\nname\nZoé\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn commits_on_s3_are_create_if_absent_so_concurrent_writers_never_lose_rows() {
    use std::sync::Arc;

    use amigo::lake::Lake;
    use amigo::session::{AmigoSession, Outcome};
    use arrow::array::AsArray;
    use arrow::datatypes::Int64Type;
    use datafusion::execution::object_store::ObjectStoreUrl;
    use object_store::path::Path as ObjectPath;
    use object_store::{ObjectStore, PutMode, PutOptions};

    let server = start_server();
    create_bucket(&server.endpoint, "brand");
    let store: Arc<dyn ObjectStore> = Arc::new(
        object_store::aws::AmazonS3Builder::new()
            .with_bucket_name("brand")
            .with_endpoint(&server.endpoint)
            .with_allow_http(true)
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .with_region("us-east-1")
            .build()
            .expect("s3 store"),
    );

    // The server honours create-if-absent, which every commit relies on.
    let create = || PutOptions {
        mode: PutMode::Create,
        ..Default::default()
    };
    let probe = ObjectPath::from("probe/once");
    store
        .put_opts(&probe, "a".into(), create())
        .await
        .expect("first put");
    let second = store.put_opts(&probe, "b".into(), create()).await;
    assert!(
        matches!(second, Err(object_store::Error::AlreadyExists { .. })),
        "{second:?}"
    );

    let lake = Lake::with_store(
        "s3://brand/concurrent",
        store,
        ObjectStoreUrl::parse("s3://brand").expect("url"),
        ObjectPath::from("concurrent"),
        true,
    )
    .await
    .expect("lake");
    let session = AmigoSession::open(lake.clone()).await.expect("session");
    session
        .execute("CREATE TABLE raw.events (id BIGINT)")
        .await
        .expect("create");
    let mut writers = Vec::new();
    for writer in 0..4i64 {
        let lake = lake.clone();
        writers.push(tokio::spawn(async move {
            let session = AmigoSession::open(lake).await.expect("session");
            for i in 0..5 {
                session
                    .execute(&format!(
                        "INSERT INTO raw.events VALUES ({})",
                        writer * 10 + i
                    ))
                    .await
                    .expect("insert");
            }
        }));
    }
    for writer in writers {
        writer.await.expect("writer");
    }
    let fresh = AmigoSession::open(lake).await.expect("session");
    let Outcome::Rows(frame) = fresh
        .execute("SELECT count(DISTINCT id) FROM raw.events")
        .await
        .expect("count")
    else {
        panic!("rows");
    };
    let batches = frame.collect().await.expect("collect");
    assert_eq!(
        batches[0].column(0).as_primitive::<Int64Type>().value(0),
        20
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ingest_reads_exports_from_s3_into_a_lake_on_s3() {
    use object_store::ObjectStoreExt;
    use object_store::path::Path as ObjectPath;

    let server = start_server();
    create_bucket(&server.endpoint, "brand");
    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name("brand")
        .with_endpoint(&server.endpoint)
        .with_allow_http(true)
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_region("us-east-1")
        .build()
        .expect("s3 store");
    let native = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("data/sample/native/cegid");
    for name in [
        "ETABLISSEMENTS.csv",
        "CLIENTS.csv",
        "TICKETS.csv",
        "VENDEURS.csv",
    ] {
        let bytes = std::fs::read(native.join(name)).expect("sample file");
        store
            .put(
                &ObjectPath::from(format!("exports/cegid/{name}")),
                bytes.into(),
            )
            .await
            .expect("upload");
    }
    let lake = "s3://brand/cdp";
    amigo(&server, &["init", "--lake", lake]);
    let ingest = || {
        let output = amigo(
            &server,
            &[
                "ingest",
                "--lake",
                lake,
                "--source",
                "cegid",
                "s3://brand/exports/cegid/",
            ],
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let first = ingest();
    assert!(
        first.contains("TICKETS.csv: read 7667, loaded 7667"),
        "{first}"
    );
    assert!(
        first.contains("CLIENTS.csv: read 1323, loaded 1323"),
        "{first}"
    );
    let again = ingest();
    assert!(
        again.contains("TICKETS.csv: read 7667, loaded 0, updated 0, unchanged 7667"),
        "{again}"
    );
    let output = amigo(
        &server,
        &[
            "sql",
            "--lake",
            lake,
            "--format",
            "csv",
            "-c",
            "SELECT (SELECT count(*) FROM raw.cegid_ticket_lines) AS lines, \
             (SELECT count(*) FROM raw.cegid_clients) AS clients, \
             (SELECT count(*) FROM raw.ingest_log) AS runs",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "lines,clients,runs\n7667,1323,8\n"
    );
}

/// The body of an object, read with the object_store client.
fn get_object(endpoint: &str, bucket: &str, key: &str) -> String {
    use object_store::{ObjectStore, ObjectStoreExt};

    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(endpoint)
        .with_allow_http(true)
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_region("us-east-1")
        .build()
        .expect("s3 store");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let bytes = runtime
        .block_on(async {
            let store: &dyn ObjectStore = &store;
            store
                .get(&object_store::path::Path::from(key))
                .await?
                .bytes()
                .await
        })
        .expect("get object");
    String::from_utf8(bytes.to_vec()).expect("utf-8 object")
}

/// `amigo export --out s3://...`: the audience file lands in the bucket, byte for byte what a
/// local export of the same audience writes, and the export log names the URL.
#[test]
fn an_audience_export_goes_to_an_s3_url() {
    let server = start_server();
    create_bucket(&server.endpoint, "crm-drop");
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let lake = lake.to_str().expect("utf-8");
    // `--lake` right after the command: `amigo segment --lake L install` as `amigo sql --lake L`.
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.splice(1..1, ["--lake", lake]);
        amigo(&server, &all)
    };
    run(&["init"]);
    run(&[
        "sql",
        "-c",
        "CREATE TABLE unified.customers AS SELECT unified_id, 'Ann' AS first_name, 'Lee' AS last_name, \
           'fr' AS preferred_language, email, phone_e164, CAST(NULL AS VARCHAR) AS address_line1, \
           CAST(NULL AS VARCHAR) AS address_line2, CAST(NULL AS VARCHAR) AS postal_code, \
           CAST(NULL AS VARCHAR) AS city, 'FR' AS country_iso2 \
         FROM (VALUES ('U1', 'ann@example.com', '+33612345601'), ('U2', 'bob@example.com', NULL), \
                      ('U3', NULL, NULL)) AS v(unified_id, email, phone_e164); \
         CREATE TABLE unified.consent_state AS SELECT unified_id, 'email' AS channel, \
           'marketing' AS purpose, status, status = 'opt_in' AS contactable \
         FROM (VALUES ('U1', 'opt_in'), ('U2', 'opt_out'), ('U3', 'opt_in')) AS v(unified_id, status)",
    ]);
    let segments = dir.path().join("segments");
    std::fs::create_dir(&segments).expect("mkdir");
    std::fs::write(
        segments.join("00_customer_value.sql"),
        "CREATE SCHEMA IF NOT EXISTS segments;\n\
         CREATE TABLE IF NOT EXISTS segments.catalog (name VARCHAR NOT NULL, \
         description VARCHAR NOT NULL, definition VARCHAR NOT NULL, installed_at TIMESTAMP NOT NULL);\n",
    )
    .expect("write");
    std::fs::write(
        segments.join("everyone.sql"),
        "-- segment: everyone\n-- description: every unified customer\n\
         CREATE OR REPLACE VIEW segments.everyone AS SELECT unified_id FROM unified.customers;\n",
    )
    .expect("write");
    run(&[
        "segment",
        "install",
        "--sql-dir",
        segments.to_str().expect("utf-8"),
    ]);
    let export = |out: &str| {
        run(&[
            "export",
            "--segment",
            "everyone",
            "--channel",
            "email",
            "--out",
            out,
            "--by",
            "crm",
        ])
    };
    export("s3://crm-drop/audiences/everyone-email.csv");
    let local = dir.path().join("everyone-email.csv");
    export(local.to_str().expect("utf-8"));
    let uploaded = get_object(&server.endpoint, "crm-drop", "audiences/everyone-email.csv");
    assert_eq!(
        uploaded,
        "SubscriberKey,EmailAddress,FirstName,Locale,Segment,JourneyStep\n\
         U1,ann@example.com,Ann,fr,everyone,\n"
    );
    assert_eq!(
        uploaded,
        std::fs::read_to_string(&local).expect("local export")
    );
    let logged = run(&[
        "sql",
        "--format",
        "csv",
        "-c",
        "SELECT destination, audience FROM marketing.exports ORDER BY exported_at",
    ]);
    assert!(
        String::from_utf8_lossy(&logged.stdout)
            .starts_with("destination,audience\ns3://crm-drop/audiences/everyone-email.csv,1\n"),
        "{logged:?}"
    );
    // Not an object store amigo writes to: refused before anything is written.
    let refused = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args([
            "export",
            "--lake",
            lake,
            "--segment",
            "everyone",
            "--channel",
            "email",
        ])
        .args(["--out", "gs://bucket/x.csv"])
        .output()
        .expect("run amigo");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr)
            .contains("--out gs://bucket/x.csv: only local paths and s3:// URLs are supported"),
        "{refused:?}"
    );
}
