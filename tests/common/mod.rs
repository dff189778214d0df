//! What the Flight SQL tests share: a lake with known rows, users for every role, and the real
//! server started on port 0.

#![allow(dead_code)]

use std::time::Duration;

use amigo::lake::Lake;
use amigo::serve::auth::hash_password;
use amigo::serve::{ServeConfig, Server};
use amigo::session::AmigoSession;
use tokio::sync::oneshot;

pub struct TestServer {
    pub addr: std::net::SocketAddr,
    pub lake: std::path::PathBuf,
    /// The test's directory (lake, users file).
    pub dir: std::path::PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<Result<(), String>>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Stops the server and waits until it has finished (audit log written); returns the lake
    /// and the directory that holds it (removed when dropped).
    pub async fn stop(self) -> (std::path::PathBuf, tempfile::TempDir) {
        let TestServer {
            lake,
            stop,
            task,
            _dir,
            ..
        } = self;
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        if let Some(task) = task {
            task.await.expect("server task").expect("server ran");
        }
        (lake, _dir)
    }
}

pub const PASSWORD: &str = "correct horse";

/// A lake with a raw table of people, a table of scores, a consent-style audience view (granted
/// to marketing) and a plain copy view (not granted); users for every role.
pub async fn start_with(token_ttl: Duration) -> TestServer {
    start_configured(|config| config.token_ttl = token_ttl).await
}

/// Starts the server on the test lake; `configure` may change the configuration first (the
/// users file is already set).
pub async fn start_configured(configure: impl FnOnce(&mut ServeConfig)) -> TestServer {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake_dir = dir.path().join("lake");
    let location = lake_dir.display().to_string();
    Lake::init(&location).await.expect("init lake");
    let session = AmigoSession::open(Lake::open(&location).await.expect("open"))
        .await
        .expect("session");
    for sql in [
        "CREATE TABLE raw.people AS SELECT * FROM (VALUES (1, 'ana@example.com', 'Ana'), (2, 'bob@example.com', 'Bob'), (3, 'chloé@example.com', 'Chloé')) AS t(id, email, name)",
        "CREATE TABLE analytics.scores AS SELECT * FROM (VALUES (1, 0.5), (2, 0.25), (3, 1.0)) AS t(id, score)",
        "CREATE VIEW analytics.audience_email AS SELECT id, email FROM raw.people WHERE id <> 2",
        "CREATE VIEW analytics.people_copy AS SELECT * FROM raw.people",
    ] {
        session.execute(sql).await.expect(sql);
    }
    drop(session);
    serve(dir, lake_dir, configure).await
}

/// A copy of the bundled sample lake (`data/lake`) after `amigo resolve`, so the unified tables
/// and the 360° lookup are there; users for every role.
pub async fn start_resolved() -> TestServer {
    let (dir, lake_dir) = resolved_lake();
    serve(dir, lake_dir, |_| {}).await
}

/// A copy of the bundled sample lake after `amigo resolve`: its directory and the lake's.
pub fn resolved_lake() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake_dir = dir.path().join("lake");
    copy_dir(
        &std::path::Path::new(&manifest_dir()).join("data/lake"),
        &lake_dir,
    );
    amigo_command(&["resolve", "--lake", &lake_dir.display().to_string()]);
    (dir, lake_dir)
}

/// Runs the amigo binary; panics with its standard error when it fails.
pub fn amigo_command(args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(args)
        .output()
        .expect("run amigo");
    assert!(
        output.status.success(),
        "amigo {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Writes a users file with one user per role (`<role>_user`, password [`PASSWORD`]) and starts
/// the server on `lake_dir`.
async fn serve(
    dir: tempfile::TempDir,
    lake_dir: std::path::PathBuf,
    configure: impl FnOnce(&mut ServeConfig),
) -> TestServer {
    let location = lake_dir.display().to_string();
    let hash = hash_password(PASSWORD).expect("hash");
    let users = ["admin", "analyst", "marketing", "associate"]
        .iter()
        .map(|role| {
            format!(
                "[[users]]\nname = \"{role}_user\"\nrole = \"{role}\"\npassword_hash = \"{hash}\"\n"
            )
        })
        .collect::<String>();
    let users_file = dir.path().join("users.toml");
    std::fs::write(&users_file, users).expect("users file");

    let mut config = ServeConfig::new(location, "127.0.0.1:0".parse().expect("addr"));
    config.users = Some(users_file);
    config.memory_limit = 256 << 20;
    configure(&mut config);
    let server = Server::bind(config).await.expect("bind");
    let addr = server.local_addr();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    TestServer {
        addr,
        dir: dir.path().to_path_buf(),
        lake: lake_dir,
        stop: Some(stop),
        task: Some(task),
        _dir: dir,
    }
}

pub async fn start() -> TestServer {
    start_with(Duration::from_secs(600)).await
}

/// The package's directory, as `cargo test` says when it runs the test: the one the test was
/// compiled in may be another checkout sharing the build directory (CI's cache).
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}
