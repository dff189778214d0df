//! The lifetime-value functions on the CDNOW data set (the 2,357-customer cohort of Fader,
//! Hardie & Lee 2005), vendored from the MIT-licensed lifetimes package (tests/data/).
//!
//! Published estimates: BG/NBD r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
//! (Fader, Hardie & Lee 2005, "Counting your customers the easy way", table 1); Gamma-Gamma
//! p = 6.25, q = 3.74, gamma = 15.44 (Fader, Hardie & Lee 2005, "RFM and CLV", and Fader &
//! Hardie's note on the Gamma-Gamma model).
//!
//! Per-customer reference values (`LIFETIMES_*`) were printed by lifetimes 0.11.3 (scipy's
//! hyp2f1), run by us in a Python venv on the same files: `BetaGeoFitter().fit(...)`,
//! `conditional_probability_alive`, `conditional_expected_number_of_purchases_up_to_time(39,
//! ...)`, `probability_of_n_purchases_up_to_time(39, n)`, `GammaGammaFitter().fit(...)`,
//! `conditional_expected_average_profit` and `customer_lifetime_value(bgf, ..., time=12,
//! discount_rate=0.01, freq="W")`; the script is in the commit that added this file's message.

use std::path::PathBuf;

use amigo_udfs::ltv::{
    BgNbdParams, GammaGammaParams, bgnbd_expected_purchases, bgnbd_fit, bgnbd_p_alive,
    bgnbd_p_purchases, clv, gamma_gamma_expected_spend, gamma_gamma_fit,
};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Float64Type;
use datafusion::prelude::{CsvReadOptions, SessionConfig, SessionContext};

fn data_file(name: &str) -> PathBuf {
    PathBuf::from(manifest_dir()).join("tests/data").join(name)
}

/// Rows of a vendored CSV as numbers, header skipped.
fn read_csv(name: &str) -> Vec<Vec<f64>> {
    let path = data_file(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .enumerate()
        .map(|(i, line)| {
            line.split(',')
                .map(|v| {
                    v.parse::<f64>()
                        .unwrap_or_else(|e| panic!("{name}:{}: {v}: {e}", i + 2))
                })
                .collect()
        })
        .collect()
}

/// `(id, frequency, recency, T)` of every customer.
fn cdnow() -> Vec<(u32, f64, f64, f64)> {
    read_csv("cdnow_customers_summary.csv")
        .into_iter()
        .map(|r| (r[0] as u32, r[1], r[2], r[3]))
        .collect()
}

/// `(id, frequency, recency, T, monetary_value)` of every customer.
fn cdnow_with_spend() -> Vec<(u32, f64, f64, f64, f64)> {
    read_csv("cdnow_customers_summary_with_transactions.csv")
        .into_iter()
        .map(|r| (r[0] as u32, r[1], r[2], r[3], r[4]))
        .collect()
}

fn published_bgnbd() -> BgNbdParams {
    BgNbdParams::new(0.243, 4.414, 0.793, 2.426).unwrap_or_else(|| panic!("valid parameters"))
}

fn published_gamma_gamma() -> GammaGammaParams {
    GammaGammaParams::new(6.25, 3.74, 15.44).unwrap_or_else(|| panic!("valid parameters"))
}

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not within {tolerance} of {expected}"
    );
}

fn customer(id: u32) -> (f64, f64, f64) {
    let all = cdnow();
    let Some(&(_, x, t_x, t)) = all.iter().find(|c| c.0 == id) else {
        panic!("no customer {id}");
    };
    (x, t_x, t)
}

#[test]
fn ltv_cdnow_bgnbd_fit_reproduces_the_published_estimates() {
    let fit = bgnbd_fit(cdnow().into_iter().map(|(_, x, t_x, t)| (x, t_x, t)))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no fit"));
    assert!(fit.converged, "{fit:?}");
    let p = fit.params;
    // Published to 3 decimals.
    assert_close(p.r, 0.243, 5e-4, "r");
    assert_close(p.alpha, 4.414, 5e-4, "alpha");
    assert_close(p.a, 0.793, 5e-4, "a");
    assert_close(p.b, 2.426, 5e-4, "b");
    assert_close(fit.log_likelihood, -9582.4, 0.05, "log-likelihood");
    // lifetimes' own fit (its optimiser stops a little earlier than ours).
    assert_close(p.r, 0.242_592_928_279_821_5, 1e-4, "r vs lifetimes");
    assert_close(p.alpha, 4.413_532_265_271_809, 1e-3, "alpha vs lifetimes");
    assert_close(p.a, 0.792_885_966_440_657_8, 1e-4, "a vs lifetimes");
    assert_close(p.b, 2.425_752_382_625_737_4, 1e-3, "b vs lifetimes");
}

