//! `amigo gdpr` and consent end to end on a copy of the bundled sample lake, resolved first:
//! erasure leaves no trace of the person in any file of the lake (decoded Parquet values and
//! raw bytes) and a re-ingest of the source exports does not bring them back; access and
//! portability bundles hold exactly the person's records per the generator's ground truth;
//! consent is the most restrictive across merged records; bad requests change nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use arrow::array::{Array, RecordBatch};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

/// The amigo binary cargo built for this test, or `AMIGO_TEST_BIN`: a build directory shared
/// with another checkout can have its `target/debug/amigo` replaced by that checkout's build.
fn amigo_bin() -> PathBuf {
    std::env::var_os("AMIGO_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_amigo")))
}

fn run(lake: &Path, args: &[&str]) -> Output {
    Command::new(amigo_bin())
        .args(args)
        .env("AMIGO_LAKE", lake)
        .env_remove("AMIGO_FORMAT")
        .env_remove("AMIGO_USER")
        .output()
        .expect("run amigo")
}

fn amigo(lake: &Path, args: &[&str]) -> String {
    let output = run(lake, args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "amigo {args:?} failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Runs a command that must fail; returns its error output.
fn amigo_fails(lake: &Path, args: &[&str]) -> String {
    let output = run(lake, args);
    assert!(!output.status.success(), "amigo {args:?} succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Rows of a query as JSON objects.
fn query(lake: &Path, sql: &str) -> Vec<serde_json::Map<String, Value>> {
    amigo(lake, &["sql", "--format", "json", "-c", sql])
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| match serde_json::from_str(line) {
            Ok(Value::Object(row)) => row,
            other => panic!("not a JSON row: {line}: {other:?}"),
        })
        .collect()
}

fn text(row: &serde_json::Map<String, Value>, column: &str) -> String {
    match row.get(column) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets it"))
}

fn copy_dir(from: &Path, to: &Path) {
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

fn resolved_sample_lake() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&manifest_dir().join("data/lake"), dir.path());
    amigo(dir.path(), &["resolve"]);
    dir
}

/// A person of the ground truth whose records all resolved to one unified id holding nothing
/// else, with a Shopify record with an email and a phone, and whose emails, phones and last
/// names no other person has: so a scan for them after erasure can only find them.
struct Person {
    person_id: String,
    unified_id: String,
    records: BTreeSet<String>,
    emails: BTreeSet<String>,
    phones: BTreeSet<String>,
    last_names: BTreeSet<String>,
}

fn pick_person(lake: &Path) -> Person {
    let rows = query(
        lake,
        "SELECT g.person_id, l.unified_id, c.source_system, c.source_id, c.email, c.phone,
                c.first_name, c.last_name,
                (SELECT count(*) FROM unified.customer_links x WHERE x.unified_id = l.unified_id) AS id_records
         FROM raw.customer_records c
         JOIN raw.ground_truth g ON g.source_system = c.source_system AND g.source_id = c.source_id
         JOIN unified.customer_links l ON l.source_system = c.source_system AND l.source_id = c.source_id",
    );
    let mut by_person: BTreeMap<String, Vec<&serde_json::Map<String, Value>>> = BTreeMap::new();
    // Who uses each email, phone and last name (lower case).
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        let person = text(row, "person_id");
        by_person.entry(person.clone()).or_default().push(row);
        for column in ["email", "phone", "last_name"] {
            let value = text(row, column).trim().to_lowercase();
            if !value.is_empty() {
                users.entry(value).or_default().insert(person.clone());
            }
        }
    }
    for (person_id, records) in &by_person {
        let ids: BTreeSet<String> = records.iter().map(|r| text(r, "unified_id")).collect();
        let whole = ids.len() == 1 && text(records[0], "id_records") == records.len().to_string();
        let shopify_email = records
            .iter()
            .any(|r| text(r, "source_system") == "shopify" && !text(r, "email").is_empty());
        let has_phone = records.iter().any(|r| !text(r, "phone").is_empty());
        let values = |column: &str| -> BTreeSet<String> {
            records
                .iter()
                .map(|r| text(r, column).trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        };
        let (emails, phones, last_names) = (values("email"), values("phone"), values("last_name"));
        let only_theirs = emails
            .iter()
            .chain(&phones)
            .chain(&last_names)
            .all(|v| users[&v.to_lowercase()].len() == 1);
        // Long last names only: a short one ("Li") is inside too many other words.
        let distinctive = last_names.iter().all(|n| n.len() >= 6);
        if records.len() >= 2 && whole && shopify_email && has_phone && only_theirs && distinctive {
            return Person {
                person_id: person_id.clone(),
                unified_id: ids.into_iter().next().unwrap_or_default(),
                records: records
                    .iter()
                    .map(|r| format!("{}:{}", text(r, "source_system"), text(r, "source_id")))
                    .collect(),
                emails,
                phones,
                last_names,
            };
        }
    }
    panic!("no person in the sample fits the test");
}

/// Every file under `dir`: (path, bytes lower-cased, and for Parquet files every value of every
/// column, decoded and lower-cased).
fn lake_texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).expect("read file");
            let mut text = String::from_utf8_lossy(&bytes).to_lowercase();
            if path.extension().is_some_and(|e| e == "parquet") {
                text.push('\n');
                text.push_str(&parquet_values(&path).to_lowercase());
            }
            out.push((path, text));
        }
    }
    out
}

fn parquet_values(path: &Path) -> String {
    let file = std::fs::File::open(path).expect("open");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .build()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let options = FormatOptions::default();
    let mut out = String::new();
    for batch in reader {
        let batch: RecordBatch = batch.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for column in batch.columns() {
            let formatter = ArrayFormatter::try_new(column.as_ref(), &options).expect("formatter");
            for row in 0..column.len() {
                out.push_str(&formatter.value(row).to_string());
                out.push('\n');
            }
        }
    }
    out
}

