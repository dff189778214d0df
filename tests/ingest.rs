//! `amigo ingest` end to end: the real binary, the generator's native files, a real lake.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The bundled sample data, found at run time: the binary may have been built from another
/// checkout sharing the build cache.
fn sample() -> std::path::PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
    .join("data/sample")
}

fn amigo(lake: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_amigo"));
    command
        .args(args)
        .env("AMIGO_LAKE", lake)
        .env_remove("AMIGO_FORMAT");
    for (k, v) in envs {
        command.env(k, v);
    }
    command.output().expect("run amigo")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "amigo failed:\nstdout: {}\nstderr: {}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

fn new_lake(dir: &Path) -> PathBuf {
    let lake = dir.join("lake");
    ok(amigo(&lake, &["init"], &[]));
    lake
}

fn ingest(lake: &Path, source: &str, inputs: &[&Path]) -> String {
    let mut args = vec!["ingest", "--source", source];
    let inputs: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    args.extend(inputs.iter().map(String::as_str));
    ok(amigo(lake, &args, &[]))
}

/// Rows of a query as JSON objects.
fn query(lake: &Path, sql: &str) -> Vec<serde_json::Map<String, Value>> {
    let out = ok(amigo(lake, &["sql", "--format", "json", "-c", sql], &[]));
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(o)) => o,
            other => panic!("not a JSON row: {l} ({other:?})"),
        })
        .collect()
}

fn count(lake: &Path, sql: &str) -> i64 {
    let rows = query(lake, sql);
    rows[0]
        .values()
        .next()
        .and_then(Value::as_i64)
        .expect("a count")
}

/// (source, native directory) of every sample source.
fn sources() -> Vec<(&'static str, PathBuf)> {
    let native = sample().join("native");
    vec![
        ("cegid", native.join("cegid")),
        ("shopify", native.join("shopify")),
        ("web", native.join("web")),
        ("consents", native.join("consents")),
        ("marketing", native.join("marketing")),
        ("catalog", native.join("catalog")),
    ]
}

/// Native file → (current view, history table) it loads into.
const TABLES: &[(&str, &str)] = &[
    ("native/cegid/ETABLISSEMENTS.csv", "raw.cegid_stores"),
    ("native/cegid/VENDEURS.csv", "raw.cegid_associates"),
    ("native/cegid/CLIENTS.csv", "raw.cegid_clients"),
    ("native/cegid/TICKETS.csv", "raw.cegid_ticket_lines"),
    (
        "native/shopify/customers_export.csv",
        "raw.shopify_customers",
    ),
    (
        "native/shopify/orders_export.csv",
        "raw.shopify_order_lines",
    ),
    ("native/web/signups.jsonl", "raw.web_signups"),
    ("native/consents/consent_events.csv", "raw.consent_log"),
    (
        "native/marketing/interactions.csv",
        "raw.marketing_interactions",
    ),
    ("native/catalog/products.csv", "raw.catalog_products"),
];

/// Every lake table's current version, and a fingerprint of its content.
fn lake_state(lake: &Path) -> Vec<(String, i64, String)> {
    TABLES
        .iter()
        .map(|(_, table)| {
            let rows = query(
                lake,
                &format!(
                    "SELECT count(*) AS n, max(_row_hash) AS h, min(_row_hash) AS l, \
                     count(DISTINCT _ingest_id) AS batches FROM {table}_history"
                ),
            );
            (
                table.to_string(),
                rows[0]["n"].as_i64().unwrap_or(-1),
                format!("{:?}", rows[0]),
            )
        })
        .collect()
}

