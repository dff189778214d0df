//! `amigo segment` and `amigo journey` on a small hand-made lake whose members are known:
//! tiers, lapsed, cross-sell and high churn risk, the catalog, the membership history across two snapshots, and
//! the journeys' due steps over several days, each delivered once, and consent-safe audience
//! exports (full and `--diff`) with their exclusions by reason.

use std::path::Path;
use std::process::Command;

fn amigo(lake: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(args)
        .env("AMIGO_LAKE", lake)
        .env_remove("AMIGO_FORMAT")
        .output()
        .expect("run amigo");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "amigo {args:?} failed:\nstdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn query(lake: &Path, sql: &str) -> Vec<String> {
    amigo(lake, &["sql", "--format", "csv", "-c", sql])
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// Six customers as of 2026-06-30 (amounts in EUR unless said):
/// - U1: 4 orders, 20,000 in the last 24 months, the last on 2026-05-01: VIP;
/// - U2: one order of 6,000 on 2025-12-05: Premium, and lapsed (207 days);
/// - U3: one order of 500 on 2026-06-01 (and a cancelled one of 100,000): Standard;
/// - U4: one order of 400 on 2025-06-01, 394 days before: Standard and lapsed;
/// - U5: no order: no tier;
/// - U6: two orders of 300 USD in the last year: Premium (frequency).
///
/// U1 and U2 bought shoes and leather goods; U3 and U4 only shoes; U6 only jewelry.
///
/// For the journeys: U3 and U5 signed up 30 and 7 days before, U5's profile lacks a birth date
/// and an address, U3 has a preferred store, U1 (the VIP) turns 46 on 2026-07-04.
const LAKE_SQL: &str = r#"

CREATE TABLE unified.customers AS SELECT unified_id, CAST(first_seen_at AS TIMESTAMP) AS first_seen_at,
  CAST(birth_date AS DATE) AS birth_date, 'Ann' AS first_name, 'Smith' AS last_name, 'fr' AS preferred_language,
  email, phone_e164, address_line1, CAST(NULL AS VARCHAR) AS address_line2, '75001' AS postal_code,
  'Paris' AS city, 'FR' AS country_iso2, preferred_store_id
FROM (VALUES
  ('U1', '2024-01-01', '1980-07-04', 'Anne@Example.com', '+33612345601', '1 rue A', 'ST1'),
  ('U2', '2023-05-01', '1990-01-01', 'bad-email', '+33612345602', '2 rue B', NULL),
  ('U3', '2026-05-31', '1985-03-03', 'c@example.com', '+33145678903', '3 rue C', 'ST2'),
  ('U4', '2023-01-01', NULL, NULL, NULL, NULL, NULL),
  ('U5', '2026-06-23', NULL, 'e@example.com', '+33612345605', NULL, NULL),
  ('U6', '2025-08-01', NULL, 'f@example.com', '+33612345606', '6 rue F', NULL)
) AS v(unified_id, first_seen_at, birth_date, email, phone_e164, address_line1, preferred_store_id);
CREATE TABLE unified.customer_links AS SELECT * FROM (VALUES
  ('cegid', 'C1', 'U1'), ('shopify', 'S1', 'U1'), ('cegid', 'C2', 'U2'), ('cegid', 'C3', 'U3'),
  ('shopify', 'S4', 'U4'), ('cegid', 'C5', 'U5'), ('shopify', 'S6', 'U6')) AS v(source_system, source_id, unified_id);
CREATE TABLE raw.orders AS SELECT source_system, order_id, order_id AS order_number, customer_source_id,
  CAST(NULL AS VARCHAR) AS store_id, CAST(NULL AS VARCHAR) AS associate_id, 'store' AS channel, status,
  arrow_cast(ordered_at, 'Timestamp(Microsecond, Some("UTC"))') AS ordered_at, currency, amount AS subtotal_amount, zero AS discount_amount,
  zero AS shipping_amount, zero AS tax_amount, amount AS total_amount
FROM (SELECT *, CAST(total AS DECIMAL(18,2)) AS amount, CAST(0 AS DECIMAL(18,2)) AS zero FROM (VALUES
  ('cegid', 'O1', 'C1', 'completed', '2025-01-10T10:00:00Z', 'EUR', 5000),
  ('shopify', 'O2', 'S1', 'completed', '2025-08-10T10:00:00Z', 'EUR', 5000),
  ('cegid', 'O3', 'C1', 'completed', '2026-01-10T10:00:00Z', 'EUR', 5000),
  ('cegid', 'O4', 'C1', 'partially_returned', '2026-05-01T10:00:00Z', 'EUR', 5000),
  ('cegid', 'O5', 'C2', 'completed', '2025-12-05T10:00:00Z', 'EUR', 6000),
  ('cegid', 'O6', 'C3', 'completed', '2026-06-01T10:00:00Z', 'EUR', 500),
  ('cegid', 'O7', 'C3', 'cancelled', '2026-06-02T10:00:00Z', 'EUR', 100000),
  ('shopify', 'O8', 'S4', 'completed', '2025-06-01T10:00:00Z', 'EUR', 400),
  ('shopify', 'O9', 'S6', 'completed', '2025-09-01T10:00:00Z', 'USD', 300),
  ('shopify', 'O10', 'S6', 'completed', '2026-03-01T10:00:00Z', 'USD', 300)
) AS v(source_system, order_id, customer_source_id, status, ordered_at, currency, total));
CREATE TABLE raw.products AS SELECT sku, sku AS style_code, sku AS name, category,
  CAST(NULL AS VARCHAR) AS subcategory, CAST(NULL AS VARCHAR) AS collection, CAST(NULL AS VARCHAR) AS season,
  CAST(NULL AS VARCHAR) AS color, CAST(NULL AS VARCHAR) AS size, CAST(100 AS DECIMAL(18,2)) AS price,
  'EUR' AS currency, CAST(NULL AS DATE) AS launched_on
FROM (VALUES ('SHOE', 'shoes'), ('BAG', 'leather_goods'), ('RING', 'jewelry')) AS v(sku, category);
CREATE TABLE raw.order_lines AS SELECT source_system, order_id, CAST(1 AS INT) AS line_number, sku,
  CAST(NULL AS VARCHAR) AS product_name, CAST(1 AS INT) AS quantity, CAST(100 AS DECIMAL(18,2)) AS unit_price,
  CAST(0 AS DECIMAL(18,2)) AS discount_amount, CAST(100 AS DECIMAL(18,2)) AS line_total, 'EUR' AS currency
FROM (VALUES
  ('cegid', 'O1', 'SHOE'), ('shopify', 'O2', 'BAG'), ('cegid', 'O3', 'SHOE'), ('cegid', 'O4', 'BAG'),
  ('cegid', 'O5', 'SHOE'), ('cegid', 'O5', 'BAG'), ('cegid', 'O6', 'SHOE'), ('cegid', 'O7', 'BAG'),
  ('shopify', 'O8', 'SHOE'), ('shopify', 'O9', 'RING'), ('shopify', 'O10', 'RING')
) AS v(source_system, order_id, sku);
"#;

#[test]
fn segments_have_exactly_the_expected_members_and_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path();
    amigo(
        lake,
        &["init", "--lake", lake.to_str().expect("utf-8 path")],
    );
    amigo(lake, &["sql", "-c", LAKE_SQL]);

    // Before install, the commands say what to do.
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["segment", "list"])
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("run `amigo segment install`"));

    amigo(lake, &["segment", "install"]);
    amigo(
        lake,
        &[
            "sql",
            "-c",
            "INSERT INTO segments.settings VALUES (DATE '2026-06-30')",
        ],
    );

    let members = |segment: &str| {
        query(
            lake,
            &format!("SELECT unified_id FROM segments.{segment} ORDER BY unified_id"),
        )
    };
    assert_eq!(members("vip"), ["U1"]);
    assert_eq!(members("premium"), ["U2", "U6"]);
    assert_eq!(members("standard"), ["U3", "U4"]);
    assert_eq!(members("lapsed"), ["U2", "U4"]);
    assert_eq!(
        query(
            lake,
            "SELECT unified_id, bought_category, coalesce(suggested_category, '-') \
             FROM segments.cross_sell ORDER BY unified_id"
        ),
        [
            "U3,shoes,leather_goods",
            "U4,shoes,leather_goods",
            "U6,jewelry,-"
        ]
    );
    // The cancelled order counts for nothing; the USD orders are converted.
    assert_eq!(
        query(
            lake,
            "SELECT unified_id, orders, round(revenue_eur) FROM segments.customer_value \
             WHERE unified_id IN ('U3', 'U5', 'U6') ORDER BY unified_id"
        ),
        ["U3,1,500.0", "U5,0,0.0", "U6,2,552.0"]
    );

    // The catalog: every segment with its count and description.
    let list = amigo(lake, &["segment", "list", "--format", "csv"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with("vip,1,\"VIP tier: at least 15,000 EUR")),
        "{list}"
    );
    assert_eq!(amigo(lake, &["segment", "count", "premium"]).trim(), "2");
    let shown = amigo(lake, &["segment", "show", "lapsed"]);
    assert!(
        shown.contains("members: 2") && shown.contains("CREATE OR REPLACE VIEW segments.lapsed"),
        "{shown}"
    );
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["segment", "count", "whales"])
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no segment named whales"));

    // high_churn_risk reads `amigo ltv`'s scores: skipped until they exist, then installed.
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["segment", "install"])
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("skipped segment high_churn_risk: analytics.ltv_scores not in the lake yet"),
        "{output:?}"
    );
    assert!(
        query(
            lake,
            "SELECT name FROM segments.catalog WHERE name = 'high_churn_risk'"
        )
        .is_empty()
    );
    amigo(
        lake,
        &[
            "sql",
            "-c",
            "CREATE SCHEMA IF NOT EXISTS analytics; \
             CREATE TABLE analytics.ltv_scores AS SELECT * FROM (VALUES \
               ('U1', 3.0, 30.0, 60.0, 5000.0, 0.12, 0.1, 4800.0, 900.0, 'high'), \
               ('U2', 0.0, 0.0, 29.0, 0.0, 1.0, 0.3, 5200.0, 2500.0, 'high'), \
               ('U3', 0.0, 0.0, 4.0, 0.0, 1.0, 0.6, 450.0, 800.0, 'low'), \
               ('U6', 1.0, 20.0, 40.0, 276.0, 0.55, 0.4, 280.0, 300.0, 'medium')) \
               AS v(unified_id, frequency, recency, t, monetary, p_alive, expected_purchases_90d, \
                    expected_spend, clv, churn_risk)",
        ],
    );
    amigo(lake, &["segment", "install"]);
    assert_eq!(
        query(
            lake,
            "SELECT unified_id, p_alive, purchase_days, round(revenue_eur) \
             FROM segments.high_churn_risk ORDER BY unified_id"
        ),
        ["U1,0.12,4.0,20000.0", "U2,1.0,1.0,6000.0"]
    );

    // Two snapshots, a year apart: U1 leaves VIP (no order for over a year), U4 leaves lapsed
    // (no order for over two years), the others enter it.
    amigo(lake, &["segment", "snapshot"]);
    amigo(
        lake,
        &[
            "sql",
            "-c",
            "DELETE FROM segments.settings; INSERT INTO segments.settings VALUES (DATE '2027-06-30')",
        ],
    );
    let summary = amigo(lake, &["segment", "snapshot"]);
    assert!(summary.contains("vip"), "{summary}");
    assert_eq!(
        query(
            lake,
            "SELECT segment, unified_id, left_at IS NULL FROM segments.membership \
             WHERE segment IN ('vip', 'lapsed') ORDER BY segment, unified_id, entered_at"
        ),
        [
            "lapsed,U1,true",
            "lapsed,U2,true",
            "lapsed,U3,true",
            "lapsed,U4,false",
            "lapsed,U6,true",
            "vip,U1,false"
        ]
    );
}

