//! `amigo generate`: determinism, realism targets, native formats, canonical schemas and
//! referential integrity, on small generated data sets.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use amigo::generate::{GenerateConfig, Manifest, generate};
use amigo::lake::TableName;
use amigo::model::Model;
use arrow::array::{Array, AsArray, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn config(seed: u64, customers: u64, out: &Path, canonical: bool) -> GenerateConfig {
    GenerateConfig {
        seed,
        customers,
        as_of: GenerateConfig::default_as_of(),
        out: out.join("out"),
        canonical_dir: canonical.then(|| out.join("canonical")),
    }
}

/// One data set shared by the tests that only read it: 20,000 records with canonical tables.
struct Fixture {
    _dir: tempfile::TempDir,
    out: PathBuf,
    canonical: PathBuf,
    manifest: Manifest,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = config(2026, 20_000, dir.path(), true);
        let report = generate(&cfg).expect("generate");
        let written: Manifest = serde_json::from_str(
            &std::fs::read_to_string(cfg.out.join("manifest.json")).expect("manifest.json"),
        )
        .expect("manifest parses");
        assert_eq!(written, report.manifest);
        Fixture {
            out: cfg.out,
            canonical: dir.path().join("canonical"),
            _dir: dir,
            manifest: report.manifest,
        }
    })
}

fn files_under(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("relative").to_path_buf();
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    out
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_differs() {
    let a = tempfile::tempdir().expect("tempdir");
    let b = tempfile::tempdir().expect("tempdir");
    let c = tempfile::tempdir().expect("tempdir");
    generate(&config(7, 3_000, a.path(), true)).expect("run a");
    // The same data whatever the number of threads.
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("pool")
        .install(|| generate(&config(7, 3_000, b.path(), true)))
        .expect("run b");
    generate(&config(8, 3_000, c.path(), true)).expect("run c");
    let fa = files_under(a.path());
    let fb = files_under(b.path());
    let fc = files_under(c.path());
    assert!(fa.len() >= 20, "{} files", fa.len());
    assert_eq!(
        fa.keys().collect::<Vec<_>>(),
        fb.keys().collect::<Vec<_>>(),
        "same file names"
    );
    for (path, bytes) in &fa {
        assert!(
            bytes == &fb[path],
            "{} differs between two runs",
            path.display()
        );
    }
    for name in [
        "out/ground_truth.csv",
        "out/native/shopify/customers_export.csv",
        "out/native/cegid/CLIENTS.csv",
        "canonical/raw.customer_records.parquet",
    ] {
        let p = Path::new(name);
        assert!(fa[p] != fc[p], "{name} is the same for another seed");
    }
}

/// Ground truth rows: (source, id, person, corruptions, homonym group, household).
fn ground_truth(out: &Path) -> Vec<[String; 6]> {
    let mut reader = csv::Reader::from_path(out.join("ground_truth.csv")).expect("ground truth");
    assert_eq!(
        reader.headers().expect("header"),
        vec![
            "source_system",
            "source_id",
            "person_id",
            "corruptions",
            "homonym_group",
            "household_id"
        ]
    );
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            std::array::from_fn(|i| r[i].to_string())
        })
        .collect()
}

