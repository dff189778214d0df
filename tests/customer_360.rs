//! The 360° lookup's stored index: for every kind of key it answers exactly what running
//! sql/serve/customer_360.sql answers, and once a table the view was built from changes it is
//! no longer used until the next `amigo resolve` rebuilds it.

mod common;

use std::sync::atomic::Ordering;

use amigo::lake::Lake;
use amigo::serve::customer_360::{self, SQL};
use amigo::session::{AmigoSession, Outcome};
use arrow::array::{AsArray, RecordBatch};
use arrow::util::pretty::pretty_format_batches;
use datafusion::common::{ParamValues, ScalarValue};

/// Batches as a table of text; no rows at all is the empty text, however many empty batches.
fn text(batches: &[RecordBatch]) -> String {
    let batches: Vec<RecordBatch> = batches
        .iter()
        .filter(|b| b.num_rows() > 0)
        .cloned()
        .collect();
    pretty_format_batches(&batches).expect("format").to_string()
}

async fn open(lake: &std::path::Path) -> AmigoSession {
    let lake = Lake::open(&lake.display().to_string())
        .await
        .expect("open lake");
    AmigoSession::open(lake).await.expect("session")
}

async fn rows(session: &AmigoSession, sql: &str) -> Vec<RecordBatch> {
    match session.execute(sql).await.expect(sql) {
        Outcome::Rows(frame) => frame.collect().await.expect(sql),
        Outcome::Done(done) => panic!("{sql}: no rows ({done})"),
    }
}

async fn strings(session: &AmigoSession, sql: &str) -> Vec<String> {
    let mut values = Vec::new();
    for batch in rows(session, sql).await {
        let column =
            arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Utf8).expect("cast");
        values.extend(
            column
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_owned),
        );
    }
    values
}

/// What the lookup answers through the table.
async fn lookup_rows(session: &AmigoSession, key: &str) -> Vec<RecordBatch> {
    let sql = format!(
        "SELECT * FROM analytics.customer_360 WHERE lookup_key = '{}'",
        key.replace('\'', "''")
    );
    rows(session, &sql).await
}

/// What the lookup answers through the table, as text.
async fn lookup(session: &AmigoSession, key: &str) -> String {
    text(&lookup_rows(session, key).await)
}

/// What running the statement answers, as text.
async fn statement(session: &AmigoSession, key: &str) -> String {
    let plan = session
        .plan(SQL)
        .await
        .expect("plan")
        .with_param_values(ParamValues::from(vec![
            ScalarValue::Utf8(Some(key.trim().to_owned())),
            ScalarValue::Utf8(None),
            ScalarValue::Utf8(None),
        ]))
        .expect("bind");
    let batches = session
        .context()
        .execute_logical_plan(plan)
        .await
        .expect("run")
        .collect()
        .await
        .expect("collect");
    text(&batches)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_index_answers_like_the_statement_until_a_table_changes() {
    let (_dir, lake) = common::resolved_lake();
    let session = open(&lake).await;
    let registered = customer_360::register(&session).await.expect("register");
    assert_eq!(registered.warning, None);
    let stats = registered.stats;

    // Keys as people type them: source emails and phones as received (case, spaces, local
    // phone formats), unified ids, ids merged into another, an email a household shares, and
    // keys that find nobody.
    let mut keys = strings(
        &session,
        "SELECT email FROM raw.customer_records WHERE email IS NOT NULL ORDER BY source_id LIMIT 30",
    )
    .await;
    keys.extend(
        strings(
            &session,
            "SELECT phone FROM raw.customer_records WHERE phone IS NOT NULL \
             ORDER BY source_id DESC LIMIT 30",
        )
        .await,
    );
    keys.extend(
        strings(
            &session,
            "SELECT unified_id FROM unified.customers ORDER BY unified_id LIMIT 20",
        )
        .await,
    );
    let merged = strings(
        &session,
        "SELECT unified_id FROM unified.customer_ids WHERE merged_into IS NOT NULL LIMIT 10",
    )
    .await;
    keys.extend(merged);
    keys.extend(
        [
            "ARTHUR.chollier@hotmail.fr ",
            "07 96 81 26 68",
            "nobody@example.com",
            "U0000000000000000",
            "not a key at all",
        ]
        .map(str::to_owned),
    );

    let mut found = 0;
    for key in &keys {
        let indexed = lookup_rows(&session, key).await;
        let expected = statement(&session, key).await;
        assert_eq!(text(&indexed), expected, "lookup of {key:?}");
        found += usize::from(indexed.iter().any(|b| b.num_rows() > 0));
    }
    // All but the last three keys should find someone, less a few source emails and phones
    // too malformed to be keys.
    assert!(
        found >= keys.len() - 15,
        "only {found} of {} keys found someone",
        keys.len()
    );
    let shared = lookup_rows(&session, "arthur.chollier@hotmail.fr").await;
    assert_eq!(shared.iter().map(RecordBatch::num_rows).sum::<usize>(), 2);
    assert_eq!(stats.indexed.load(Ordering::Relaxed), keys.len() as u64 + 1);
    assert_eq!(stats.live.load(Ordering::Relaxed), 0);

    // Mathilde Pratin opts out of email: a new consent event, after the index was built. The
    // lookup must show it at once, so it runs the statement.
    let before = lookup(&session, "U0428f080b75966e7").await;
    assert!(
        before.contains("channel: email, purpose: marketing, status: opt_in"),
        "{before}"
    );
    let inserted = session
        .execute(
            "INSERT INTO raw.consent_events VALUES ('cegid', 'test-optout', 'C000102813', 'email', \
             'marketing', 'opt_out', TIMESTAMP '2026-11-20T10:00:00Z', 'store')",
        )
        .await;
    if let Err(e) = inserted {
        panic!("inserting a consent event: {e}");
    }
    let after = lookup(&session, "U0428f080b75966e7").await;
    assert!(
        after.contains("channel: email, purpose: marketing, status: opt_out"),
        "{after}"
    );
    assert_eq!(stats.live.load(Ordering::Relaxed), 1);

    // The next build includes it, and lookups use the index again.
    let report = common::amigo_command(&[
        "resolve",
        "--step",
        "customer_360",
        "--lake",
        &lake.display().to_string(),
    ]);
    assert!(report.contains("customers' views"), "{report}");
    let session = open(&lake).await;
    let stats = customer_360::register(&session)
        .await
        .expect("register")
        .stats;
    assert_eq!(lookup(&session, "U0428f080b75966e7").await, after);
    assert_eq!(stats.indexed.load(Ordering::Relaxed), 1);
    assert_eq!(stats.live.load(Ordering::Relaxed), 0);
}