#[test]
fn every_native_file_loads_with_the_manifest_counts_and_reloading_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lake = new_lake(dir.path());
    for (source, path) in sources() {
        ingest(&lake, source, &[&path]);
    }
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(sample().join("manifest.json")).unwrap())
            .unwrap();
    for (file, table) in TABLES {
        let expected = manifest["files"][file].as_i64().unwrap();
        assert_eq!(
            count(&lake, &format!("SELECT count(*) FROM {table}")),
            expected,
            "{table}"
        );
    }
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM raw.ingest_quarantine WHERE true"
        ),
        0
    );
    // Typed and normalized columns: a Cegid ticket in Paris local time is stored in UTC.
    let rows = query(
        &lake,
        "SELECT date_ticket_raw, CAST(date_ticket AS VARCHAR) AS utc, prix_unitaire_raw, \
         CAST(prix_unitaire AS VARCHAR) AS price FROM raw.cegid_ticket_lines \
         WHERE etablissement = 'PAR02' AND numero_ticket = '00000001' AND numero_ligne = 1",
    );
    assert_eq!(rows[0]["date_ticket_raw"], "09/06/2012 13:27:06");
    assert_eq!(rows[0]["utc"], "2012-06-09T11:27:06Z");
    assert_eq!(rows[0]["prix_unitaire_raw"], "780,00");
    assert_eq!(rows[0]["price"], "780.00");
    // Normalized columns, derived in SQL with amigo's functions.
    let rows = query(
        &lake,
        "SELECT telephone, country_iso2, phone_e164, email_normalized FROM raw.cegid_clients \
         WHERE code_client = 'C000102562'",
    );
    assert_eq!(rows[0]["telephone"], "07368 944191");
    assert_eq!(rows[0]["country_iso2"], "GB");
    assert_eq!(rows[0]["phone_e164"], "+447368944191");
    assert_eq!(rows[0]["email_normalized"], "michellerichardson@gmail.com");
    let rows = query(
        &lake,
        "SELECT customer_id, customer_id_raw FROM raw.shopify_customers ORDER BY customer_id LIMIT 1",
    );
    assert!(
        rows[0]["customer_id_raw"]
            .as_str()
            .unwrap()
            .starts_with('\'')
    );
    assert!(!rows[0]["customer_id"].as_str().unwrap().starts_with('\''));

    let before = lake_state(&lake);
    for (source, path) in sources() {
        let out = ingest(&lake, source, &[&path]);
        assert!(out.contains("loaded 0, updated 0"), "{out}");
        assert!(
            !out.contains("version"),
            "a reload committed something: {out}"
        );
    }
    assert_eq!(lake_state(&lake), before);
    // Every run is logged, and its counts add up.
    let logged = query(
        &lake,
        "SELECT count(*) AS runs, sum(rows_read) AS read, \
         sum(rows_loaded + rows_updated + rows_unchanged + rows_quarantined) AS accounted \
         FROM raw.ingest_log",
    );
    assert_eq!(logged[0]["runs"], 20);
    assert_eq!(logged[0]["read"], logged[0]["accounted"]);
}

#[test]
fn a_changed_record_becomes_a_new_version_and_history_answers_as_of_queries() {
    let dir = tempfile::tempdir().unwrap();
    let lake = new_lake(dir.path());
    let cegid = sample().join("native/cegid");
    ingest(&lake, "cegid", &[&cegid.join("ETABLISSEMENTS.csv")]);
    ingest(&lake, "cegid", &[&cegid.join("CLIENTS.csv")]);
    let first = query(
        &lake,
        "SELECT max(_valid_from) AS t FROM raw.cegid_clients_history",
    );
    let t1 = first[0]["t"].as_str().unwrap().to_owned();

    // The next day's export: one client changed their email, one is new.
    let original = std::fs::read(cegid.join("CLIENTS.csv")).unwrap();
    let mut changed = original.clone();
    let needle = b"michellerichardson@gmail.com";
    let at = changed
        .windows(needle.len())
        .position(|w| w == needle)
        .unwrap();
    changed.splice(
        at..at + needle.len(),
        b"michelle.r@outlook.com".iter().copied(),
    );
    changed.extend_from_slice(
        b"C999999999;Mme;NOUVELLE;Cliente;n@x.fr;;;;;75001;Paris;;FRA;FR;PAR01;V1085;MAGASIN;\
          01/11/2026 10:00:00;01/11/2026 10:00:00;N;N;N;N\r\n",
    );
    let day2 = dir.path().join("CLIENTS_day2.csv");
    std::fs::write(&day2, &changed).unwrap();
    let out = ingest(&lake, "cegid", &[&day2]);
    assert!(
        out.contains("read 1324, loaded 1, updated 1, unchanged 1322, quarantined 0"),
        "{out}"
    );

    let current = query(
        &lake,
        "SELECT email, email_normalized FROM raw.cegid_clients WHERE code_client = 'C000102562'",
    );
    assert_eq!(current.len(), 1);
    assert_eq!(current[0]["email"], "michelle.r@outlook.com");
    let history = query(
        &lake,
        "SELECT email, _valid_to IS NULL AS is_current FROM raw.cegid_clients_history \
         WHERE code_client = 'C000102562' ORDER BY _valid_from",
    );
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["email"], "michellerichardson@gmail.com");
    assert_eq!(history[0]["is_current"], false);
    assert_eq!(history[1]["is_current"], true);
    // What did we know at the first load?
    let as_of = query(
        &lake,
        &format!(
            "SELECT email FROM raw.cegid_clients_history WHERE code_client = 'C000102562' \
             AND _valid_from <= '{t1}' AND (_valid_to IS NULL OR _valid_to > '{t1}')"
        ),
    );
    assert_eq!(as_of.len(), 1);
    assert_eq!(as_of[0]["email"], "michellerichardson@gmail.com");
    assert_eq!(count(&lake, "SELECT count(*) FROM raw.cegid_clients"), 1324);
    assert_eq!(
        count(&lake, "SELECT count(*) FROM raw.cegid_clients_history"),
        1325
    );
    // Replaying the older file now brings the older email back as a new version: the feed
    // decides what is current, ingest keeps every version.
    let out = ingest(&lake, "cegid", &[&day2]);
    assert!(out.contains("loaded 0, updated 0, unchanged 1324"), "{out}");
}