/// lifetimes 0.11.3 with the published parameters: (id, P(alive), expected purchases in 39
/// weeks).
const LIFETIMES_PUBLISHED_PARAMS: [(u32, f64, f64); 5] = [
    (1, 0.726578570081, 1.226028174767),
    (2, 0.212100985377, 0.203186987080),
    (3, 1.000000000000, 0.195098052011),
    (18, 0.310782565396, 0.297721262291),
    (1516, 0.968915649718, 20.749726140858),
];

#[test]
fn ltv_cdnow_p_alive_and_expected_purchases_match_lifetimes() {
    let params = published_bgnbd();
    for (id, p_alive, purchases) in LIFETIMES_PUBLISHED_PARAMS {
        let (x, t_x, t) = customer(id);
        let ours = bgnbd_p_alive(x, t_x, t, &params).unwrap_or_else(|| panic!("{id}"));
        assert_close(ours, p_alive, 1e-9, &format!("P(alive) of customer {id}"));
        let ours =
            bgnbd_expected_purchases(39.0, x, t_x, t, &params).unwrap_or_else(|| panic!("{id}"));
        assert_close(
            ours,
            purchases,
            1e-9,
            &format!("purchases of customer {id}"),
        );
    }
}

/// lifetimes 0.11.3 with its own fitted parameters: (id, P(alive), expected purchases in 39
/// weeks). Compared with ours at our fitted parameters: within 1e-4 as the issue asks.
const LIFETIMES_FITTED_PARAMS: [(u32, f64, f64); 5] = [
    (1, 0.726609136799, 1.225910424174),
    (2, 0.212227388072, 0.203250624256),
    (3, 1.000000000000, 0.194780857939),
    (18, 0.310915280966, 0.297764230721),
    (1516, 0.968919715969, 20.750570498763),
];

#[test]
fn ltv_cdnow_scores_at_the_fitted_parameters_match_lifetimes() {
    let fit = bgnbd_fit(cdnow().into_iter().map(|(_, x, t_x, t)| (x, t_x, t)))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no fit"));
    for (id, p_alive, purchases) in LIFETIMES_FITTED_PARAMS {
        let (x, t_x, t) = customer(id);
        let ours = bgnbd_p_alive(x, t_x, t, &fit.params).unwrap_or_else(|| panic!("{id}"));
        assert_close(ours, p_alive, 1e-4, &format!("P(alive) of customer {id}"));
        let ours = bgnbd_expected_purchases(39.0, x, t_x, t, &fit.params)
            .unwrap_or_else(|| panic!("{id}"));
        // Expected purchases scale with the customer's rate: 1e-4 relative.
        assert_close(
            ours,
            purchases,
            1e-4 * purchases.max(1.0),
            &format!("purchases of customer {id}"),
        );
    }
}

#[test]
fn ltv_cdnow_p_purchases_matches_lifetimes() {
    // lifetimes 0.11.3, probability_of_n_purchases_up_to_time(39, n), published parameters.
    let expected = [
        (0.0, 0.573786352096),
        (1.0, 0.199395280836),
        (2.0, 0.085429759539),
        (5.0, 0.017965493867),
    ];
    for (n, p) in expected {
        let ours = bgnbd_p_purchases(n, 39.0, &published_bgnbd()).unwrap_or_else(|| panic!());
        assert_close(ours, p, 1e-9, &format!("P(N(39) = {n})"));
    }
}

#[test]
fn ltv_cdnow_extreme_customers_do_not_overflow() {
    let params = published_bgnbd();
    for (x, t_x, t) in [
        (200.0, 1.0, 400.0),
        (200.0, 399.0, 400.0),
        (5_000.0, 10.0, 1e4),
    ] {
        let p = bgnbd_p_alive(x, t_x, t, &params).unwrap_or_else(|| panic!("{x}"));
        assert!((0.0..=1.0).contains(&p), "P(alive) {p}");
        let e = bgnbd_expected_purchases(39.0, x, t_x, t, &params).unwrap_or_else(|| panic!());
        assert!(e.is_finite() && e >= 0.0, "expected purchases {e}");
    }
}