#[test]
fn duplicate_rate_homonyms_and_households_hit_their_targets() {
    let f = fixture();
    let m = &f.manifest;
    let gt = ground_truth(&f.out);
    assert_eq!(gt.len() as u64, m.customers);
    let persons: HashSet<&str> = gt.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(persons.len() as u64, m.persons);
    let rate = (m.customers - m.persons) as f64 / m.customers as f64;
    assert!((rate - m.duplicate_rate).abs() < 1e-12);
    assert!((0.16..=0.20).contains(&rate), "duplicate rate {rate}");

    // Every person's first record is clean, every other one carries at least one label.
    let mut by_person: HashMap<&str, Vec<&[String; 6]>> = HashMap::new();
    for r in &gt {
        by_person.entry(&r[2]).or_default().push(r);
    }
    for (person, rows) in &by_person {
        let clean = rows.iter().filter(|r| r[3].is_empty()).count();
        assert_eq!(clean, 1, "{person} has one reference record");
    }
    let mut labels: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &gt {
        for l in r[3].split_whitespace() {
            *labels.entry(l).or_default() += 1;
        }
    }
    assert_eq!(
        labels.len(),
        m.corruptions.values().filter(|&&n| n > 0).count()
    );
    for (label, n) in &m.corruptions {
        assert_eq!(
            labels.get(label.as_str()).copied().unwrap_or(0),
            *n,
            "{label}"
        );
    }
    for label in [
        "typo_first_name",
        "accents_dropped",
        "swapped_names",
        "nickname",
        "romanization",
        "english_alias",
        "gmail_dots",
        "plus_tag",
        "phone_format",
        "moved",
        "married_name",
        "email_case",
        "missing_email",
    ] {
        assert!(m.corruptions[label] > 0, "no record has {label}");
    }

    // Homonym groups: different people, consistent with the manifest, close to the planted rate.
    let mut groups: HashMap<&str, HashSet<&str>> = HashMap::new();
    let mut households: HashMap<&str, HashSet<&str>> = HashMap::new();
    for r in &gt {
        if !r[4].is_empty() {
            groups.entry(&r[4]).or_default().insert(&r[2]);
        }
        if !r[5].is_empty() {
            households.entry(&r[5]).or_default().insert(&r[2]);
        }
    }
    assert_eq!(groups.len() as u64, m.homonyms.groups);
    assert_eq!(
        groups.values().map(|g| g.len() as u64).sum::<u64>(),
        m.homonyms.people
    );
    assert!(groups.values().all(|g| g.len() >= 2));
    let planted = m.homonyms.planted as f64 / m.persons as f64;
    assert!(
        (planted - m.homonyms.planted_rate).abs() < 0.006,
        "planted homonyms {planted}"
    );
    // A planted homonym and the person it copies are both in a group.
    assert!(m.homonyms.people > m.homonyms.planted);
    assert!(
        m.homonyms.people < m.persons / 2,
        "{} homonyms",
        m.homonyms.people
    );

    // Households: different people, consistent with the manifest, close to the target rate.
    assert_eq!(households.len() as u64, m.households.households);
    assert_eq!(
        households.values().map(|h| h.len() as u64).sum::<u64>(),
        m.households.people
    );
    assert!(households.values().all(|h| h.len() >= 2));
    assert_eq!(
        m.households.people,
        m.households.households + m.households.planted
    );
    let members = m.households.planted as f64 / m.persons as f64;
    assert!(
        (members - m.households.planted_rate).abs() < 0.01,
        "household members {members}"
    );
    // Every member shares the e-mail, the phone, or both.
    let h = &m.households;
    assert!(h.sharing_email + h.sharing_phone >= h.planted);
    assert!(h.sharing_email <= h.planted && h.sharing_phone <= h.planted);
    assert!(h.sharing_email > 0 && h.sharing_phone > 0);

    // The reference records of a homonym group carry the same name.
    let records = read_table(&f.canonical, "customer_records");
    let names = names_by_record(&records);
    let mut group_names: HashMap<&str, HashSet<(String, String)>> = HashMap::new();
    for r in &gt {
        if r[4].is_empty() || !r[3].is_empty() {
            continue;
        }
        if let Some((Some(first), Some(last))) = names.get(&(r[0].clone(), r[1].clone())) {
            group_names
                .entry(&r[4])
                .or_default()
                .insert((fold_case(first), fold_case(last)));
        }
    }
    assert!(!group_names.is_empty());
    for (group, names) in &group_names {
        assert_eq!(names.len(), 1, "homonym group {group} has names {names:?}");
    }
}

/// Case-insensitive form (upper-casing turns ß into SS, as a point-of-sale system does).
fn fold_case(s: &str) -> String {
    s.to_lowercase().replace('ß', "ss")
}

type NameKey = (String, String);

fn names_by_record(batches: &[RecordBatch]) -> HashMap<NameKey, (Option<String>, Option<String>)> {
    let mut out = HashMap::new();
    for b in batches {
        let col = |n: &str| b.column_by_name(n).expect(n).as_string::<i32>().clone();
        let (src, id, first, last) = (
            col("source_system"),
            col("source_id"),
            col("first_name"),
            col("last_name"),
        );
        for i in 0..b.num_rows() {
            let opt =
                |a: &arrow::array::StringArray| (!a.is_null(i)).then(|| a.value(i).to_string());
            out.insert(
                (src.value(i).to_string(), id.value(i).to_string()),
                (opt(&first), opt(&last)),
            );
        }
    }
    out
}