/// The journeys on 2026-06-30, with two more orders of U6 (16 June and 28 June): every due step
/// exactly; delivered once, then never due again; a later date brings only the new step.
#[test]
fn journeys_give_each_step_once_on_its_day() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path();
    amigo(
        lake,
        &["init", "--lake", lake.to_str().expect("utf-8 path")],
    );
    amigo(lake, &["sql", "-c", LAKE_SQL]);
    amigo(
        lake,
        &[
            "sql",
            "-c",
            "INSERT INTO raw.orders SELECT source_system, order_id, order_number, customer_source_id, \
             store_id, associate_id, channel, status, \
             arrow_cast(CASE order_id WHEN 'O9' THEN '2026-06-16T10:00:00Z' ELSE '2026-06-28T10:00:00Z' END, \
                        'Timestamp(Microsecond, Some(\"UTC\"))'), \
             currency, subtotal_amount, discount_amount, shipping_amount, tax_amount, total_amount \
             FROM (SELECT * FROM raw.orders WHERE order_id IN ('O9', 'O10')); \
             UPDATE raw.orders SET order_id = 'O11' WHERE order_id = 'O9' AND ordered_at > TIMESTAMP '2026-06-01T00:00:00Z'; \
             UPDATE raw.orders SET order_id = 'O12' WHERE order_id = 'O10' AND ordered_at > TIMESTAMP '2026-06-20T00:00:00Z'",
        ],
    );

    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["journey", "install"])
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("run `amigo segment install` first"));

    amigo(lake, &["segment", "install"]);
    amigo(lake, &["journey", "install"]);
    assert_eq!(
        amigo(lake, &["segment", "as-of", "2026-06-30"]).trim(),
        "2026-06-30"
    );
    let due = |journey: Option<&str>| {
        let mut args = vec!["journey", "due", "--format", "csv"];
        args.extend(journey.map(|j| ["--journey", j]).into_iter().flatten());
        amigo(lake, &args)
            .lines()
            .skip(1)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        due(None),
        [
            "cross_sell,suggest_category,U3,shoes > leather_goods,2026-06-30,leather_goods",
            "cross_sell,suggest_category,U4,shoes > leather_goods,2026-06-30,leather_goods",
            "onboarding,discovery,U5,2026-06-23,2026-06-26,",
            "onboarding,first_purchase_offer,U5,2026-06-23,2026-06-30,",
            "onboarding,introduce_associate,U3,2026-05-31,2026-06-30,ST2",
            "onboarding,welcome,U5,2026-06-23,2026-06-24,",
            "post_purchase,review_request,U6,shopify:O11,2026-06-30,O11",
            "post_purchase,thank_you,U6,shopify:O12,2026-06-29,O12",
            "reactivation,win_back,U2,2025-12-05,2026-06-04,medium",
            "reactivation,win_back,U4,2025-06-01,2025-11-29,low",
            "vip,birthday,U1,2026,2026-06-27,2026-07-04",
            "vip,vip_welcome,U1,vip,2026-06-30,",
        ]
    );
    assert_eq!(due(Some("vip")).len(), 2);
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["journey", "due", "--journey", "nope"])
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(String::from_utf8_lossy(&output.stderr).contains("--journey nope: no such journey"));

    // Delivering the VIP journey first, then the rest: 12 deliveries, nothing due any more,
    // and nothing again the next day, though most steps are still in their window.
    amigo(lake, &["journey", "deliver", "--journey", "vip"]);
    assert_eq!(due(None).len(), 10);
    amigo(lake, &["journey", "deliver"]);
    assert!(due(None).is_empty());
    assert_eq!(
        query(lake, "SELECT count(*) FROM journeys.deliveries"),
        ["12"]
    );
    amigo(lake, &["segment", "as-of", "2026-07-01"]);
    assert!(due(None).is_empty());

    // On 10 July only U5's profile reminder (J+14) is new.
    amigo(lake, &["segment", "as-of", "2026-07-10"]);
    assert_eq!(
        due(None),
        ["onboarding,complete_profile,U5,2026-06-23,2026-07-07,"]
    );
    let list = amigo(lake, &["journey", "list", "--format", "csv"]);
    assert!(
        list.lines()
            .any(|l| l == "onboarding,complete_profile,14,6,1,0"),
        "{list}"
    );
    assert_eq!(amigo(lake, &["segment", "as-of", "today"]).trim().len(), 10);
}