#[test]
fn ltv_cdnow_gamma_gamma_reproduces_the_published_estimates() {
    let fit = gamma_gamma_fit(cdnow_with_spend().into_iter().map(|c| (c.1, c.4)))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no fit"));
    assert!(fit.converged, "{fit:?}");
    let p = fit.params;
    assert_close(p.p, 6.25, 5e-3, "p");
    assert_close(p.q, 3.74, 5e-3, "q");
    assert_close(p.gamma, 15.44, 1e-2, "gamma");
    // lifetimes' own fit.
    assert_close(p.p, 6.248_802_496_070_99, 1e-3, "p vs lifetimes");
    assert_close(p.q, 3.744_588_460_923_763_4, 1e-3, "q vs lifetimes");
    assert_close(p.gamma, 15.447_748_064_943_575, 1e-2, "gamma vs lifetimes");
}

#[test]
fn ltv_cdnow_expected_spend_and_clv_match_lifetimes() {
    // lifetimes 0.11.3, conditional_expected_average_profit at the published parameters.
    let expected_spend = [
        (1, 24.663713910761),
        (2, 18.916852057842),
        (3, 35.218978102190),
    ];
    let customers = cdnow_with_spend();
    let find = |id: u32| {
        customers
            .iter()
            .find(|c| c.0 == id)
            .copied()
            .unwrap_or_else(|| panic!("no customer {id}"))
    };
    for (id, spend) in expected_spend {
        let c = find(id);
        let ours = gamma_gamma_expected_spend(c.1, c.4, &published_gamma_gamma())
            .unwrap_or_else(|| panic!("{id}"));
        assert_close(ours, spend, 1e-9, &format!("spend of customer {id}"));
    }
    // lifetimes 0.11.3, customer_lifetime_value(bgf, ..., time=12, discount_rate=0.01,
    // freq="W") with both models fitted by lifetimes; ours with both fitted by us.
    let bgnbd = bgnbd_fit(customers.iter().map(|c| (c.1, c.2, c.3)))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no fit"));
    let gamma_gamma = gamma_gamma_fit(customers.iter().map(|c| (c.1, c.4)))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no fit"));
    let expected_clv = [
        (1, 36.278495763627944),
        (2, 4.637466328570688),
        (3, 8.34409312180974),
    ];
    for (id, value) in expected_clv {
        let c = find(id);
        let ours = clv(
            c.1,
            c.2,
            c.3,
            c.4,
            &bgnbd.params,
            &gamma_gamma.params,
            12.0,
            0.01,
        )
        .unwrap_or_else(|| panic!("{id}"));
        assert_close(ours, value, 1e-4 * value, &format!("CLV of customer {id}"));
    }
}

/// The aggregates through SQL, over several partitions: partial states must merge to the same
/// fit as one pass.
#[tokio::test]
async fn ltv_cdnow_fits_in_sql_across_partitions() -> datafusion::error::Result<()> {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(4));
    amigo_udfs::register_all(&ctx)?;
    let path = data_file("cdnow_customers_summary_with_transactions.csv");
    ctx.register_csv(
        "cdnow_raw",
        path.to_string_lossy().as_ref(),
        CsvReadOptions::new(),
    )
    .await?;
    // Round-robin over 4 partitions, so every partition sees part of the customers.
    ctx.sql("CREATE TABLE cdnow AS SELECT * FROM cdnow_raw")
        .await?
        .collect()
        .await?;
    let batches = ctx
        .sql(
            "SELECT m.bgnbd.r, m.bgnbd.log_likelihood, m.gg.p, \
             bgnbd_p_alive(c.x, c.t_x, c.\"T\", m.bgnbd), \
             clv(c.x, c.t_x, c.\"T\", c.zbar, m.bgnbd, m.gg, 12, 0.01) \
             FROM (SELECT bgnbd_fit(x, t_x, \"T\") AS bgnbd, gamma_gamma_fit(x, zbar) AS gg \
                   FROM (SELECT * FROM cdnow UNION ALL SELECT * FROM cdnow WHERE false)) m \
             CROSS JOIN cdnow c WHERE c.\"ID\" = 1",
        )
        .await?
        .collect()
        .await?;
    let batch = &batches[0];
    let value = |i: usize| batch.column(i).as_primitive::<Float64Type>().value(0);
    assert!(!batch.column(0).is_null(0));
    assert_close(value(0), 0.243, 5e-4, "r through SQL");
    assert_close(value(1), -9582.4, 0.05, "LL through SQL");
    assert_close(value(2), 6.25, 5e-3, "p through SQL");
    assert_close(
        value(3),
        0.726609136799,
        1e-4,
        "P(alive) of customer 1 through SQL",
    );
    assert_close(
        value(4),
        36.278495763627944,
        4e-3,
        "CLV of customer 1 through SQL",
    );
    Ok(())
}

/// The package's directory, as `cargo test` says when it runs the test: the one the test was
/// compiled in may be another checkout sharing the build directory (CI's cache).
fn manifest_dir() -> String {
    std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned())
}