fn read_table(dir: &Path, table: &str) -> Vec<RecordBatch> {
    let path = dir.join(format!("raw.{table}.parquet"));
    let file = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("reader")
        .map(|b| b.expect("batch"))
        .collect()
}

fn count_csv(path: &Path, delimiter: u8, cp1252: bool) -> u64 {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = if cp1252 {
        let (text, _, errors) = encoding_rs::WINDOWS_1252.decode(&bytes);
        assert!(!errors, "{} decodes as Windows-1252", path.display());
        text.into_owned()
    } else {
        String::from_utf8(bytes).unwrap_or_else(|_| panic!("{} is UTF-8", path.display()))
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let width = reader.headers().expect("header").len();
    let mut rows = 0;
    for r in reader.records() {
        let r = r.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(r.len(), width, "{} row width", path.display());
        rows += 1;
    }
    rows
}

#[test]
fn manifest_counts_equal_the_rows_in_the_files_and_tables() {
    let f = fixture();
    let m = &f.manifest;
    let expected_files = [
        "native/shopify/customers_export.csv",
        "native/shopify/orders_export.csv",
        "native/cegid/CLIENTS.csv",
        "native/cegid/TICKETS.csv",
        "native/cegid/ETABLISSEMENTS.csv",
        "native/cegid/VENDEURS.csv",
        "native/web/signups.jsonl",
        "native/consents/consent_events.csv",
        "native/catalog/products.csv",
        "native/marketing/interactions.csv",
        "ground_truth.csv",
    ];
    assert_eq!(
        m.files.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected_files.into_iter().collect::<BTreeSet<_>>()
    );
    for (name, expected) in &m.files {
        let path = f.out.join(name);
        let rows = if name.ends_with(".jsonl") {
            let text = std::fs::read_to_string(&path).expect("jsonl");
            for line in text.lines() {
                let v: serde_json::Value = serde_json::from_str(line).expect("json line");
                assert!(v["signup_id"].is_string() && v["submitted_at"].is_string());
            }
            text.lines().count() as u64
        } else if name.starts_with("native/cegid/") {
            count_csv(&path, b';', true)
        } else {
            count_csv(&path, b',', false)
        };
        assert_eq!(rows, *expected, "{name}");
        assert!(rows > 0, "{name} is empty");
    }
    for (table, expected) in &m.tables {
        let name = table.strip_prefix("raw.").expect("raw schema");
        let rows: usize = read_table(&f.canonical, name)
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert_eq!(rows as u64, *expected, "{table}");
    }
    let per_source: u64 = m.records_per_source.values().sum();
    assert_eq!(per_source, m.customers);
    assert_eq!(
        m.records_per_source["shopify"],
        m.files["native/shopify/customers_export.csv"]
    );
    assert_eq!(
        m.records_per_source["cegid"],
        m.files["native/cegid/CLIENTS.csv"]
    );
    assert_eq!(
        m.records_per_source["web"],
        m.files["native/web/signups.jsonl"]
    );
    assert_eq!(
        m.tables["raw.order_lines"],
        m.files["native/shopify/orders_export.csv"] + m.files["native/cegid/TICKETS.csv"]
    );
    // Volumes scale with the customer records: ~3.5M orders and ~8.7M interactions per 1.2M.
    let per_record = |n: u64| n as f64 / m.customers as f64;
    let orders = per_record(m.tables["raw.orders"]);
    let interactions = per_record(m.tables["raw.interactions"]);
    assert!((2.6..=3.4).contains(&orders), "{orders} orders per record");
    assert!(
        (6.0..=8.5).contains(&interactions),
        "{interactions} interactions per record"
    );
}

fn is_ddmmyyyy(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[2] == b'/'
        && b[5] == b'/'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 2 || i == 5 || c.is_ascii_digit())
        && (1..=31).contains(&s[..2].parse::<u32>().unwrap_or(0))
        && (1..=12).contains(&s[3..5].parse::<u32>().unwrap_or(0))
}