/// Needles found in the lake's files, with one file each was found in.
fn found_in_lake(lake: &Path, needles: &[String]) -> Vec<(String, PathBuf)> {
    let texts = lake_texts(lake);
    needles
        .iter()
        .filter_map(|needle| {
            let lower = needle.to_lowercase();
            texts
                .iter()
                .find(|(_, text)| text.contains(&lower))
                .map(|(path, _)| (needle.clone(), path.clone()))
        })
        .collect()
}

fn request(lake: &Path, args: &[&str]) -> String {
    amigo(lake, args).trim().to_string()
}

/// The native exports holding people, by source.
const PERSON_SOURCES: [&str; 5] = ["cegid", "shopify", "web", "consents", "marketing"];

/// Loads every native export of the sample, and a Shopify customers file whose one row (the
/// person's, without a customer id) is quarantined; returns that file's directory.
fn ingest_everything(lake: &Path, person: &Person, extra_dir: &Path) {
    let native = manifest_dir().join("data/sample/native");
    for source in PERSON_SOURCES {
        let dir = native.join(source).display().to_string();
        amigo(lake, &["ingest", "--source", source, &dir]);
    }
    let bad = extra_dir.join("customers_export_bad.csv");
    let header = std::fs::read_to_string(native.join("shopify/customers_export.csv"))
        .expect("export")
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let email = person.emails.iter().next().cloned().unwrap_or_default();
    let phone = person.phones.iter().next().cloned().unwrap_or_default();
    let last_name = person.last_names.iter().next().cloned().unwrap_or_default();
    // Customer ID (required) missing: the row is quarantined with its content.
    let row = format!(",Ann,{last_name},{email},yes,,,,,,FR,,,'{phone},no,0,0,,no,");
    std::fs::write(&bad, format!("{header}\n{row}\n")).expect("bad file");
    amigo(
        lake,
        &["ingest", "--source", "shopify", &bad.display().to_string()],
    );
}

/// Lines of the files `ingest_everything` loads that mention the person (an email, a phone as
/// written in their records, or one of their source ids): what a re-ingest must skip.
fn person_lines(person: &Person, extra_dir: &Path) -> i64 {
    let native = manifest_dir().join("data/sample/native");
    let mut files = vec![extra_dir.join("customers_export_bad.csv")];
    for source in PERSON_SOURCES {
        for entry in std::fs::read_dir(native.join(source)).expect("dir") {
            files.push(entry.expect("entry").path());
        }
    }
    let mut needles: Vec<String> = person.emails.iter().map(|e| e.to_lowercase()).collect();
    needles.extend(person.phones.iter().cloned());
    needles.extend(
        person
            .records
            .iter()
            .filter_map(|r| r.split_once(':').map(|(_, id)| id.to_lowercase())),
    );
    let mut count = 0;
    for file in files {
        let bytes = std::fs::read(&file).expect("read export");
        // Cegid exports are Windows-1252: the ids, emails and phones looked for are ASCII.
        let content = String::from_utf8_lossy(&bytes).to_lowercase();
        count += content
            .lines()
            .filter(|line| needles.iter().any(|n| line.contains(n.as_str())))
            .count() as i64;
    }
    count
}