fn amigo_fails(lake: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(args)
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(!output.status.success(), "amigo {args:?} succeeded");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Each of U2..U6 is kept out of the email audience for a different reason; only U1 is in it.
/// Then U1 opts out and U6 opts in: the diff export removes U1 and adds U6, and the previous
/// audience with the changes applied is the new full audience.
#[test]
fn exports_hold_only_contactable_people_and_diffs_add_up() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    let lake = lake.as_path();
    amigo(
        lake,
        &["init", "--lake", lake.to_str().expect("utf-8 path")],
    );
    amigo(lake, &["sql", "-c", LAKE_SQL]);
    amigo(
        lake,
        &[
            "sql",
            "-c",
            "CREATE TABLE unified.consent_state AS SELECT unified_id, channel, 'marketing' AS purpose, status, \
               status = 'opt_in' AS contactable FROM (VALUES \
               ('U1', 'email', 'opt_in'), ('U1', 'sms', 'opt_in'), ('U2', 'email', 'opt_in'), ('U2', 'sms', 'opt_out'), \
               ('U3', 'email', 'pending_double_opt_in'), ('U3', 'sms', 'opt_in'), ('U4', 'email', 'opt_in'), \
               ('U5', 'email', 'opt_in'), ('U6', 'sms', 'opt_in')) AS v(unified_id, channel, status)",
        ],
    );
    // A segment of everyone, next to the built-in set-up file.
    let segments = dir.path().join("segments");
    std::fs::create_dir(&segments).expect("mkdir");
    std::fs::copy(
        Path::new(&manifest_dir()).join("sql/segments/00_customer_value.sql"),
        segments.join("00_customer_value.sql"),
    )
    .expect("copy");
    std::fs::write(
        segments.join("everyone.sql"),
        "-- segment: everyone\n-- description: every unified customer\n\
         CREATE OR REPLACE VIEW segments.everyone AS SELECT unified_id FROM unified.customers;\n",
    )
    .expect("write");
    amigo(
        lake,
        &[
            "segment",
            "install",
            "--sql-dir",
            segments.to_str().expect("utf-8"),
        ],
    );
    let error = amigo_fails(
        lake,
        &[
            "export",
            "--segment",
            "nobody",
            "--channel",
            "email",
            "--out",
            "x.csv",
        ],
    );
    assert!(
        error.contains("--segment nobody: no such segment"),
        "{error}"
    );

    let out = |name: &str| dir.path().join(name).to_str().expect("utf-8").to_owned();
    let export = |channel: &str, file: &str, diff: bool| {
        let mut args = vec![
            "export",
            "--segment",
            "everyone",
            "--channel",
            channel,
            "--out",
            file,
            "--by",
            "marketing-ops",
        ];
        if diff {
            args.push("--diff");
        }
        amigo(lake, &args);
        std::fs::read_to_string(file).expect("read export")
    };
    let full = export("email", &out("email-1.csv"), false);
    assert_eq!(
        full.lines().collect::<Vec<_>>(),
        [
            "SubscriberKey,EmailAddress,FirstName,Locale,Segment,JourneyStep",
            "U1,Anne@Example.com,Ann,fr,everyone,",
            "U5,e@example.com,Ann,fr,everyone,",
        ]
    );
    // U5's email bounces: on the brand's do-not-contact list, out of the next diff.
    amigo(
        lake,
        &[
            "sql",
            "-c",
            "INSERT INTO marketing.do_not_contact VALUES (NULL, 'e@example.com', 'hard bounce', now())",
        ],
    );
    let first = export("email", &out("email-2.csv"), true);
    assert_eq!(
        first.lines().skip(1).collect::<Vec<_>>(),
        ["remove,U5,,,,,"]
    );
    assert_eq!(
        query(
            lake,
            "SELECT e.reason, e.people FROM marketing.export_exclusions e \
             JOIN marketing.exports x ON x.export_id = e.export_id \
             WHERE x.destination LIKE '%email-2.csv' ORDER BY e.reason"
        ),
        [
            "double_opt_in_pending,1",
            "invalid_contact_point,1",
            "no_consent,1",
            "no_contact_point,1",
            "suppressed,1"
        ]
    );
    // SMS: U2 opted out, U3's number is a landline, U4 has none, U5 never consented.
    let sms = export("sms", &out("sms.csv"), false);
    assert_eq!(
        sms.lines().skip(1).collect::<Vec<_>>(),
        [
            "U1,+33612345601,Ann,fr,everyone,",
            "U6,+33612345606,Ann,fr,everyone,"
        ]
    );

    amigo(
        lake,
        &[
            "sql",
            "-c",
            "UPDATE unified.consent_state SET status = 'opt_out', contactable = false \
               WHERE unified_id = 'U1' AND channel = 'email'; \
             INSERT INTO unified.consent_state VALUES ('U6', 'email', 'marketing', 'opt_in', true)",
        ],
    );
    let second = export("email", &out("email-3.csv"), true);
    assert_eq!(
        second.lines().skip(1).collect::<Vec<_>>(),
        ["add,U6,f@example.com,Ann,fr,everyone,", "remove,U1,,,,,"]
    );
    // The audience the tool had (email-2's snapshot) with the changes applied is the new one.
    let mut audience = query(
        lake,
        "SELECT s.unified_id FROM marketing.export_snapshots s \
         JOIN marketing.exports x ON x.export_id = s.export_id \
         WHERE x.destination LIKE '%email-2.csv'",
    );
    assert_eq!(audience, ["U1"]);
    for line in second.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        match fields[0] {
            "add" => audience.push(fields[1].to_owned()),
            _ => audience.retain(|id| id != fields[1]),
        }
    }
    audience.sort();
    let full = export("email", &out("email-4.csv"), false);
    let keys: Vec<String> = full
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(keys, ["U6"]);
    assert_eq!(audience, keys);
    assert_eq!(
        query(
            lake,
            "SELECT channel, diff, members, audience, added, removed, rows_written, exported_by \
             FROM marketing.exports ORDER BY exported_at"
        ),
        [
            "email,false,6,2,2,0,2,marketing-ops",
            "email,true,6,1,0,1,1,marketing-ops",
            "sms,false,6,2,2,0,2,marketing-ops",
            "email,true,6,1,1,1,2,marketing-ops",
            "email,false,6,1,0,0,1,marketing-ops",
        ]
    );
    let parquet = out("sms.parquet");
    amigo(
        lake,
        &[
            "export",
            "--segment",
            "everyone",
            "--channel",
            "sms",
            "--format",
            "parquet",
            "--out",
            &parquet,
        ],
    );
    assert_eq!(&std::fs::read(&parquet).expect("parquet")[..4], b"PAR1");
}

/// The package's directory, as `cargo test` says when it runs the test: the one the test was
/// compiled in may be another checkout sharing the build directory (CI's cache).
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}