fn cegid(out: &Path, file: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(out.join("native/cegid").join(file)).expect("cegid file");
    assert!(
        std::str::from_utf8(&bytes).is_err() || bytes.is_ascii(),
        "{file} is not UTF-8"
    );
    let (text, _, errors) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(!errors);
    assert!(text.contains("\r\n"), "{file} has Windows line endings");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn cegid_files_are_windows_1252_semicolon_separated_with_french_dates() {
    let f = fixture();
    let (header, rows) = cegid(&f.out, "CLIENTS.csv");
    assert_eq!(&header[..4], ["CODE_CLIENT", "CIVILITE", "NOM", "PRENOM"]);
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let accented = rows
        .iter()
        .filter(|r| r[col("PRENOM")].chars().any(|c| "éèêëïçôÉ".contains(c)))
        .count();
    assert!(
        accented > 0,
        "accented names survive the Windows-1252 round trip"
    );
    let raw = std::fs::read(f.out.join("native/cegid/CLIENTS.csv")).expect("read");
    assert!(raw.contains(&0xE9), "é is the single byte 0xE9");
    for r in &rows {
        let birth = &r[col("DATE_NAISSANCE")];
        assert!(birth.is_empty() || is_ddmmyyyy(birth), "birth date {birth}");
        let created = &r[col("DATE_CREATION")];
        assert!(
            is_ddmmyyyy(&created[..10]) && created.len() == 19,
            "{created}"
        );
        assert!(["O", "N"].contains(&r[col("OPTIN_EMAIL")].as_str()));
        assert_eq!(r[col("PAYS")].len(), 3, "ISO3 country");
    }
    let phones: Vec<&str> = rows
        .iter()
        .map(|r| r[col("TELEPHONE")].as_str())
        .filter(|p| p.starts_with("06") || p.starts_with("07"))
        .collect();
    assert!(
        phones
            .iter()
            .any(|p| p.len() == 14 && p.as_bytes()[2] == b' '),
        "French local format 06 12 34 56 78"
    );

    let (header, rows) = cegid(&f.out, "TICKETS.csv");
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    assert!(!rows.is_empty());
    for r in &rows {
        let at = &r[col("DATE_TICKET")];
        assert!(is_ddmmyyyy(&at[..10]) && at.len() == 19, "{at}");
        let price = &r[col("PRIX_UNITAIRE")];
        assert!(
            price.contains(',') && !price.contains('.'),
            "comma decimals: {price}"
        );
    }
    let (header, rows) = cegid(&f.out, "ETABLISSEMENTS.csv");
    assert_eq!(header[0], "CODE_ETABLISSEMENT");
    assert_eq!(rows.len(), 12);
    let cities: BTreeSet<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    for city in [
        "Paris",
        "London",
        "Milano",
        "New York",
        "Los Angeles",
        "Tokyo",
        "Seoul",
    ] {
        assert!(cities.contains(city), "a store in {city}");
    }
    let (_, rows) = cegid(&f.out, "VENDEURS.csv");
    assert!(rows.iter().any(|r| r[4] == "Directeur de boutique"));
}

#[test]
fn canonical_parquet_files_match_the_model() {
    let f = fixture();
    let model = Model::canonical().expect("model");
    let mut seen = 0;
    for def in model.tables().filter(|d| d.schema == "raw") {
        let batches = read_table(&f.canonical, &def.name);
        seen += 1;
        let expected = def.arrow_schema();
        assert!(!batches.is_empty(), "{} has rows", def.name);
        for batch in &batches {
            assert_eq!(
                batch.schema().fields(),
                expected.fields(),
                "{} schema",
                def.name
            );
            for (c, column) in def.columns.iter().enumerate() {
                let array = batch.column(c);
                if !column.nullable {
                    assert_eq!(
                        array.null_count(),
                        0,
                        "{}.{} has nulls",
                        def.name,
                        column.name
                    );
                }
                if !column.values.is_empty() {
                    let strings = array.as_string::<i32>();
                    for v in strings.iter().flatten() {
                        assert!(
                            column.values.iter().any(|x| x == v),
                            "{}.{} = {v:?} is not one of {:?}",
                            def.name,
                            column.name,
                            column.values
                        );
                    }
                }
            }
        }
    }
    assert_eq!(seen, 9);
    let def = model
        .table(&TableName::new("raw", "stores"))
        .expect("stores");
    assert_eq!(def.name, "stores");
}

fn string_set(batches: &[RecordBatch], columns: &[&str]) -> HashSet<Vec<String>> {
    let mut out = HashSet::new();
    for b in batches {
        let cols: Vec<_> = columns
            .iter()
            .map(|c| b.column_by_name(c).expect(c).as_string::<i32>().clone())
            .collect();
        for i in 0..b.num_rows() {
            if cols.iter().any(|c| c.is_null(i)) {
                continue;
            }
            out.insert(cols.iter().map(|c| c.value(i).to_string()).collect());
        }
    }
    out
}

#[test]
fn every_reference_points_at_an_existing_row() {
    let f = fixture();
    let customers = string_set(
        &read_table(&f.canonical, "customer_records"),
        &["source_system", "source_id"],
    );
    let orders_batches = read_table(&f.canonical, "orders");
    let orders = string_set(&orders_batches, &["source_system", "order_id"]);
    let lines = string_set(
        &read_table(&f.canonical, "order_lines"),
        &["source_system", "order_id"],
    );
    assert!(
        lines.iter().all(|l| orders.contains(l)),
        "order lines without order"
    );
    let buyers = string_set(&orders_batches, &["source_system", "customer_source_id"]);
    assert!(!buyers.is_empty());
    for b in &buyers {
        assert!(
            customers.contains(b),
            "order customer {b:?} is not a record of its source"
        );
    }
    for table in ["consent_events", "interactions"] {
        let refs = string_set(
            &read_table(&f.canonical, table),
            &["source_system", "customer_source_id"],
        );
        for r in &refs {
            assert!(customers.contains(r), "{table} customer {r:?}");
        }
    }
    let products = string_set(&read_table(&f.canonical, "products"), &["sku"]);
    let skus = string_set(&read_table(&f.canonical, "order_lines"), &["sku"]);
    assert!(skus.iter().all(|s| products.contains(s)));
    let stores = string_set(&read_table(&f.canonical, "stores"), &["store_id"]);
    let associates_batches = read_table(&f.canonical, "associates");
    let associates = string_set(&associates_batches, &["associate_id"]);
    for s in string_set(&associates_batches, &["store_id"]) {
        assert!(stores.contains(&s));
    }
    for a in string_set(&orders_batches, &["associate_id"]) {
        assert!(associates.contains(&a));
    }
}

#[test]
fn native_consent_flags_agree_with_the_latest_events() {
    let f = fixture();
    // Latest marketing status per (source, record, channel).
    let mut latest: HashMap<(String, String, String), (String, String)> = HashMap::new();
    let mut reader =
        csv::Reader::from_path(f.out.join("native/consents/consent_events.csv")).expect("csv");
    for r in reader.records() {
        let r = r.expect("row");
        if &r[4] != "marketing" {
            continue;
        }
        let key = (r[0].to_string(), r[2].to_string(), r[3].to_string());
        let at = r[6].to_string();
        let status = r[5].to_string();
        match latest.get(&key) {
            Some((t, _)) if *t >= at => {}
            _ => {
                latest.insert(key, (at, status));
            }
        }
    }
    let opted_in = |source: &str, id: &str, channel: &str| {
        latest
            .get(&(source.to_string(), id.to_string(), channel.to_string()))
            .is_some_and(|(_, s)| s == "opt_in")
    };
    let mut reader = csv::Reader::from_path(f.out.join("native/shopify/customers_export.csv"))
        .expect("shopify customers");
    let mut checked = 0;
    for r in reader.records() {
        let r = r.expect("row");
        let id = r[0].trim_start_matches('\'');
        assert_eq!(
            &r[4] == "yes",
            opted_in("shopify", id, "email"),
            "{id} email"
        );
        assert_eq!(&r[14] == "yes", opted_in("shopify", id, "sms"), "{id} sms");
        checked += 1;
    }
    let (header, rows) = cegid(&f.out, "CLIENTS.csv");
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    for r in &rows {
        let id = &r[0];
        for (column, channel) in [
            ("OPTIN_EMAIL", "email"),
            ("OPTIN_SMS", "sms"),
            ("OPTIN_TELEPHONE", "phone"),
            ("OPTIN_COURRIER", "post"),
        ] {
            assert_eq!(
                r[col(column)] == "O",
                opted_in("cegid", id, channel),
                "{id} {channel}"
            );
        }
        checked += 1;
    }
    assert!(checked > 1000);
}

#[test]
fn shopify_orders_link_to_one_customer_by_email_or_phone() {
    let f = fixture();
    let mut reader = csv::Reader::from_path(f.out.join("native/shopify/customers_export.csv"))
        .expect("customers");
    let mut by_email = HashMap::new();
    let mut by_phone = HashMap::new();
    for r in reader.records() {
        let r = r.expect("row");
        let id = r[0].trim_start_matches('\'').to_string();
        let email = r[3].trim().to_lowercase();
        if !email.is_empty() {
            assert!(
                by_email.insert(email, id.clone()).is_none(),
                "e-mails are unique"
            );
        }
        let phone = r[13].trim_start_matches('\'');
        let phone = if phone.is_empty() {
            r[12].trim_start_matches('\'')
        } else {
            phone
        };
        if !phone.is_empty() {
            by_phone.insert(phone.to_string(), id);
        }
    }
    let header = "Name,Email,Financial Status";
    let text =
        std::fs::read_to_string(f.out.join("native/shopify/orders_export.csv")).expect("orders");
    assert!(text.starts_with(header));
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    assert_eq!(headers.len(), 79);
    let phone_col = headers.iter().position(|h| h == "Phone").expect("Phone");
    let created_col = headers
        .iter()
        .position(|h| h == "Created at")
        .expect("Created at");
    for r in reader.records() {
        let r = r.expect("row");
        let email = r[1].trim().to_lowercase();
        let linked = if email.is_empty() {
            by_phone.contains_key(&r[phone_col])
        } else {
            by_email.contains_key(&email)
        };
        assert!(linked, "order {} links to a customer", &r[0]);
        let created = &r[created_col];
        assert!(
            created.ends_with(" +0100") || created.ends_with(" +0200"),
            "Paris time: {created}"
        );
    }
}

#[test]
fn phone_numbers_are_valid_for_libphonenumber() {
    use phonenumber::country::Id;
    let f = fixture();
    // Records whose phone was not deliberately damaged.
    let damaged: HashSet<(String, String)> = ground_truth(&f.out)
        .into_iter()
        .filter(|r| r[3].contains("typo_phone") || r[3].contains("phone_format"))
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let mut checked = 0;
    let mut invalid = Vec::new();
    let mut check = |source: &str, id: &str, phone: &str, region: Option<Id>| {
        if phone.is_empty() || damaged.contains(&(source.to_string(), id.to_string())) {
            return;
        }
        checked += 1;
        match phonenumber::parse(region, phone) {
            Ok(n) if phonenumber::is_valid(&n) => {}
            _ => invalid.push(format!("{source} {id}: {phone} ({region:?})")),
        }
    };
    let mut reader = csv::Reader::from_path(f.out.join("native/shopify/customers_export.csv"))
        .expect("shopify customers");
    for r in reader.records() {
        let r = r.expect("row");
        let id = r[0].trim_start_matches('\'');
        check("shopify", id, r[13].trim_start_matches('\''), None);
    }
    let (header, rows) = cegid(&f.out, "CLIENTS.csv");
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    for r in &rows {
        let region = match r[col("PAYS")].as_str() {
            "FRA" => Id::FR,
            "GBR" => Id::GB,
            "ITA" => Id::IT,
            "USA" => Id::US,
            "JPN" => Id::JP,
            "KOR" => Id::KR,
            "DEU" => Id::DE,
            "BEL" => Id::BE,
            "CHE" => Id::CH,
            "ARE" => Id::AE,
            other => panic!("unexpected country {other}"),
        };
        check("cegid", &r[0], &r[col("TELEPHONE")], Some(region));
    }
    let text = std::fs::read_to_string(f.out.join("native/web/signups.jsonl")).expect("web");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json");
        if let (Some(id), Some(phone)) = (v["signup_id"].as_str(), v["phone"].as_str())
            && phone.starts_with('+')
        {
            check("web", id, phone, None);
        }
    }
    assert!(checked > 5_000, "{checked} phones checked");
    assert!(
        invalid.is_empty(),
        "{} invalid phones, e.g. {:?}",
        invalid.len(),
        &invalid[..invalid.len().min(10)]
    );
}