#[test]
fn a_killed_ingest_leaves_the_lake_as_it_was_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let lake = new_lake(dir.path());
    let cegid = sample().join("native/cegid");
    ingest(&lake, "cegid", &[&cegid.join("ETABLISSEMENTS.csv")]);
    let tickets = cegid.join("TICKETS.csv");
    let killed = amigo(
        &lake,
        &[
            "ingest",
            "--source",
            "cegid",
            &tickets.display().to_string(),
        ],
        &[("AMIGO_TEST_CRASH_BEFORE_COMMIT", "1")],
    );
    assert!(!killed.status.success());
    // Data files were written, but no version names them: the table does not exist.
    let data_dir = lake.join("raw/cegid_ticket_lines_history/data");
    assert!(std::fs::read_dir(&data_dir).map(|d| d.count()).unwrap_or(0) > 0);
    let out = amigo(
        &lake,
        &[
            "sql",
            "-c",
            "SELECT count(*) FROM raw.cegid_ticket_lines_history",
        ],
        &[],
    );
    assert!(!out.status.success());
    let out = ingest(&lake, "cegid", &[&tickets]);
    assert!(out.contains("read 7667, loaded 7667"), "{out}");
    assert_eq!(
        count(&lake, "SELECT count(*) FROM raw.cegid_ticket_lines"),
        7667
    );
}

/// Quarantined rows of a file: (line, column, reason).
fn quarantined(lake: &Path, file: &Path) -> Vec<(i64, String, String)> {
    query(
        lake,
        &format!(
            "SELECT line, column, reason FROM raw.ingest_quarantine WHERE file = '{}' ORDER BY line",
            file.display()
        ),
    )
    .into_iter()
    .map(|r| {
        (
            r["line"].as_i64().unwrap(),
            r.get("column").and_then(Value::as_str).unwrap_or("").to_owned(),
            r["reason"].as_str().unwrap().to_owned(),
        )
    })
    .collect()
}

fn assert_reason(rows: &[(i64, String, String)], line: i64, column: &str, reason: &str) {
    assert!(
        rows.iter()
            .any(|(l, c, r)| *l == line && c == column && r.contains(reason)),
        "no quarantine at line {line} on {column:?} with {reason:?} in {rows:#?}"
    );
}

