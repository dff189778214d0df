//! `amigo bench functions` end to end, on a small generated data set: the structure of the
//! report, not the speed (a debug build says nothing about speed).

use std::process::Command;

#[test]
fn bench_functions_times_every_email_function() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("results.json");
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["bench", "functions", "--values", "2000", "--runs", "1"])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--json")
        .arg(&json)
        .env_remove("AMIGO_BENCH_DATA")
        .output()
        .expect("run amigo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "amigo bench failed:\nstdout: {stdout}\nstderr: {stderr}"
    );

    // The table: one line per email function, with the values and a positive rate.
    for function in [
        "normalize_email",
        "email_domain",
        "email_local",
        "is_valid_email",
    ] {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(function))
            .unwrap_or_else(|| panic!("{function} is not in the table:\n{stdout}"));
        // function, values, seconds, values/s, target, result, non-null, inputs
        let fields: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(fields[1], "2000", "{line}");
        let rate: f64 = fields[3].replace(',', "").parse().expect("values/s");
        assert!(rate > 0.0, "{line}");
        assert_eq!(fields[4], "2.0M/s", "{line}");
        assert!(matches!(fields[5], "pass" | "FAIL"), "{line}");
        let non_null: f64 = fields[6].trim_end_matches('%').parse().expect("non-null %");
        // The generated emails are mostly valid: most results are values, not NULL.
        assert!(non_null > 50.0, "{line}");
        assert_eq!(fields[7], "email", "{line}");
    }

    // The inputs are kept as Parquet, for other engines, and the JSON has the same results.
    assert!(dir.path().join("data/bench/values.parquet").is_file());
    assert!(dir.path().join("data/bench/pairs.parquet").is_file());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("read json")).expect("json");
    let measurements = report["measurements"].as_array().expect("measurements");
    let normalize = measurements
        .iter()
        .find(|m| m["function"] == "normalize_email")
        .expect("normalize_email measured");
    assert_eq!(normalize["values"], 2000);
    assert!(normalize["values_per_second"].as_f64().unwrap_or(0.0) > 0.0);

    // A second run reuses the generated data.
    let again = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["bench", "functions", "--values", "2000", "--runs", "1"])
        .args(["--only", "email_domain"])
        .arg("--data")
        .arg(dir.path().join("data"))
        .output()
        .expect("run amigo");
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("reusing the generated data"));
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(stdout.contains("email_domain") && !stdout.contains("normalize_email"));
}

#[test]
fn bench_ingest_loads_every_export_then_reloads_without_writing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("ingest.json");
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["bench", "ingest", "--customers", "1500"])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--json")
        .arg(&json)
        .env_remove("AMIGO_BENCH_DATA")
        .output()
        .expect("run amigo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "amigo bench ingest failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid json");
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("data/manifest.json")).expect("manifest"),
    )
    .expect("valid manifest");
    let files = &manifest["files"];
    let expected: i64 = [
        "native/cegid/ETABLISSEMENTS.csv",
        "native/cegid/VENDEURS.csv",
        "native/cegid/CLIENTS.csv",
        "native/cegid/TICKETS.csv",
        "native/shopify/customers_export.csv",
        "native/shopify/orders_export.csv",
        "native/web/signups.jsonl",
    ]
    .iter()
    .map(|f| files[f].as_i64().expect("count"))
    .sum();
    for pass in ["load", "reload"] {
        assert_eq!(report[pass]["rows"].as_i64(), Some(expected), "{pass}");
        assert_eq!(
            report[pass]["files"].as_array().map(Vec::len),
            Some(7),
            "{pass}"
        );
        assert!(report[pass]["rows_per_second"].as_f64().unwrap_or(0.0) > 0.0);
    }
    let loaded: i64 = report["load"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["loaded"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(loaded, expected);
    let reloaded_unchanged: i64 = report["reload"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["unchanged"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(reloaded_unchanged, expected);
    assert!(stdout.contains("first load:") && stdout.contains("reload (nothing changed):"));
}

#[test]
fn bench_serve_exports_looks_up_and_serves_concurrent_clients() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("serve.json");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_amigo"))
            .args([
                "bench",
                "serve",
                "--customers",
                "1500",
                "--export-rows",
                "5000",
            ])
            .args(["--export-runs", "1", "--lookups", "30"])
            .args(["--clients", "4", "--queries-per-client", "5"])
            .arg("--data")
            .arg(dir.path().join("data"))
            .arg("--json")
            .arg(&json)
            .env_remove("AMIGO_BENCH_DATA")
            .output()
            .expect("run amigo")
    };
    let output = run();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "amigo bench serve failed:\nstdout: {stdout}\nstderr: {stderr}"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("valid json");

    // Export: every way read the whole table; the ways through the server are compared with
    // the local read, and the server sent something.
    let export = &report["export"];
    assert_eq!(export["rows"], 5000);
    assert!(export["wire_bytes"].as_u64().unwrap_or(0) > 0, "{export}");
    let ways = export["ways"].as_array().expect("ways");
    let names: Vec<&str> = ways.iter().filter_map(|w| w["name"].as_str()).collect();
    assert_eq!(names, ["local", "adbc", "flight", "rust"]);
    for way in ways {
        assert_eq!(way["rows"], 5000, "{way}");
        assert!(way["best_seconds"].as_f64().unwrap_or(0.0) > 0.0, "{way}");
        let compared = way["name"] != "local";
        assert_eq!(way["ratio_to_local"].is_number(), compared, "{way}");
        assert_eq!(way["meets_target"].is_boolean(), compared, "{way}");
    }
    for way in ["local", "adbc", "flight"] {
        let line = stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(way))
            .unwrap_or_else(|| panic!("no line for {way}:\n{stdout}"));
        assert!(
            way == "local" || line.contains("pass") || line.contains("FAIL"),
            "{line}"
        );
    }

    // Lookup: every key comes from the table, so every lookup finds its record.
    let lookup = &report["lookup"];
    assert_eq!(lookup["total"]["count"], 30);
    assert_eq!(lookup["not_found"], 0, "{lookup}");
    let (p50, p99) = (
        lookup["total"]["p50_ms"].as_f64().expect("p50"),
        lookup["total"]["p99_ms"].as_f64().expect("p99"),
    );
    assert!(0.0 < p50 && p50 <= p99, "{lookup}");
    assert!(stdout.contains("target p99 <= 10 ms"), "{stdout}");

    // Concurrency: 4 clients x 5 lookups, no error.
    let concurrency = &report["concurrency"];
    assert_eq!(concurrency["queries"], 20);
    assert_eq!(concurrency["errors"], 0, "{concurrency}");
    assert_eq!(concurrency["latency"]["count"], 20);

    // A second run reuses the data and the lake, and runs only what it is asked to.
    let again = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args([
            "bench",
            "serve",
            "--customers",
            "1500",
            "--export-rows",
            "5000",
        ])
        .args(["--only", "lookup", "--lookups", "5"])
        .arg("--data")
        .arg(dir.path().join("data"))
        .env_remove("AMIGO_BENCH_DATA")
        .output()
        .expect("run amigo");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(again.status.success(), "{stderr}");
    assert!(stderr.contains("reusing the benchmark lake"), "{stderr}");
    let stdout = String::from_utf8_lossy(&again.stdout);
    assert!(
        stdout.contains("lookup:") && !stdout.contains("export:"),
        "{stdout}"
    );
}

