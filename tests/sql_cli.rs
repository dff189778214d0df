//! `amigo sql` end to end: the real binary over a real lake directory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use arrow::array::{Array, AsArray};
use arrow::datatypes::Int64Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn amigo(lake: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(args)
        .env("AMIGO_LAKE", lake)
        .env_remove("AMIGO_FORMAT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start amigo");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).expect("write stdin");
    }
    drop(input);
    child.wait_with_output().expect("run amigo")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "amigo failed:\nstdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    output
}

fn failed(output: Output) -> Output {
    assert!(
        !output.status.success(),
        "amigo should have failed:\nstdout: {}\nstderr: {}",
        stdout(&output),
        stderr(&output)
    );
    output
}

/// A fresh lake with `raw.t(id, name)` holding 3 rows.
fn lake_with_table() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    ok(amigo(dir.path(), &["init"], None));
    ok(amigo(
        dir.path(),
        &[
            "sql",
            "-c",
            "CREATE TABLE raw.t AS SELECT * FROM (VALUES (1, 'Hélène'), (2, 'Zoé'), (3, NULL)) v(id, name)",
        ],
        None,
    ));
    dir
}

fn sql(lake: &Path, statement: &str, format: &str) -> String {
    stdout(&ok(amigo(
        lake,
        &["sql", "--format", format, "-c", statement],
        None,
    )))
}

#[test]
fn query_results_in_every_format() {
    let lake = lake_with_table();
    let query = "SELECT id, name FROM raw.t ORDER BY id";

    assert_eq!(
        sql(lake.path(), query, "csv"),
        "id,name\n1,Hélène\n2,Zoé\n3,\n"
    );
    assert_eq!(
        sql(lake.path(), query, "json"),
        "{\"id\":1,\"name\":\"Hélène\"}\n{\"id\":2,\"name\":\"Zoé\"}\n{\"id\":3}\n"
    );
    let table = sql(lake.path(), query, "table");
    assert!(table.contains("| id | name   |"), "{table}");
    assert!(table.contains("| 2  | Zoé    |"), "{table}");
    assert!(table.trim_end().ends_with("(3 rows)"), "{table}");
    // Piped output defaults to CSV; an empty result still has its header.
    assert_eq!(
        sql(lake.path(), "SELECT id FROM raw.t WHERE id > 10", "auto"),
        "id\n"
    );

    let out = lake.path().join("result.parquet");
    ok(amigo(
        lake.path(),
        &[
            "sql",
            "--format",
            "parquet",
            "-o",
            out.to_str().expect("path"),
            "-c",
            query,
        ],
        None,
    ));
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out).expect("open"))
        .expect("parquet")
        .build()
        .expect("reader");
    let batches: Vec<_> = reader.collect::<Result<_, _>>().expect("read");
    let ids: Vec<i64> = batches
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect();
    assert_eq!(ids, vec![1, 2, 3]);
    assert_eq!(
        batches
            .iter()
            .map(|b| b.column(1).null_count())
            .sum::<usize>(),
        1
    );
}

#[test]
fn scripts_run_in_order_from_files_and_stdin() {
    let lake = lake_with_table();
    let script = lake.path().join("migrate.sql");
    std::fs::write(
        &script,
        "-- a migration\nCREATE TABLE unified.u AS SELECT id FROM raw.t;\n\nINSERT INTO unified.u VALUES (4); /* inline; comment */\nSELECT count(*) AS n FROM unified.u;\n",
    )
    .expect("write script");
    let output = ok(amigo(
        lake.path(),
        &["sql", "-f", script.to_str().expect("path")],
        None,
    ));
    assert_eq!(stdout(&output), "n\n4\n");
    let log = stderr(&output);
    assert!(
        log.contains("created table unified.u: 3 rows (version 1)"),
        "{log}"
    );
    assert!(log.contains("inserted 1 rows into unified.u"), "{log}");

    let output = ok(amigo(
        lake.path(),
        &["sql"],
        Some("SELECT sum(id) AS s FROM unified.u;"),
    ));
    assert_eq!(stdout(&output), "s\n10\n");
}