#[test]
fn erasure_leaves_no_trace_in_any_version_and_a_reingest_does_not_bring_them_back() {
    let dir = resolved_sample_lake();
    let lake = dir.path();
    let person = pick_person(lake);
    let extra = tempfile::tempdir().expect("extra");
    ingest_everything(lake, &person, extra.path());
    let quarantined_before = query(lake, "SELECT count(*) AS n FROM raw.ingest_quarantine");
    let quarantined_before: i64 = text(&quarantined_before[0], "n").parse().unwrap_or(-1);
    assert!(quarantined_before >= 1, "the bad row was not quarantined");
    let email = person.emails.iter().next().cloned().unwrap_or_default();
    let mut needles: Vec<String> = person
        .emails
        .iter()
        .chain(&person.phones)
        .chain(&person.last_names)
        .cloned()
        .collect();
    needles.push(person.unified_id.clone());
    needles.extend(
        person
            .records
            .iter()
            .filter_map(|r| r.split_once(':').map(|(_, id)| id.to_string())),
    );
    // Their orders, and the revenue of all orders, which erasure keeps.
    let records_sql = person
        .records
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let their_orders = query(
        lake,
        &format!(
            "SELECT count(*) AS n FROM raw.orders
             WHERE source_system || ':' || customer_source_id IN ({records_sql})"
        ),
    );
    let their_orders: u64 = text(&their_orders[0], "n").parse().unwrap_or(0);
    let revenue_sql = "SELECT count(*) AS n, CAST(sum(total_amount) AS VARCHAR) AS total, \
                       (SELECT count(*) FROM raw.order_lines) AS lines FROM raw.orders";
    let revenue_before = query(lake, revenue_sql);
    // The scan finds them before: it can fail.
    let before = found_in_lake(lake, &needles);
    assert_eq!(
        before.len(),
        needles.len(),
        "not all found before: {before:?}"
    );

    // An erasure must be approved, by someone else, before it runs.
    let id = request(
        lake,
        &["gdpr", "request", "erase", "--email", &email, "--by", "dpo"],
    );
    let refused = amigo_fails(lake, &["gdpr", "execute", &id]);
    assert!(refused.contains("must be approved first"), "{refused}");
    assert_eq!(
        found_in_lake(lake, &needles).len(),
        needles.len(),
        "changed"
    );
    let refused = amigo_fails(lake, &["gdpr", "approve", &id, "--by", "dpo"]);
    assert!(refused.contains("someone else must approve"), "{refused}");
    // The open request is listed, due one month after it was made.
    let open = amigo(lake, &["gdpr", "list", "--open", "--format", "json"]);
    let open: Vec<Value> = open
        .lines()
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect();
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["request_id"], id.as_str());
    assert_eq!(open[0]["status"], "requested");
    assert_eq!(open[0]["overdue"], false);
    let day = |v: &Value| {
        v.as_str()
            .unwrap_or_default()
            .get(..10)
            .unwrap_or_default()
            .to_string()
    };
    let (asked, due) = (day(&open[0]["requested_at"]), day(&open[0]["due_by"]));
    assert!(
        due > asked && due.get(..7) != asked.get(..7),
        "{asked} → {due}"
    );
    amigo(lake, &["gdpr", "approve", &id, "--by", "legal"]);
    // A saved view naming them is lake data erasure cannot rewrite: refused, nothing changed.
    amigo(
        lake,
        &[
            "sql",
            "-c",
            &format!(
                "CREATE VIEW analytics.vip AS SELECT * FROM raw.customer_records WHERE email = '{email}'"
            ),
        ],
    );
    let refused = amigo_fails(lake, &["gdpr", "execute", &id]);
    assert!(
        refused.contains("view analytics.vip names the person"),
        "{refused}"
    );
    assert_eq!(
        found_in_lake(lake, &needles).len(),
        needles.len(),
        "changed"
    );
    amigo(lake, &["sql", "-c", "DROP VIEW analytics.vip"]);
    let done = amigo(lake, &["gdpr", "execute", &id]);
    assert!(done.contains("erased:"), "{done}");
    assert_eq!(
        amigo(lake, &["gdpr", "list", "--open", "--format", "json"]).trim(),
        ""
    );

    let after = found_in_lake(lake, &needles);
    assert!(after.is_empty(), "still in the lake: {after:?}");
    // Only the person's quarantined row went.
    let quarantined_after = query(lake, "SELECT count(*) AS n FROM raw.ingest_quarantine");
    assert_eq!(
        text(&quarantined_after[0], "n"),
        (quarantined_before - 1).to_string()
    );
    // The request stays, executed, approved, without the identifier; its outcome says what
    // was removed where, in counts.
    let rows = query(
        lake,
        &format!(
            "SELECT identifier, unified_id, status, requested_by, approved_by, approved_at, \
             executed_at, outcome FROM unified.gdpr_requests WHERE request_id = '{id}'"
        ),
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(text(&rows[0], "identifier"), "[erased]");
    assert_eq!(text(&rows[0], "unified_id"), "[erased]");
    assert_eq!(text(&rows[0], "status"), "executed");
    assert_eq!(text(&rows[0], "requested_by"), "dpo");
    assert_eq!(text(&rows[0], "approved_by"), "legal");
    assert!(!text(&rows[0], "approved_at").is_empty());
    assert!(!text(&rows[0], "executed_at").is_empty());
    let outcome: Value = serde_json::from_str(&text(&rows[0], "outcome")).expect("outcome json");
    for table in [
        "raw.customer_records",
        "raw.ground_truth",
        "raw.ingest_quarantine",
        "raw.cegid_clients_history",
        "raw.consent_log_history",
    ] {
        let removed = outcome["tables"][table]["rows"].as_u64().unwrap_or(0);
        if table == "raw.cegid_clients_history"
            && !person.records.iter().any(|r| r.starts_with("cegid:"))
        {
            continue;
        }
        assert!(removed >= 1, "{table}: {outcome}");
    }
    assert_eq!(
        outcome["tables"]["raw.customer_records"]["rows"].as_u64(),
        Some(person.records.len() as u64),
        "{outcome}"
    );
    assert_eq!(
        outcome["suppressed_by_kind"]["record"].as_u64(),
        Some(person.records.len() as u64),
        "{outcome}"
    );
    // Revenue statistics are intact: their orders stay, anonymized.
    assert!(their_orders >= 1, "the person has no order");
    assert_eq!(query(lake, revenue_sql), revenue_before);
    assert_eq!(
        outcome["tables"]["raw.orders"]["rows_anonymized"].as_u64(),
        Some(their_orders),
        "{outcome}"
    );
    let anonymized = query(
        lake,
        "SELECT count(*) AS n FROM raw.orders WHERE customer_source_id = '[erased]'",
    );
    assert_eq!(text(&anonymized[0], "n"), their_orders.to_string());
    let links = query(lake, "SELECT count(*) AS n FROM unified.customer_links");
    assert_eq!(
        text(&links[0], "n"),
        (3000 - person.records.len()).to_string()
    );
    let truth = query(
        lake,
        &format!(
            "SELECT count(*) AS n FROM raw.ground_truth WHERE person_id = '{}'",
            person.person_id
        ),
    );
    assert_eq!(text(&truth[0], "n"), "0");

    // Every export again, and the bad file: the person's rows are skipped and counted,
    // nothing of them comes back.
    let log_before = query(lake, "SELECT count(*) AS n FROM raw.ingest_log");
    ingest_everything(lake, &person, extra.path());
    let log = query(
        lake,
        &format!(
            "SELECT file, rows_read, rows_loaded, rows_updated, rows_unchanged, rows_quarantined, \
             rows_suppressed FROM raw.ingest_log ORDER BY finished_at OFFSET {}",
            text(&log_before[0], "n")
        ),
    );
    let suppressed: i64 = log
        .iter()
        .map(|r| text(r, "rows_suppressed").parse::<i64>().unwrap_or(0))
        .sum();
    let expected = person_lines(&person, extra.path());
    assert!(expected >= 3, "the person has few rows in the exports");
    assert_eq!(suppressed, expected, "{log:?}");
    for row in &log {
        let n = |c: &str| text(row, c).parse::<i64>().unwrap_or(-1);
        assert_eq!(
            n("rows_read"),
            n("rows_loaded")
                + n("rows_updated")
                + n("rows_unchanged")
                + n("rows_quarantined")
                + n("rows_suppressed"),
            "{row:?}"
        );
        // Nothing else changed: the other rows were loaded the first time.
        assert_eq!(n("rows_loaded") + n("rows_updated"), 0, "{row:?}");
    }
    let back = found_in_lake(lake, &needles);
    assert!(back.is_empty(), "came back with the re-ingest: {back:?}");
    let quarantined_again = query(lake, "SELECT count(*) AS n FROM raw.ingest_quarantine");
    assert_eq!(quarantined_again, quarantined_after);

    // A second erasure request for them finds no one.
    let gone = amigo_fails(
        lake,
        &["gdpr", "request", "erase", "--email", &email, "--by", "dpo"],
    );
    assert!(gone.contains("no customer matches"), "{gone}");
}