/// Every value (microseconds) of a timestamp column, over all batches.
fn timestamps(batches: &[RecordBatch], column: &str) -> Vec<i64> {
    batches
        .iter()
        .flat_map(|b| {
            let a = b
                .column_by_name(column)
                .expect(column)
                .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
                .clone();
            (0..a.len()).map(move |i| a.value(i))
        })
        .collect()
}

fn assert_history_before(canonical: &Path, as_of: chrono::NaiveDate) {
    let end = as_of
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp_micros();
    let day = 86_400 * 1_000_000;
    for (table, column) in [
        ("customer_records", "created_at"),
        ("customer_records", "updated_at"),
        ("orders", "ordered_at"),
        ("consent_events", "recorded_at"),
        ("interactions", "occurred_at"),
    ] {
        let ts = timestamps(&read_table(canonical, table), column);
        let (min, max) = (ts.iter().min().copied(), ts.iter().max().copied());
        let (Some(min), Some(max)) = (min, max) else {
            panic!("{table}.{column} is empty");
        };
        // Local evening times on the eve of `as_of` may fall just after midnight UTC.
        assert!(max < end + day, "{table}.{column} goes past as_of");
        assert!(
            min > end - 21 * 365 * day,
            "{table}.{column} starts too early"
        );
    }
}