#[test]
fn failing_statement_names_file_and_line_and_keeps_earlier_commits() {
    let lake = lake_with_table();
    let script = lake.path().join("broken.sql");
    std::fs::write(
        &script,
        "CREATE TABLE analytics.first AS SELECT 1 AS x;\n-- next one is wrong\nSELECT *\n  FROM raw.nope;\nCREATE TABLE analytics.never AS SELECT 2 AS x;\n",
    )
    .expect("write script");
    let output = failed(amigo(
        lake.path(),
        &["sql", "-f", script.to_str().expect("path")],
        None,
    ));
    let message = stderr(&output);
    assert!(message.contains("broken.sql:3:"), "{message}");
    assert!(message.contains("raw.nope"), "{message}");
    assert!(message.contains("1 earlier statement(s)"), "{message}");
    assert!(
        message.contains("1 statement(s) after it were not run"),
        "{message}"
    );

    assert_eq!(
        sql(lake.path(), "SELECT x FROM analytics.first", "csv"),
        "x\n1\n"
    );
    let never = failed(amigo(
        lake.path(),
        &["sql", "-c", "SELECT * FROM analytics.never"],
        None,
    ));
    assert!(
        stderr(&never).contains("analytics.never"),
        "{}",
        stderr(&never)
    );
}

#[test]
fn syntax_errors_and_bad_inputs_give_one_clear_message() {
    let lake = lake_with_table();
    let output = failed(amigo(
        lake.path(),
        &["sql", "-c", "SELECT 1;\n\nSELEC oops"],
        None,
    ));
    let message = stderr(&output);
    assert!(message.starts_with("error: -c:3:"), "{message}");
    assert!(message.contains("SELEC"), "{message}");

    let missing = lake.path().join("no-such-lake");
    let output = failed(amigo(&missing, &["sql", "-c", "SELECT 1"], None));
    assert!(
        stderr(&output).contains("no-such-lake") && stderr(&output).contains("does not exist"),
        "{}",
        stderr(&output)
    );
    assert!(!missing.exists(), "a missing lake is not created");

    let output = failed(amigo(
        lake.path(),
        &["sql", "-f", "/nonexistent/script.sql"],
        None,
    ));
    assert!(
        stderr(&output).contains("cannot read /nonexistent/script.sql"),
        "{}",
        stderr(&output)
    );

    let not_a_lake = tempfile::tempdir().expect("tempdir");
    let output = failed(amigo(not_a_lake.path(), &["sql", "-c", "SELECT 1"], None));
    assert!(
        stderr(&output).contains("not an amigo lake"),
        "{}",
        stderr(&output)
    );

    // A failed run with --output leaves the previous file as it was.
    let out = lake.path().join("out.csv");
    std::fs::write(&out, "previous\n").expect("write");
    failed(amigo(
        lake.path(),
        &[
            "sql",
            "-o",
            out.to_str().expect("path"),
            "-c",
            "SELECT id FROM raw.t; SELECT * FROM raw.nope",
        ],
        None,
    ));
    assert_eq!(std::fs::read_to_string(&out).expect("read"), "previous\n");
}

/// A query that fails at run time, after its first rows were produced.
const FAILS_MIDWAY: &str = "SELECT v AS id, CAST(CASE WHEN v > 150000 THEN 'boom' ELSE CAST(v AS VARCHAR) END AS BIGINT) AS n FROM generate_series(1, 200000) t(v)";

fn data_files(lake: &Path, table: &str) -> usize {
    std::fs::read_dir(lake.join(table).join("data")).map_or(0, |d| d.count())
}

#[test]
fn a_write_that_fails_midway_leaves_the_previous_version_readable() {
    let lake = lake_with_table();
    ok(amigo(
        lake.path(),
        &[
            "sql",
            "-c",
            "CREATE TABLE raw.big AS SELECT v AS id, v AS n FROM generate_series(1, 10) t(v)",
        ],
        None,
    ));
    let files_before = data_files(lake.path(), "raw/big");

    let replace = format!("CREATE OR REPLACE TABLE raw.big AS {FAILS_MIDWAY}");
    let output = failed(amigo(lake.path(), &["sql", "-c", &replace], None));
    assert!(stderr(&output).contains("boom"), "{}", stderr(&output));
    let insert = format!("INSERT INTO raw.big {FAILS_MIDWAY}");
    failed(amigo(lake.path(), &["sql", "-c", &insert], None));

    assert_eq!(
        sql(
            lake.path(),
            "SELECT count(*) AS n, sum(n) AS s FROM raw.big",
            "csv"
        ),
        "n,s\n10,55\n"
    );
    assert_eq!(
        data_files(lake.path(), "raw/big"),
        files_before,
        "partial files are removed"
    );
}