#[test]
fn malformed_files_quarantine_every_bad_row_with_its_reason_and_load_the_good_ones() {
    let dir = tempfile::tempdir().unwrap();
    let lake = new_lake(dir.path());
    let cegid = sample().join("native/cegid");
    ingest(&lake, "cegid", &[&cegid.join("ETABLISSEMENTS.csv")]);
    let header = "CODE_CLIENT;CIVILITE;NOM;PRENOM;EMAIL;TELEPHONE;DATE_NAISSANCE;ADRESSE1;ADRESSE2;\
                  CODE_POSTAL;VILLE;REGION;PAYS;LANGUE;ETABLISSEMENT;VENDEUR;ORIGINE;DATE_CREATION;\
                  DATE_MODIFICATION;OPTIN_EMAIL;OPTIN_SMS;OPTIN_TELEPHONE;OPTIN_COURRIER";
    let row = |code: &str, birth: &str, address: &str, store: &str, created: &str| {
        format!(
            "{code};Mme;Dupont;Hélène;h@x.fr;06 12 34 56 78;{birth};{address};;75001;Paris;;FRA;FR;\
             {store};V1085;MAGASIN;{created};01/11/2026 10:00:00;O;N;N;N"
        )
    };
    let ok_created = "01/11/2026 10:00:00";
    let lines = [
        header.to_owned(),
        row("C1", "14/05/1979", "1 rue de Rivoli", "PAR01", ok_created), // line 2: good
        "C2;Mme;Martin".to_owned(),                                      // 3: truncated
        row("C3", "31/02/1980", "2 rue du Bac", "PAR01", ok_created),    // 4: impossible date
        row("C1", "14/05/1979", "1 rue de Rivoli", "PAR01", ok_created), // 5: duplicate key
        row("C5", "", &"x".repeat(70_000), "PAR01", ok_created),         // 6: huge field
        row("C6", "", "3 quai Voltaire", "ZZZ99", ok_created),           // 7: unknown store
        row("", "", "4 rue Royale", "PAR01", ok_created),                // 8: missing key
        row("C8", "", "5 rue Cler", "PAR01", "29/03/2026 02:30:00"),     // 9: DST gap
        row("C9", "01/01/1990", "6 rue Jacob", "LON01", ok_created),     // 10: good
    ];
    let mut bytes = Vec::new();
    for line in &lines {
        // Windows-1252, CRLF, as Cegid writes.
        bytes.extend_from_slice(&encoding_rs::WINDOWS_1252.encode(line).0);
        bytes.extend_from_slice(b"\r\n");
    }
    let clients = dir.path().join("CLIENTS_bad.csv");
    std::fs::write(&clients, &bytes).unwrap();
    let out = ingest(&lake, "cegid", &[&clients]);
    assert!(
        out.contains("read 9, loaded 2, updated 0, unchanged 0, quarantined 7"),
        "{out}"
    );
    let rows = quarantined(&lake, &clients);
    assert_eq!(rows.len(), 7, "{rows:#?}");
    assert_reason(&rows, 3, "", "expected 23 fields, found 3");
    assert_reason(
        &rows,
        4,
        "date_naissance",
        "cannot read \"31/02/1980\" as a date",
    );
    assert_reason(
        &rows,
        5,
        "code_client",
        "duplicate key: the same code_client is at line 2",
    );
    assert_reason(&rows, 6, "ADRESSE1", "over the 65536-byte limit");
    assert_reason(
        &rows,
        7,
        "date_creation",
        "no time zone for etablissement \"ZZZ99\"",
    );
    assert_reason(&rows, 8, "code_client", "missing key value");
    assert_reason(&rows, 9, "date_creation", "daylight saving gap");
    let loaded = query(
        &lake,
        "SELECT code_client, prenom FROM raw.cegid_clients ORDER BY 1",
    );
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[0]["prenom"], "Hélène", "Windows-1252 decoded");

    // The wrong separator: every row is quarantined, with the reason.
    let commas = dir.path().join("CLIENTS_commas.csv");
    std::fs::write(&commas, lines[..3].join("\n").replace(';', ",")).unwrap();
    let out = ingest(&lake, "cegid", &[&commas]);
    assert!(
        out.contains("read 2, loaded 0, updated 0, unchanged 0, quarantined 2"),
        "{out}"
    );
    let rows = quarantined(&lake, &commas);
    assert!(
        rows.iter()
            .all(|(_, _, r)| r.contains("the header has no column \"CODE_CLIENT\"")),
        "{rows:#?}"
    );

    // An empty file: nothing read, nothing lost.
    let empty = dir.path().join("CLIENTS_empty.csv");
    std::fs::write(&empty, b"").unwrap();
    let out = ingest(&lake, "cegid", &[&empty]);
    assert!(out.contains("read 0, loaded 0"), "{out}");

    // Undecodable bytes in a UTF-8 export, and a bad number.
    let shopify = dir.path().join("customers_export_bad.csv");
    let mut bytes = b"Customer ID,First Name,Last Name,Email,Total Spent\n".to_vec();
    bytes.extend_from_slice(b"'1,Ana,Lima,a@x.pt,10.00\n");
    bytes.extend_from_slice(b"'2,Jo\xe3o,Silva,j@x.pt,10.00\n");
    bytes.extend_from_slice(b"'3,Rui,Costa,r@x.pt,1.234.5\n");
    std::fs::write(&shopify, &bytes).unwrap();
    let out = ingest(&lake, "shopify", &[&shopify]);
    assert!(
        out.contains("read 3, loaded 1, updated 0, unchanged 0, quarantined 2"),
        "{out}"
    );
    assert!(
        out.contains("has no column \"Accepts Email Marketing\": loaded as NULL"),
        "{out}"
    );
    let rows = quarantined(&lake, &shopify);
    assert_reason(
        &rows,
        3,
        "First Name",
        "undecodable bytes (not valid UTF-8)",
    );
    assert_reason(
        &rows,
        4,
        "total_spent",
        "cannot read \"1.234.5\" as a decimal(18,2)",
    );

    // JSON lines: invalid JSON, not an object, a bad timestamp.
    let signups = dir.path().join("signups_bad.jsonl");
    std::fs::write(
        &signups,
        "{\"signup_id\":\"a\",\"submitted_at\":\"2026-01-01T10:00:00+01:00\",\"email\":\"A@X.FR\"}\n\
         {\"signup_id\":\"b\",\"submitted_at\":\n\
         [1,2]\n\
         \n\
         {\"signup_id\":\"c\",\"submitted_at\":\"yesterday\"}\n",
    )
    .unwrap();
    let out = ingest(&lake, "web", &[&signups]);
    assert!(
        out.contains("read 4, loaded 1, updated 0, unchanged 0, quarantined 3"),
        "{out}"
    );
    let rows = quarantined(&lake, &signups);
    assert_reason(&rows, 2, "", "invalid JSON");
    assert_reason(&rows, 3, "", "expected a JSON object, found an array");
    assert_reason(
        &rows,
        5,
        "submitted_at",
        "cannot read \"yesterday\" as a timestamp",
    );
    let web = query(&lake, "SELECT email_normalized FROM raw.web_signups");
    assert_eq!(web[0]["email_normalized"], "a@x.fr");

    // Re-running a malformed file does not quarantine its rows twice.
    ingest(&lake, "cegid", &[&clients]);
    assert_eq!(quarantined(&lake, &clients).len(), 7);
}