#[test]
fn every_date_derives_from_as_of() {
    assert_history_before(&fixture().canonical, GenerateConfig::default_as_of());
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(3, 1_500, dir.path(), true);
    cfg.as_of = chrono::NaiveDate::from_ymd_opt(2019, 6, 30).expect("date");
    let report = generate(&cfg).expect("generate");
    assert_eq!(report.manifest.as_of, "2019-06-30");
    assert_history_before(&dir.path().join("canonical"), cfg.as_of);
}

#[test]
fn shopify_creation_time_is_the_first_consent_event() {
    // The Shopify customer export has no dates: ingest takes created_at from the account's
    // first consent event, which the generator records at creation.
    let f = fixture();
    let mut first_event: HashMap<String, i64> = HashMap::new();
    for b in read_table(&f.canonical, "consent_events") {
        let source = b
            .column_by_name("source_system")
            .expect("source")
            .as_string::<i32>()
            .clone();
        let id = b
            .column_by_name("customer_source_id")
            .expect("id")
            .as_string::<i32>()
            .clone();
        let at = b
            .column_by_name("recorded_at")
            .expect("at")
            .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
            .clone();
        for i in 0..b.num_rows() {
            if source.value(i) == "shopify" {
                let e = first_event
                    .entry(id.value(i).to_string())
                    .or_insert(i64::MAX);
                *e = (*e).min(at.value(i));
            }
        }
    }
    let mut checked = 0;
    for b in read_table(&f.canonical, "customer_records") {
        let source = b
            .column_by_name("source_system")
            .expect("source")
            .as_string::<i32>()
            .clone();
        let id = b
            .column_by_name("source_id")
            .expect("id")
            .as_string::<i32>()
            .clone();
        let created = b
            .column_by_name("created_at")
            .expect("created")
            .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
            .clone();
        for i in 0..b.num_rows() {
            if source.value(i) == "shopify" {
                assert_eq!(
                    first_event.get(id.value(i)),
                    Some(&created.value(i)),
                    "{}",
                    id.value(i)
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000);
}

#[test]
fn bad_configuration_and_unwritable_output_are_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(1, 0, dir.path(), false);
    let err = generate(&cfg).expect_err("zero customers");
    assert!(err.to_string().contains("customers"), "{err}");
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").expect("write");
    cfg.customers = 10;
    cfg.out = blocker.join("out");
    let err = generate(&cfg).expect_err("out under a file");
    assert!(err.to_string().contains("file"), "{err}");
}

/// Seed scale: 1.2M customer records. Run with
/// `cargo test --release --test generate -- --ignored --nocapture`.
#[test]
#[ignore]
fn seed_scale() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = GenerateConfig {
        canonical_dir: Some(dir.path().join("canonical")),
        ..GenerateConfig::new(2026, dir.path().join("out"))
    };
    let report = generate(&cfg).expect("generate");
    let m = &report.manifest;
    println!("elapsed: {:.1} s", report.elapsed.as_secs_f64());
    println!("{}", serde_json::to_string_pretty(m).expect("json"));
    assert!((0.16..=0.20).contains(&m.duplicate_rate));
    // The seed volumes: ~3.5M orders, ~8.7M interactions, 45K products, 12 stores.
    let t = &m.tables;
    assert!(
        (3_200_000..=3_800_000).contains(&t["raw.orders"]),
        "{}",
        t["raw.orders"]
    );
    assert!(
        (8_000_000..=9_400_000).contains(&t["raw.interactions"]),
        "{}",
        t["raw.interactions"]
    );
    assert_eq!(t["raw.products"], 45_000);
    assert_eq!(t["raw.stores"], 12);
    assert!(
        report.elapsed.as_secs() < 60,
        "seed scale took {:?}",
        report.elapsed
    );
}
