//! `amigo serve` with a real peer: the ADBC Flight SQL driver from PyPI (the Go driver that
//! pandas, polars and Superset use), installed by this test into a virtualenv from
//! tests/adbc/requirements.txt, runs tests/adbc/check_flight_sql.py against the real server.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{PASSWORD, start};

/// The driver's virtualenv, installed once per test binary.
fn venv() -> PathBuf {
    static VENV: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    VENV.get_or_init(install_venv).clone()
}

fn install_venv() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("adbc-venv");
    let requirements = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/adbc/requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("requirements");
    let marker = venv.join("amigo-requirements.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return venv;
    }
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .expect("python3 -m venv");
    assert!(status.success(), "creating {}", venv.display());
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&requirements)
        .status()
        .expect("pip install");
    assert!(status.success(), "installing the ADBC Flight SQL driver");
    std::fs::write(&marker, wanted).expect("marker");
    venv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_adbc_driver_from_pypi_passes_every_check() {
    let python = venv().join("bin/python");
    let server = start().await;
    let script = std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("tests/adbc/check_flight_sql.py");
    let uri = format!("grpc://{}", server.addr);
    // The script blocks; the server keeps serving on the runtime's other threads.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(&script)
            .arg(&uri)
            .arg(PASSWORD)
            .output()
    })
    .await
    .expect("join")
    .expect("run the ADBC checks");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "ADBC checks failed:\n{stdout}\n{stderr}"
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("ok: ") && last.ends_with(" checks"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAILED"), "{stdout}");
    println!("{stdout}");
    server.stop().await;
}