/// The pipelines read amigo's model: the ingested exports become its canonical tables, with the
/// rows the generator wrote (the customer exports of Cegid, Shopify and the web forms become
/// `raw.customer_records`, the tickets and Shopify orders `raw.orders` and `raw.order_lines` ...),
/// `amigo resolve` runs on them, and a changed client in the next export is matched by
/// `amigo resolve --incremental`.
#[test]
fn ingested_exports_are_the_canonical_tables_the_pipelines_read() {
    let dir = tempfile::tempdir().unwrap();
    let lake = new_lake(dir.path());
    let native = sample().join("native");
    let out = ingest(&lake, "cegid", &[&native.join("cegid")]);
    assert!(
        out.contains("raw.customer_records: view over raw.cegid_clients\n"),
        "{out}"
    );
    // Orders group their lines: stored, and rebuilt only when their sources change.
    let out = ingest(&lake, "shopify", &[&native.join("shopify")]);
    assert!(
        out.contains("raw.orders: stored from raw.cegid_ticket_lines, raw.shopify_order_lines"),
        "{out}"
    );
    let out = ingest(&lake, "web", &[&native.join("web")]);
    assert!(!out.contains("raw.orders"), "{out}");
    assert!(
        out.contains(
            "raw.customer_records: view over raw.cegid_clients, raw.shopify_customers, \
             raw.web_signups"
        ),
        "{out}"
    );
    for source in ["consents", "marketing", "catalog"] {
        ingest(&lake, source, &[&native.join(source)]);
    }

    // The same rows, field for field, as the generator's canonical tables (Shopify's customer
    // export has no dates: there they are the load time).
    let bundled = sample().join("../lake/raw");
    let mut statements = vec![
        format!(
            "CREATE EXTERNAL TABLE truth STORED AS PARQUET LOCATION '{}/ground_truth/data/'",
            bundled.display()
        ),
        "CREATE TABLE raw.ground_truth AS SELECT * FROM truth".to_string(),
    ];
    let customer_fields = "source_system, source_id, civility, first_name, last_name, email, \
        phone, birth_date, address_line1, address_line2, postal_code, city, region, country, \
        preferred_language, preferred_store_id, origin_channel, \
        CASE WHEN source_system <> 'shopify' THEN created_at END AS created_at, \
        CASE WHEN source_system <> 'shopify' THEN updated_at END AS updated_at";
    let tables = [
        ("customer_records", customer_fields),
        ("stores", "*"),
        ("associates", "*"),
        ("consent_events", "*"),
        ("interactions", "*"),
        ("products", "*"),
        ("orders", "*"),
        ("order_lines", "*"),
    ];
    for (table, fields) in tables {
        statements.push(format!(
            "CREATE EXTERNAL TABLE generated_{table} STORED AS PARQUET \
             LOCATION '{}/{table}/data/'",
            bundled.display()
        ));
        statements.push(format!(
            "SELECT '{table}' AS canonical_table, \
             (SELECT count(*) FROM raw.{table}) - (SELECT count(*) FROM generated_{table}) \
             AS row_difference, \
             (SELECT count(*) FROM (SELECT {fields} FROM raw.{table} \
              EXCEPT SELECT {fields} FROM generated_{table})) AS rows_not_generated"
        ));
    }
    let mut args = vec!["sql", "--format", "csv"];
    for statement in &statements {
        args.extend(["-c", statement.as_str()]);
    }
    let compared = ok(amigo(&lake, &args, &[]));
    let rows: Vec<&str> = compared
        .lines()
        .filter(|line| {
            tables
                .iter()
                .any(|(t, _)| line.starts_with(&format!("{t},")))
        })
        .collect();
    assert_eq!(rows.len(), tables.len(), "{compared}");
    for (row, (table, _)) in rows.iter().zip(tables) {
        assert_eq!(*row, format!("{table},0,0"), "{compared}");
    }

    // Resolved as accurately as the bundled lake (tests/resolve.rs).
    ok(amigo(&lake, &["resolve"], &[]));
    // With orders, consents and stores, the pipeline's later steps run too: every customer has
    // a stored 360° view.
    assert_eq!(
        count(&lake, "SELECT count(*) FROM serve.customer_360_profiles"),
        count(&lake, "SELECT count(*) FROM unified.customers")
    );
    let report = ok(amigo(&lake, &["evaluate", "--format", "json"], &[]));
    let metrics: Value = serde_json::from_str(report.lines().next().expect("a row")).unwrap();
    assert!(
        metrics["pairwise_precision"].as_f64().unwrap() >= 0.995,
        "{metrics}"
    );
    assert!(
        metrics["pairwise_recall"].as_f64().unwrap() >= 0.6,
        "{metrics}"
    );

    // The next export changes one client's email: one new version, matched incrementally.
    let clients = std::fs::read(native.join("cegid/CLIENTS.csv")).unwrap();
    let clients = encoding_rs::WINDOWS_1252.decode(&clients).0.into_owned();
    let mut lines: Vec<String> = clients.lines().map(str::to_string).collect();
    let row = lines
        .iter()
        .position(|l| l.starts_with("C000100002;"))
        .expect("client C000100002");
    lines[row] = lines[row]
        .replace("elisa.trillella89@gmail.com", "elisa.t@example.org")
        .replace("06/10/2021 12:23:15", "24/11/2026 10:00:00");
    let next = dir.path().join("CLIENTS_2.csv");
    let text = lines.join("\r\n") + "\r\n";
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    std::fs::write(&next, bytes).unwrap();
    let out = ingest(&lake, "cegid", &[&next]);
    assert!(out.contains("updated 1,"), "{out}");
    ok(amigo(&lake, &["resolve", "--incremental"], &[]));
    let runs = query(
        &lake,
        "SELECT records, candidate_pairs FROM unified.resolve_runs ORDER BY run_at",
    );
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[1]["records"], 3000);
    let (full, incremental) = (
        runs[0]["candidate_pairs"].as_i64().unwrap(),
        runs[1]["candidate_pairs"].as_i64().unwrap(),
    );
    assert!(incremental > 0 && incremental < full / 100, "{runs:?}");
    let golden = query(
        &lake,
        "SELECT c.email FROM unified.customers c JOIN unified.customer_links l \
         ON l.unified_id = c.unified_id WHERE l.record_id = 'cegid:C000100002'",
    );
    assert_eq!(golden[0]["email"], "elisa.t@example.org");
}
