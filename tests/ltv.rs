//! `amigo ltv` end to end on a small hand-made lake whose every expected value is worked out by
//! hand below: customer summaries by the standard definitions, RFM scores, the data-quality
//! view and co-purchase recommendations; the model fits and scores exist for every customer.
//!
//! The lake (cutoff 2024-03-31):
//! - U1 has two source records (cegid C1, shopify S1). Purchases: 2024-01-01 (100 + 20, two
//!   orders on one day: one purchase day of 120), 2024-01-15 (50), 2024-02-12 (70), and a
//!   cancelled order of 999 on 2024-03-01 (left out). frequency 2, recency 42 days = 6 weeks,
//!   T 90 days, monetary (50 + 70) / 2 = 60, total 240.
//! - U2 (S2): one order of 30 on 2024-03-10: frequency 0, T 21 days = 3 weeks, monetary 0.
//! - U3 (C3): 40 + 10 on 2023-09-01 and an order after the cutoff (2024-04-05, left out):
//!   frequency 0, T 212 days.
//! - U4 (C4): 10 on 2024-01-10, 25 on 2024-02-10, 35 on 2024-03-30: frequency 2, recency 80
//!   days, T 81 days, monetary 30, total 70.
//! - An anonymous sale (no customer) is left out.

use std::path::Path;
use std::process::{Command, Output};