/// `amigo bench resolve` on a small generated data set: the pipeline runs in a child process and
/// the accuracy figures agree with the ground truth's own counts.
#[test]
fn bench_resolve_scores_the_pipeline_against_the_ground_truth() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("resolve.json");
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args([
            "bench",
            "resolve",
            "--customers",
            "400",
            "--incremental-batch",
            "40",
        ])
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--json")
        .arg(&json)
        .env_remove("AMIGO_BENCH_DATA")
        .output()
        .expect("run amigo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "amigo bench resolve failed:\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("amigo recall per corruption"), "{stdout}");

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("read json")).expect("json");
    let runs = report["runs"].as_array().expect("runs");
    let tools: Vec<&str> = runs.iter().filter_map(|r| r["tool"].as_str()).collect();
    assert_eq!(tools, ["amigo", "amigo -40", "amigo +40"], "no --splink");
    let amigo = &runs[0];
    assert!(amigo["peak_memory_mib"].as_f64().expect("memory") > 1.0);
    let accuracy = &amigo["accuracy"];
    // Every generated record is linked and scored.
    let records = accuracy["records"].as_i64().expect("records");
    let truth: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("data/manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    assert_eq!(
        records,
        truth["customers"].as_i64().expect("customers"),
        "{truth}"
    );
    let correct = accuracy["correct_pairs"].as_i64().expect("correct");
    let predicted = accuracy["predicted_pairs"].as_i64().expect("predicted");
    let true_pairs = accuracy["true_pairs"].as_i64().expect("true");
    assert!(correct <= predicted && correct <= true_pairs && true_pairs > 0);
    let precision = accuracy["pairwise_precision"].as_f64().expect("precision");
    assert!((precision - correct as f64 / predicted as f64).abs() < 1e-9);
    assert!(precision > 0.9, "{accuracy}");

    // The incremental runs: 40 records out of their customers, then matched again as new.
    let records_of =
        |run: &serde_json::Value| run["accuracy"]["records"].as_i64().expect("records");
    assert_eq!(records_of(&runs[1]), records - 40);
    assert_eq!(records_of(&runs[2]), records);
    assert!(runs[2]["seconds"].as_f64().expect("seconds") > 0.0);
    assert!(stdout.contains("amigo +40"), "{stdout}");
}

#[test]
fn bench_ltv_fits_simulated_customers_and_saves_the_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("ltv.json");
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args([
            "bench",
            "ltv",
            "--customers",
            "30000",
            "--runs",
            "1",
            "--json",
        ])
        .arg(&json)
        .output()
        .expect("run amigo");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "amigo bench ltv failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("30000 customers (seed 42)"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("read the JSON report"))
            .expect("JSON report");
    assert_eq!(report["customers"], 30000);
    assert!(report["lifetimes"].is_null(), "{report}");
    // The fit finds the simulated parameters back, roughly: r and p are well determined.
    let fitted = |model: &str, index: usize| {
        report["amigo"][model][index]
            .as_f64()
            .unwrap_or_else(|| panic!("no {model}[{index}] in {report}"))
    };
    assert!((fitted("bgnbd", 0) / 0.243 - 1.0).abs() < 0.15, "{report}");
    assert!(
        (fitted("gamma_gamma", 0) / 6.25 - 1.0).abs() < 0.15,
        "{report}"
    );
    assert!(report["amigo"]["seconds"].as_f64().is_some_and(|s| s > 0.0));
}