#[test]
fn access_portability_rectification_consent_and_bad_requests() {
    let dir = resolved_sample_lake();
    let lake = dir.path();
    let person = pick_person(lake);
    let email = person.emails.iter().next().cloned().unwrap_or_default();
    let out = tempfile::tempdir().expect("out");
    let out_dir = out.path().display().to_string();

    // Access: the source records are exactly the person's, per the ground truth.
    let id = request(
        lake,
        &[
            "gdpr",
            "request",
            "access",
            "--email",
            &email.to_uppercase(),
            "--by",
            "dpo",
        ],
    );
    amigo(lake, &["gdpr", "execute", &id, "--out", &out_dir]);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join(format!("{id}-access.json"))).expect("json"),
    )
    .expect("valid json");
    assert_eq!(report["format"], "amigo-gdpr-access/1");
    assert_eq!(report["unified_id"], person.unified_id.as_str());
    let records: BTreeSet<String> = report["sections"]["source_records"]
        .as_array()
        .expect("source records")
        .iter()
        .map(|r| {
            format!(
                "{}:{}",
                r["source_system"].as_str().unwrap_or(""),
                r["source_id"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(records, person.records);
    let truth: BTreeSet<String> = query(
        lake,
        &format!(
            "SELECT source_system || ':' || source_id AS r FROM raw.ground_truth WHERE person_id = '{}'",
            person.person_id
        ),
    )
    .iter()
    .map(|r| text(r, "r"))
    .collect();
    assert_eq!(records, truth);
    // Orders and consents are theirs only, and all of theirs.
    let owned = |section: &str, column: &str| -> BTreeSet<String> {
        report["sections"][section]
            .as_array()
            .expect(section)
            .iter()
            .map(|r| {
                format!(
                    "{}:{}",
                    r["source_system"].as_str().unwrap_or(""),
                    r[column].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let in_list = truth
        .iter()
        .map(|r| format!("'{r}'"))
        .collect::<Vec<_>>()
        .join(", ");
    for (section, table) in [
        ("orders", "raw.orders"),
        ("consent_history", "raw.consent_events"),
    ] {
        let expected = query(
            lake,
            &format!(
                "SELECT count(*) AS n FROM {table} WHERE source_system || ':' || customer_source_id IN ({in_list})"
            ),
        );
        let rows = report["sections"][section].as_array().map_or(0, Vec::len);
        assert_eq!(rows.to_string(), text(&expected[0], "n"), "{section}");
        assert!(
            owned(section, "customer_source_id").is_subset(&truth),
            "{section}"
        );
    }
    let markdown = std::fs::read_to_string(out.path().join(format!("{id}-access.md"))).expect("md");
    assert!(markdown.contains("## Source records"), "{markdown}");

    // Portability: JSON and one CSV per section, same records.
    let id = request(
        lake,
        &[
            "gdpr",
            "request",
            "portability",
            "--id",
            &person.unified_id,
            "--by",
            "dpo",
        ],
    );
    amigo(lake, &["gdpr", "execute", &id, "--out", &out_dir]);
    let bundle: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join(format!("{id}-portability.json"))).expect("json"),
    )
    .expect("valid json");
    assert_eq!(bundle["format"], "amigo-gdpr-portability/1");
    assert_eq!(
        bundle["sections"]["source_records"]
            .as_array()
            .map_or(0, Vec::len),
        person.records.len()
    );
    let csv = std::fs::read_to_string(
        out.path()
            .join(format!("{id}-portability/source_records.csv")),
    )
    .expect("csv");
    assert_eq!(csv.lines().count(), person.records.len() + 1, "{csv}");
    // Their order lines, all of them and only them, in both bundles.
    let lines = query(
        lake,
        &format!(
            "SELECT count(*) AS n FROM raw.order_lines l JOIN raw.orders o
               ON o.source_system = l.source_system AND o.order_id = l.order_id
             WHERE o.source_system || ':' || o.customer_source_id IN ({in_list})"
        ),
    );
    for (name, json) in [("portability", &bundle), ("access", &report)] {
        assert_eq!(
            json["sections"]["order_lines"]
                .as_array()
                .map_or(0, Vec::len)
                .to_string(),
            text(&lines[0], "n"),
            "{name}"
        );
    }
    assert!(
        bundle["sections"].get("merge_history").is_none(),
        "portability holds what the person provided, not internal logs"
    );

    // Rectification: the override wins and survives a re-resolution.
    let id = request(
        lake,
        &[
            "gdpr",
            "request",
            "rectify",
            "--id",
            &person.unified_id,
            "--field",
            "city",
            "--value",
            "Lyon-Test",
            "--by",
            "dpo",
        ],
    );
    amigo(lake, &["gdpr", "execute", &id]);
    amigo(lake, &["resolve"]);
    let city = query(
        lake,
        &format!(
            "SELECT city, overridden_fields FROM unified.customers WHERE unified_id = '{}'",
            person.unified_id
        ),
    );
    assert_eq!(text(&city[0], "city"), "Lyon-Test");
    assert_eq!(text(&city[0], "overridden_fields"), "city");

    // Bad requests say why and record nothing.
    let requests_before = query(lake, "SELECT count(*) AS n FROM unified.gdpr_requests");
    let unknown = amigo_fails(
        lake,
        &[
            "gdpr",
            "request",
            "access",
            "--email",
            "nobody@nowhere.example",
            "--by",
            "dpo",
        ],
    );
    assert!(
        unknown.contains("no customer matches email nobody@nowhere.example"),
        "{unknown}"
    );
    let shared = query(
        lake,
        "SELECT normalize_email(c.email) AS email FROM raw.customer_records c
         JOIN unified.customer_links l ON l.source_system = c.source_system AND l.source_id = c.source_id
         WHERE c.email IS NOT NULL
         GROUP BY 1 HAVING count(DISTINCT l.unified_id) > 1 ORDER BY 1 LIMIT 1",
    );
    let shared = text(&shared[0], "email");
    let ambiguous = amigo_fails(
        lake,
        &[
            "gdpr", "request", "erase", "--email", &shared, "--by", "dpo",
        ],
    );
    assert!(
        ambiguous.contains("is ambiguous: it matches"),
        "{ambiguous}"
    );
    let bad_field = amigo_fails(
        lake,
        &[
            "gdpr",
            "request",
            "rectify",
            "--id",
            &person.unified_id,
            "--field",
            "unified_id",
            "--value",
            "x",
            "--by",
            "dpo",
        ],
    );
    assert!(bad_field.contains("cannot be rectified"), "{bad_field}");
    let nobody_asked = amigo_fails(
        lake,
        &[
            "gdpr",
            "request",
            "access",
            "--id",
            &person.unified_id,
            "--by",
            " ",
        ],
    );
    assert!(nobody_asked.contains("--by must name"), "{nobody_asked}");
    let missing = amigo_fails(lake, &["gdpr", "execute", "R-nope"]);
    assert!(missing.contains("no request R-nope"), "{missing}");
    assert_eq!(
        query(lake, "SELECT count(*) AS n FROM unified.gdpr_requests"),
        requests_before
    );

    // Consent: across the records of one person, the most restrictive state wins.
    let mixed = query(
        lake,
        "WITH latest AS (
            SELECT unified_id, record_id, channel, purpose, status,
                   row_number() OVER (PARTITION BY record_id, channel, purpose ORDER BY recorded_at DESC, event_id DESC) AS k
            FROM unified.consent_history WHERE unified_id IS NOT NULL)
         SELECT unified_id, channel, purpose,
                bool_or(status = 'opt_out') AS any_out, bool_or(status = 'opt_in') AS any_in
         FROM latest WHERE k = 1 GROUP BY 1, 2, 3
         HAVING count(DISTINCT record_id) > 1 AND bool_or(status = 'opt_out') AND bool_or(status = 'opt_in')
         ORDER BY 1, 2, 3",
    );
    assert!(
        !mixed.is_empty(),
        "no merged person with both opt-in and opt-out in the sample"
    );
    for row in &mixed {
        let state = query(
            lake,
            &format!(
                "SELECT status, contactable, records, records_opted_in FROM unified.consent_state
                 WHERE unified_id = '{}' AND channel = '{}' AND purpose = '{}'",
                text(row, "unified_id"),
                text(row, "channel"),
                text(row, "purpose")
            ),
        );
        assert_eq!(text(&state[0], "status"), "opt_out", "{row:?}");
        assert_eq!(text(&state[0], "contactable"), "false");
        assert!(
            text(&state[0], "records_opted_in")
                .parse::<i64>()
                .unwrap_or(0)
                >= 1
        );
    }
    // A pending double opt-in is its own state, never contactable.
    let pending = query(
        lake,
        "SELECT count(*) AS n, count(*) FILTER (WHERE contactable) AS contactable
         FROM unified.consent_state WHERE status = 'pending_double_opt_in'",
    );
    assert_ne!(
        text(&pending[0], "n"),
        "0",
        "no pending double opt-in in the sample"
    );
    assert_eq!(text(&pending[0], "contactable"), "0");
    // The timeline agrees with the state now, and answers for any date.
    let first = &mixed[0];
    let now = query(
        lake,
        &format!(
            "SELECT status FROM unified.consent_timeline WHERE unified_id = '{}' AND channel = '{}'
             AND purpose = '{}' AND valid_to IS NULL",
            text(first, "unified_id"),
            text(first, "channel"),
            text(first, "purpose")
        ),
    );
    assert_eq!(text(&now[0], "status"), "opt_out");
    let before_anything = query(
        lake,
        &format!(
            "SELECT count(*) AS n FROM unified.consent_timeline WHERE unified_id = '{}'
             AND valid_from <= TIMESTAMP '1990-01-01T00:00:00Z'",
            text(first, "unified_id")
        ),
    );
    assert_eq!(text(&before_anything[0], "n"), "0");
}

/// Rows of a query run through a Flight SQL client, as text per column.
async fn flight_count(
    client: &mut arrow_flight::sql::client::FlightSqlServiceClient<tonic::transport::Channel>,
    sql: &str,
) -> i64 {
    use arrow::array::AsArray;
    use arrow::datatypes::Int64Type;
    use futures::TryStreamExt;
    let info = client
        .execute(sql.to_string(), None)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut total = 0;
    for endpoint in info.endpoint {
        let ticket = endpoint.ticket.expect("ticket");
        let batches: Vec<RecordBatch> = client
            .do_get(ticket)
            .await
            .expect("do_get")
            .try_collect()
            .await
            .expect("batches");
        for batch in batches {
            total += batch
                .column(0)
                .as_primitive::<Int64Type>()
                .values()
                .iter()
                .sum::<i64>();
        }
    }
    total
}

const AUDIENCES: [&str; 4] = [
    "analytics.audience_email",
    "analytics.audience_sms",
    "analytics.audience_phone",
    "analytics.audience_post",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opposition_takes_effect_at_once_in_every_audience_and_for_marketing_on_the_server() {
    use amigo::serve::auth::hash_password;
    use amigo::serve::{ServeConfig, Server};

    let dir = resolved_sample_lake();
    let lake = dir.path();
    // Someone in the email audience, in as many other audiences as possible.
    let picked = query(
        lake,
        "SELECT e.unified_id,
                (SELECT count(*) FROM analytics.audience_sms s WHERE s.unified_id = e.unified_id)
              + (SELECT count(*) FROM analytics.audience_post p WHERE p.unified_id = e.unified_id) AS others
         FROM analytics.audience_email e ORDER BY others DESC, e.unified_id LIMIT 1",
    );
    assert_eq!(picked.len(), 1, "the email audience is empty");
    let unified_id = text(&picked[0], "unified_id");
    let count_in = |view: &str, who: Option<&str>| -> i64 {
        let filter = who.map_or(String::new(), |id| format!(" WHERE unified_id = '{id}'"));
        let rows = query(lake, &format!("SELECT count(*) AS n FROM {view}{filter}"));
        text(&rows[0], "n").parse().unwrap_or(-1)
    };
    let audience_sizes: Vec<i64> = AUDIENCES.iter().map(|v| count_in(v, None)).collect();
    let member_of: Vec<i64> = AUDIENCES
        .iter()
        .map(|v| count_in(v, Some(&unified_id)))
        .collect();
    assert_eq!(member_of[0], 1);
    let since = query(
        lake,
        &format!(
            "SELECT CAST(decided_at AS VARCHAR) AS t FROM unified.consent_state
             WHERE unified_id = '{unified_id}' AND channel = 'email' AND purpose = 'marketing'"
        ),
    );
    let since = text(&since[0], "t");

    // The server, with a marketing user, up before the opposition.
    let users_dir = tempfile::tempdir().expect("users");
    let users = users_dir.path().join("users.toml");
    let hash = hash_password("correct horse").expect("hash");
    std::fs::write(
        &users,
        format!("[[users]]\nname = \"mia\"\nrole = \"marketing\"\npassword_hash = \"{hash}\"\n"),
    )
    .expect("users file");
    let mut config = ServeConfig::new(
        lake.display().to_string(),
        "127.0.0.1:0".parse().expect("addr"),
    );
    config.users = Some(users);
    config.audit = true;
    let server = Server::bind(config).await.expect("bind");
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let channel = tonic::transport::Channel::from_shared(format!("http://{addr}"))
        .expect("uri")
        .connect()
        .await
        .expect("connect");
    let mut marketing = arrow_flight::sql::client::FlightSqlServiceClient::new(channel);
    marketing
        .handshake("mia", "correct horse")
        .await
        .expect("login");
    let mine =
        format!("SELECT count(*) FROM analytics.audience_email WHERE unified_id = '{unified_id}'");
    assert_eq!(flight_count(&mut marketing, &mine).await, 1);

    // Bad oppositions say why and record nothing.
    let fax = amigo_fails(
        lake,
        &[
            "gdpr",
            "request",
            "oppose",
            "--id",
            &unified_id,
            "--channel",
            "fax",
            "--by",
            "dpo",
        ],
    );
    assert!(fax.contains("is not a channel"), "{fax}");
    let misplaced = amigo_fails(
        lake,
        &[
            "gdpr",
            "request",
            "access",
            "--id",
            &unified_id,
            "--channel",
            "sms",
            "--by",
            "dpo",
        ],
    );
    assert!(misplaced.contains("are for oppose requests"), "{misplaced}");

    // The opposition: every channel, marketing; no approval needed.
    let id = request(
        lake,
        &[
            "gdpr",
            "request",
            "oppose",
            "--id",
            &unified_id,
            "--by",
            "dpo",
        ],
    );
    let started = std::time::Instant::now();
    let done = amigo(lake, &["gdpr", "execute", &id]);
    assert!(done.contains("opted out"), "{done}");
    // The server asks the lake for new versions at least this often (in practice the
    // opposition took longer than that already).
    if let Some(left) = amigo::lake::catalog::RECHECK_AFTER.checked_sub(started.elapsed()) {
        tokio::time::sleep(left).await;
    }

    // The same server connection no longer sees them, and no audience holds them.
    assert_eq!(flight_count(&mut marketing, &mine).await, 0);
    for (index, view) in AUDIENCES.iter().enumerate() {
        assert_eq!(count_in(view, Some(&unified_id)), 0, "{view}");
        assert_eq!(
            count_in(view, None),
            audience_sizes[index] - member_of[index],
            "{view}: only they left it"
        );
    }
    let states = query(
        lake,
        &format!(
            "SELECT channel, status, contactable FROM unified.consent_state
             WHERE unified_id = '{unified_id}' AND purpose = 'marketing' ORDER BY channel"
        ),
    );
    let channels: Vec<String> = states.iter().map(|r| text(r, "channel")).collect();
    assert_eq!(channels, ["analytics", "email", "phone", "post", "sms"]);
    for state in &states {
        assert_eq!(text(state, "status"), "opt_out", "{state:?}");
        assert_eq!(text(state, "contactable"), "false", "{state:?}");
    }
    // One event per source record and channel, in the history; the past is unchanged.
    let records = query(
        lake,
        &format!(
            "SELECT count(*) AS n FROM unified.customer_links WHERE unified_id = '{unified_id}'"
        ),
    );
    let records: i64 = text(&records[0], "n").parse().unwrap_or(-1);
    let events = query(
        lake,
        &format!(
            "SELECT count(*) AS n FROM unified.consent_history
             WHERE unified_id = '{unified_id}' AND collection_point = 'gdpr_opposition' AND status = 'opt_out'"
        ),
    );
    assert_eq!(text(&events[0], "n"), (records * 5).to_string());
    let then = query(
        lake,
        &format!(
            "SELECT contactable FROM unified.consent_timeline
             WHERE unified_id = '{unified_id}' AND channel = 'email' AND purpose = 'marketing'
               AND valid_from <= TIMESTAMP '{since}'
               AND (valid_to IS NULL OR valid_to > TIMESTAMP '{since}')"
        ),
    );
    assert_eq!(then.len(), 1, "{then:?}");
    assert_eq!(text(&then[0], "contactable"), "true");
    let logged = query(
        lake,
        &format!(
            "SELECT kind, status, field, value, approved_by FROM unified.gdpr_requests \
             WHERE request_id = '{id}'"
        ),
    );
    assert_eq!(text(&logged[0], "kind"), "oppose");
    assert_eq!(text(&logged[0], "status"), "executed");
    assert_eq!(text(&logged[0], "field"), "all");
    assert_eq!(text(&logged[0], "value"), "marketing");
    let all_requests = query(lake, "SELECT count(*) AS n FROM unified.gdpr_requests");
    assert_eq!(
        text(&all_requests[0], "n"),
        "1",
        "the refused requests were recorded"
    );

    // An erasure while the server runs: the files its loaded versions named are replaced, and
    // it reads the rewritten ones (no error), without the person.
    let everyone = "SELECT count(*) FROM analytics.audience_email";
    let size = flight_count(&mut marketing, everyone).await;
    let other = query(
        lake,
        "SELECT unified_id FROM analytics.audience_email ORDER BY unified_id DESC LIMIT 1",
    );
    let other = text(&other[0], "unified_id");
    let erase = request(
        lake,
        &["gdpr", "request", "erase", "--id", &other, "--by", "dpo"],
    );
    amigo(lake, &["gdpr", "approve", &erase, "--by", "legal"]);
    // A query naming them goes to the server's audit log (written once a second, also while
    // the erasure runs).
    let gone =
        format!("SELECT count(*) FROM analytics.audience_email WHERE unified_id = '{other}'");
    assert_eq!(flight_count(&mut marketing, &gone).await, 1);
    tokio::time::sleep(amigo::serve::audit::FLUSH_EVERY * 2).await;
    let audited = query(
        lake,
        &format!("SELECT count(*) AS n FROM audit.queries WHERE sql LIKE '%{other}%'"),
    );
    assert_ne!(text(&audited[0], "n"), "0", "the query was not audited");
    let started = std::time::Instant::now();
    amigo(lake, &["gdpr", "execute", &erase]);
    // The audit rows stay, without the person.
    let audited = query(
        lake,
        &format!(
            "SELECT count(*) FILTER (WHERE sql LIKE '%{other}%') AS named,
                    count(*) FILTER (WHERE sql = '[erased]' AND user_name = 'mia') AS redacted
             FROM audit.queries"
        ),
    );
    assert_eq!(text(&audited[0], "named"), "0");
    assert_ne!(text(&audited[0], "redacted"), "0");
    if let Some(left) = amigo::lake::catalog::RECHECK_AFTER.checked_sub(started.elapsed()) {
        tokio::time::sleep(left).await;
    }
    assert_eq!(flight_count(&mut marketing, everyone).await, size - 1);
    assert_eq!(flight_count(&mut marketing, &gone).await, 0);

    let _ = stop.send(());
    task.await.expect("server task").expect("server ran");
}

/// A CSV export's rows, as maps from column to value.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("open export");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("csv record");
            headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// Who may get marketing on `channel`, recomputed here from the raw consent events rather than
/// read from unified.consent_state: per source record the events at its latest timestamp, and a
/// person is allowed when they have such events and every one of them, in every record, is an
/// opt-in (an opt-out or a pending double opt-in anywhere forbids).
fn allowed_by_raw_consents(lake: &Path, channel: &str) -> BTreeSet<String> {
    let rows = query(
        lake,
        &format!(
            "WITH events AS (
                 SELECT l.unified_id, e.source_system, e.customer_source_id, e.status, e.recorded_at,
                        max(e.recorded_at) OVER (PARTITION BY e.source_system, e.customer_source_id) AS latest
                 FROM raw.consent_events e
                 JOIN unified.customer_links l
                   ON l.source_system = e.source_system AND l.source_id = e.customer_source_id
                 WHERE e.channel = '{channel}' AND e.purpose = 'marketing')
             SELECT unified_id FROM events WHERE recorded_at = latest
             GROUP BY unified_id HAVING bool_and(status = 'opt_in')"
        ),
    );
    rows.iter().map(|row| text(row, "unified_id")).collect()
}

/// Audience exports of everyone on the resolved sample: every exported person has a usable
/// contact point and, per the raw consent events, a current opt-in on the channel; the people
/// excluded and exported add up to the segment; someone who opposes and someone erased leave
/// the next export, and its `--diff` removes them.
#[test]
fn exports_never_hold_opted_out_erased_or_contactless_people() {
    let dir = resolved_sample_lake();
    let lake = dir.path();
    let segments = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        manifest_dir().join("sql/segments/00_customer_value.sql"),
        segments.path().join("00_customer_value.sql"),
    )
    .expect("copy");
    std::fs::write(
        segments.path().join("everyone.sql"),
        "-- segment: everyone\n-- description: every unified customer\n\
         CREATE OR REPLACE VIEW segments.everyone AS SELECT unified_id FROM unified.customers;\n",
    )
    .expect("write");
    let sql_dir = segments.path().to_str().expect("utf-8");
    amigo(lake, &["segment", "install", "--sql-dir", sql_dir]);
    let out = tempfile::tempdir().expect("tempdir");
    let export = |channel: &str, name: &str, diff: bool| {
        let path = out.path().join(name);
        let file = path.to_str().expect("utf-8").to_owned();
        let mut args = vec![
            "export",
            "--segment",
            "everyone",
            "--channel",
            channel,
            "--out",
            &file,
            "--by",
            "crm",
        ];
        if diff {
            args.push("--diff");
        }
        amigo(lake, &args);
        csv_rows(&path)
    };
    let people = query(lake, "SELECT count(*) AS n FROM unified.customers");
    let people: i64 = text(&people[0], "n").parse().expect("count");

    let mut first_email = Vec::new();
    for (channel, contact) in [("email", "EmailAddress"), ("sms", "Phone")] {
        let rows = export(channel, &format!("{channel}-1.csv"), false);
        assert!(!rows.is_empty(), "nobody exported on {channel}");
        let allowed = allowed_by_raw_consents(lake, channel);
        for row in &rows {
            let id = &row["SubscriberKey"];
            assert!(
                allowed.contains(id),
                "{channel}: {id} has no opt-in: {row:?}"
            );
            let value = &row[contact];
            let usable = match channel {
                "email" => {
                    value.split('@').count() == 2 && !value.contains(' ') && {
                        let (local, domain) = value.split_once('@').unwrap_or_default();
                        !local.is_empty() && domain.contains('.') && !domain.ends_with('.')
                    }
                }
                _ => {
                    value.starts_with('+')
                        && (8..=16).contains(&value.len())
                        && value[1..].bytes().all(|b| b.is_ascii_digit())
                }
            };
            assert!(usable, "{channel}: unusable contact point: {row:?}");
        }
        // Nobody lost: the exported and the excluded make the whole segment.
        let logged = query(
            lake,
            &format!(
                "SELECT x.members, x.audience, x.rows_written,
                        (SELECT sum(people) FROM marketing.export_exclusions e
                         WHERE e.export_id = x.export_id) AS excluded
                 FROM marketing.exports x WHERE x.destination LIKE '%{channel}-1.csv'"
            ),
        );
        let number = |column: &str| -> i64 { text(&logged[0], column).parse().expect(column) };
        assert_eq!(number("members"), people);
        assert_eq!(number("audience"), rows.len() as i64);
        assert_eq!(number("rows_written"), rows.len() as i64);
        assert_eq!(number("audience") + number("excluded"), people);
        if channel == "email" {
            first_email = rows;
        }
    }

    // One exported person opposes, another is erased.
    let opposed = first_email[0]["SubscriberKey"].clone();
    // Their access report lists the exports they were in.
    let reports = tempfile::tempdir().expect("tempdir");
    let id = request(
        lake,
        &["gdpr", "request", "access", "--id", &opposed, "--by", "dpo"],
    );
    let reports_dir = reports.path().to_str().expect("utf-8");
    amigo(lake, &["gdpr", "execute", &id, "--out", reports_dir]);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.path().join(format!("{id}-access.json")))
            .expect("access report"),
    )
    .expect("json");
    let exports = report["sections"]["exports"]
        .as_array()
        .expect("exports section");
    let channels: BTreeSet<&str> = exports
        .iter()
        .filter_map(|row| row["channel"].as_str())
        .collect();
    assert!(channels.contains("email"), "{exports:?}");
    assert!(
        exports
            .iter()
            .all(|row| row["segment"] == "everyone" && row["exported_by"] == "crm"),
        "{exports:?}"
    );
    let erased = first_email[1]["SubscriberKey"].clone();
    let erased_email = first_email[1]["EmailAddress"].clone();
    let id = request(
        lake,
        &["gdpr", "request", "oppose", "--id", &opposed, "--by", "dpo"],
    );
    amigo(lake, &["gdpr", "execute", &id]);
    let id = request(
        lake,
        &["gdpr", "request", "erase", "--id", &erased, "--by", "dpo"],
    );
    amigo(lake, &["gdpr", "approve", &id, "--by", "legal"]);
    amigo(lake, &["gdpr", "execute", &id]);

    // The erasure noted the audience that held them, for the tool to be told.
    let pending = query(
        lake,
        "SELECT segment, channel, unified_id FROM marketing.pending_removals",
    );
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(text(&pending[0], "unified_id"), erased);
    assert_eq!(text(&pending[0], "channel"), "email");
    let diff = export("email", "email-2.csv", true);
    let pending = query(lake, "SELECT count(*) AS n FROM marketing.pending_removals");
    assert_eq!(text(&pending[0], "n"), "0");
    let removed: BTreeSet<&str> = diff
        .iter()
        .filter(|row| row["Change"] == "remove")
        .map(|row| row["SubscriberKey"].as_str())
        .collect();
    assert!(removed.contains(opposed.as_str()), "{diff:?}");
    assert!(removed.contains(erased.as_str()), "{diff:?}");
    assert!(diff.iter().all(|row| row["Change"] != "add"), "{diff:?}");
    let second = export("email", "email-3.csv", false);
    assert_eq!(second.len(), first_email.len() - removed.len());
    assert!(
        second
            .iter()
            .all(|row| row["SubscriberKey"] != opposed && row["SubscriberKey"] != erased)
    );
    let text = std::fs::read_to_string(out.path().join("email-3.csv")).expect("read");
    assert!(!text.contains(&erased_email));
}