fn amigo(lake: &Path, args: &[&str]) -> String {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_amigo"))
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

/// Rows of a CSV query result, header dropped.
fn query(lake: &Path, sql: &str) -> Vec<Vec<String>> {
    amigo(lake, &["sql", "--format", "csv", "-c", sql])
        .lines()
        .skip(1)
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

const SETUP: &str = r#"
CREATE TABLE raw.orders AS
SELECT column1 AS source_system, column2 AS order_id, column3 AS customer_source_id,
       column4 AS status, CAST(column5 AS TIMESTAMP) AS ordered_at,
       CAST(column6 AS DECIMAL(18, 2)) AS total_amount
FROM (VALUES
    ('cegid',   'O1', 'C1', 'completed', '2024-01-01T10:00:00', 100.00),
    ('shopify', 'O2', 'S1', 'completed', '2024-01-01T18:00:00', 20.00),
    ('cegid',   'O3', 'C1', 'completed', '2024-01-15T12:00:00', 50.00),
    ('shopify', 'O4', 'S1', 'completed', '2024-02-12T09:30:00', 70.00),
    ('cegid',   'O5', 'C1', 'cancelled', '2024-03-01T11:00:00', 999.00),
    ('shopify', 'O6', 'S2', 'completed', '2024-03-10T16:00:00', 30.00),
    ('cegid',   'O7', 'C3', 'completed', '2023-09-01T10:00:00', 40.00),
    ('cegid',   'O8', 'C3', 'completed', '2023-09-01T17:00:00', 10.00),
    ('cegid',   'O9', 'C3', 'completed', '2024-04-05T10:00:00', 80.00),
    ('cegid',   'O10', 'C4', 'completed', '2024-01-10T10:00:00', 10.00),
    ('cegid',   'O11', 'C4', 'completed', '2024-02-10T10:00:00', 25.00),
    ('cegid',   'O12', 'C4', 'completed', '2024-03-30T10:00:00', 35.00),
    ('cegid',   'O13', NULL, 'completed', '2024-03-30T11:00:00', 500.00)
);
CREATE TABLE raw.order_lines AS
SELECT column1 AS source_system, column2 AS order_id, column3 AS sku
FROM (VALUES
    ('cegid', 'O1', 'P1'), ('cegid', 'O3', 'P2'), ('shopify', 'O4', 'P3'),
    ('cegid', 'O5', 'P4'), ('shopify', 'O6', 'P1'), ('cegid', 'O7', 'P4'),
    ('cegid', 'O10', 'P1'), ('cegid', 'O11', 'P3'), ('cegid', 'O13', 'P2')
);
CREATE TABLE raw.products AS
SELECT column1 AS sku, column2 AS name, column3 AS category
FROM (VALUES ('P1', 'Shirt', 'A'), ('P2', 'Trousers', 'A'), ('P3', 'Bag', 'B'),
             ('P4', 'Scarf', 'C'));
CREATE TABLE raw.customer_records AS
SELECT column1 AS source_system, column2 AS source_id, column3 AS email,
       CAST(NULL AS VARCHAR) AS phone, 'FR' AS country, CAST(NULL AS VARCHAR) AS postal_code,
       CAST(NULL AS DATE) AS birth_date, 'Marie' AS first_name, 'Dupont' AS last_name,
       CAST(NULL AS VARCHAR) AS address_line1, 'Paris' AS city,
       CAST(column4 AS TIMESTAMP) AS updated_at
FROM (VALUES
    ('cegid',   'C1', 'marie@exemple.fr', '2024-03-01T00:00:00'),
    ('cegid',   'C3', 'marie@exemple.fr', '2024-03-20T00:00:00'),
    ('cegid',   'C4', ' ',                '2024-01-05T00:00:00'),
    ('shopify', 'S1', 'not-an-email',     '2024-02-01T00:00:00'),
    ('shopify', 'S2', NULL,               '2024-03-15T00:00:00')
);
CREATE TABLE unified.customer_links AS
SELECT column1 AS source_system, column2 AS source_id, column3 AS unified_id
FROM (VALUES ('cegid', 'C1', 'U1'), ('shopify', 'S1', 'U1'), ('shopify', 'S2', 'U2'),
             ('cegid', 'C3', 'U3'), ('cegid', 'C4', 'U4'));
"#;

fn prepared_lake() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path();
    amigo(lake, &["init"]);
    amigo(lake, &["sql", "-c", SETUP]);
    amigo(lake, &["ltv", "--cutoff", "2024-03-31"]);
    dir
}

#[test]
fn ltv_pipeline_on_a_hand_made_lake() {
    let dir = prepared_lake();
    let lake = dir.path();

    let summary = query(
        lake,
        "SELECT unified_id, frequency, round(recency * 7), round(t * 7), monetary, total_spend \
         FROM analytics.ltv_summary ORDER BY unified_id",
    );
    let row = |cells: &[&str]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    assert_eq!(
        summary,
        vec![
            row(&["U1", "2", "42.0", "90.0", "60.0", "240.0"]),
            row(&["U2", "0", "0.0", "21.0", "0.0", "30.0"]),
            row(&["U3", "0", "0.0", "212.0", "0.0", "50.0"]),
            row(&["U4", "2", "80.0", "81.0", "30.0", "70.0"]),
        ]
    );

    // Recency days 48, 21, 212, 1; purchase days 3, 1, 1, 3; spend 240, 30, 50, 70.
    let rfm = query(
        lake,
        "SELECT unified_id, recency_days, frequency, r_score, f_score, m_score, rfm_code \
         FROM analytics.rfm ORDER BY unified_id",
    );
    assert_eq!(
        rfm,
        vec![
            row(&["U1", "48", "3", "3", "5", "5", "355"]),
            row(&["U2", "21", "1", "4", "3", "2", "432"]),
            row(&["U3", "212", "1", "2", "3", "3", "233"]),
            row(&["U4", "1", "3", "5", "5", "4", "554"]),
        ]
    );

    // Only P1 and P3 were bought together by more than one customer (U1 and U4): U2, who owns
    // P1, gets P3; the others own everything their co-purchases point to.
    assert_eq!(
        query(
            lake,
            "SELECT unified_id, rank, sku, product_name, category, score \
             FROM analytics.product_recommendations ORDER BY unified_id, rank",
        ),
        vec![row(&["U2", "1", "P3", "Bag", "B", "2"])]
    );
    assert_eq!(
        query(
            lake,
            "SELECT unified_id, rank, category, score FROM analytics.category_recommendations \
             ORDER BY unified_id, rank",
        ),
        vec![row(&["U2", "1", "B", "2"])]
    );

    // Emails: cegid has 2 filled of 3 (one blank), both valid, one distinct; shopify 1 of 2,
    // invalid.
    assert_eq!(
        query(
            lake,
            "SELECT source_system, records, filled, round(completeness, 4), validity, \
             uniqueness, newest_update FROM analytics.data_quality WHERE field = 'email' \
             ORDER BY source_system",
        ),
        vec![
            row(&[
                "cegid",
                "3",
                "2",
                "0.6667",
                "1.0",
                "0.5",
                "2024-03-20T00:00:00"
            ]),
            row(&[
                "shopify",
                "2",
                "1",
                "0.5",
                "0.0",
                "1.0",
                "2024-03-15T00:00:00"
            ]),
        ]
    );

    // The fit ran on the 4 customers; every customer is scored. One-time buyers are alive for
    // the model; their churn band comes from the time since their purchase (3 and 30 weeks).
    assert_eq!(
        query(lake, "SELECT customers FROM analytics.ltv_models"),
        vec![row(&["4"])]
    );
    assert_eq!(
        query(
            lake,
            "SELECT unified_id, p_alive, churn_risk FROM analytics.ltv_scores \
             WHERE frequency = 0 ORDER BY unified_id",
        ),
        vec![row(&["U2", "1.0", "low"]), row(&["U3", "1.0", "high"])]
    );
    assert_eq!(
        query(
            lake,
            "SELECT count(*) FROM analytics.ltv_scores WHERE p_alive BETWEEN 0 AND 1",
        ),
        vec![row(&["4"])]
    );
}

#[test]
fn ltv_step_and_bad_cutoff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path();
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["ltv", "--cutoff", "2024-13-45"])
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--cutoff"));
    let output = Command::new(env!("CARGO_BIN_EXE_amigo"))
        .args(["ltv", "--step", "nope"])
        .env("AMIGO_LAKE", lake)
        .output()
        .expect("run amigo");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("steps: settings, summary"));
}