#[test]
fn an_uncommitted_data_file_is_never_read() {
    // What a crash between writing data and committing leaves behind.
    let lake = lake_with_table();
    let data = lake.path().join("raw/t/data");
    let existing = std::fs::read_dir(&data)
        .expect("data dir")
        .next()
        .expect("file")
        .expect("entry")
        .path();
    std::fs::copy(&existing, data.join("part-orphan.parquet")).expect("copy");
    assert_eq!(
        sql(lake.path(), "SELECT count(*) AS n FROM raw.t", "csv"),
        "n\n3\n"
    );
}

#[test]
fn canonical_tables_only_accept_rows_that_fit_the_model() {
    let lake = lake_with_table();
    let output = failed(amigo(
        lake.path(),
        &[
            "sql",
            "-c",
            "CREATE TABLE raw.stores AS SELECT 1 AS store_id",
        ],
        None,
    ));
    assert!(
        stderr(&output).contains("raw.stores") && stderr(&output).contains("expected columns"),
        "{}",
        stderr(&output)
    );

    let create = "CREATE TABLE raw.stores AS SELECT * FROM (VALUES \
        ('PAR01', 'Paris Saint-Honoré', '1 rue X', '75008', 'Paris', 'FR', 'Europe', 'Europe/Paris', 'EUR', NULL, NULL, NULL, NULL, CAST('2010-03-01' AS DATE))) \
        v(store_id, name, address_line1, postal_code, city, country, region, timezone, currency, phone, email, opening_hours, manager_associate_id, opened_on)";
    ok(amigo(lake.path(), &["sql", "-c", create], None));
    let bad_region = "INSERT INTO raw.stores (store_id, name, city, country, region, timezone, currency) VALUES ('SYD01', 'Sydney', 'Sydney', 'AU', 'Oceania', 'Australia/Sydney', 'AUD')";
    let output = failed(amigo(lake.path(), &["sql", "-c", bad_region], None));
    assert!(
        stderr(&output).contains("Oceania") && stderr(&output).contains("allowed values"),
        "{}",
        stderr(&output)
    );
    let missing_city = "INSERT INTO raw.stores (store_id, name, country, region, timezone, currency) VALUES ('X', 'X', 'FR', 'Europe', 'Europe/Paris', 'EUR')";
    let output = failed(amigo(lake.path(), &["sql", "-c", missing_city], None));
    assert!(
        stderr(&output).contains("column city is NOT NULL"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        sql(lake.path(), "SELECT count(*) AS n FROM raw.stores", "csv"),
        "n\n1\n"
    );
}

#[test]
fn views_schemas_and_drops_persist_in_the_lake() {
    let lake = lake_with_table();
    ok(amigo(
        lake.path(),
        &[
            "sql",
            "-c",
            "CREATE SCHEMA staging; CREATE TABLE staging.s AS SELECT 1 AS a; CREATE VIEW named AS SELECT name FROM raw.t WHERE name IS NOT NULL; CREATE VIEW analytics.counted AS SELECT count(*) AS n FROM named",
        ],
        None,
    ));
    assert!(lake.path().join("analytics/named.sql").is_file());
    // A later process sees views (including a view over a view) and the new schema.
    assert_eq!(
        sql(lake.path(), "SELECT n FROM analytics.counted", "csv"),
        "n\n2\n"
    );
    assert_eq!(sql(lake.path(), "SELECT a FROM staging.s", "csv"), "a\n1\n");

    ok(amigo(
        lake.path(),
        &[
            "sql",
            "-c",
            "DROP VIEW analytics.counted; DROP TABLE staging.s",
        ],
        None,
    ));
    assert!(!lake.path().join("analytics/counted.sql").exists());
    let tables = sql(
        lake.path(),
        "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema <> 'information_schema' ORDER BY t",
        "csv",
    );
    assert_eq!(tables, "t\nanalytics.named\nraw.t\n");
    // A dropped table can be created again.
    ok(amigo(
        lake.path(),
        &["sql", "-c", "CREATE TABLE staging.s AS SELECT 2 AS a"],
        None,
    ));
    assert_eq!(sql(lake.path(), "SELECT a FROM staging.s", "csv"), "a\n2\n");
}

#[test]
fn copy_writes_files_atomically() {
    let lake = lake_with_table();
    let target = lake.path().join("export.csv");
    let copy = format!(
        "COPY (SELECT id FROM raw.t ORDER BY id) TO '{}'",
        target.display()
    );
    let output = ok(amigo(lake.path(), &["sql", "-c", &copy], None));
    assert!(
        stderr(&output).contains("copied 3 rows"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "id\n1\n2\n3\n"
    );

    let failing = format!("COPY ({FAILS_MIDWAY}) TO '{}'", target.display());
    failed(amigo(lake.path(), &["sql", "-c", &failing], None));
    assert_eq!(
        std::fs::read_to_string(&target).expect("read"),
        "id\n1\n2\n3\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(lake.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn delete_and_update_rewrite_the_table_as_a_new_version() {
    let lake = lake_with_table();
    ok(amigo(
        lake.path(),
        &["sql", "-c", "CREATE TABLE raw.gone AS SELECT 2 AS id"],
        None,
    ));
    let output = ok(amigo(
        lake.path(),
        &[
            "sql",
            "-c",
            "DELETE FROM raw.t WHERE id IN (SELECT id FROM raw.gone); UPDATE raw.t SET name = upper(name) WHERE id = 1; UPDATE raw.t SET name = 'x' WHERE id = 99",
        ],
        None,
    ));
    let log = stderr(&output);
    assert!(log.contains("deleted 1 rows in raw.t"), "{log}");
    assert!(log.contains("updated 1 rows in raw.t"), "{log}");
    assert!(log.contains("updated 0 rows in raw.t"), "{log}");
    assert_eq!(
        sql(lake.path(), "SELECT id, name FROM raw.t ORDER BY id", "csv"),
        "id,name\n1,HÉLÈNE\n3,\n"
    );

    // A NULL predicate keeps the row, as in every SQL database.
    ok(amigo(
        lake.path(),
        &["sql", "-c", "DELETE FROM raw.t WHERE name <> 'HÉLÈNE'"],
        None,
    ));
    assert_eq!(
        sql(lake.path(), "SELECT count(*) AS n FROM raw.t", "csv"),
        "n\n2\n"
    );
    let output = ok(amigo(
        lake.path(),
        &["sql", "-c", "DELETE FROM raw.t"],
        None,
    ));
    assert!(
        stderr(&output).contains("deleted 2 rows"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        sql(lake.path(), "SELECT count(*) AS n FROM raw.t", "csv"),
        "n\n0\n"
    );
    // The table and its columns survive an emptying delete.
    ok(amigo(
        lake.path(),
        &["sql", "-c", "INSERT INTO raw.t VALUES (7, 'Zoé')"],
        None,
    ));
    assert_eq!(
        sql(lake.path(), "SELECT id, name FROM raw.t", "csv"),
        "id,name\n7,Zoé\n"
    );
}

#[test]
fn a_csv_file_loads_into_the_lake_through_an_external_table() {
    let lake = lake_with_table();
    let csv = lake.path().join("people.csv");
    std::fs::write(&csv, "id,city\n1,Paris\n2,Séoul\n").expect("write csv");
    let script = format!(
        "CREATE EXTERNAL TABLE people_file STORED AS CSV LOCATION '{}' OPTIONS ('format.has_header' 'true');\n\
         CREATE TABLE raw.people AS SELECT * FROM people_file;",
        csv.display()
    );
    let output = ok(amigo(lake.path(), &["sql", "-c", &script], None));
    assert_eq!(stdout(&output), "", "DDL prints no rows");
    assert!(
        stderr(&output).contains("for this session only"),
        "{}",
        stderr(&output)
    );
    // The lake table stays; the external table was for that run only.
    assert_eq!(
        sql(
            lake.path(),
            "SELECT city FROM raw.people ORDER BY id",
            "csv"
        ),
        "city\nParis\nSéoul\n"
    );
    failed(amigo(
        lake.path(),
        &["sql", "-c", "SELECT * FROM people_file"],
        None,
    ));
}

#[test]
fn a_view_file_that_is_not_a_view_is_reported_and_not_run() {
    let lake = lake_with_table();
    std::fs::create_dir_all(lake.path().join("analytics")).expect("schema dir");
    std::fs::write(
        lake.path().join("analytics/evil.sql"),
        "DROP TABLE raw.t;\n",
    )
    .expect("write view file");
    let output = ok(amigo(
        lake.path(),
        &["sql", "-c", "SELECT count(*) AS n FROM raw.t"],
        None,
    ));
    assert_eq!(stdout(&output), "n\n3\n");
    assert!(
        stderr(&output).contains("warning: view analytics.evil does not load"),
        "{}",
        stderr(&output)
    );
}
