//! The lake through the library: sessions on a non-local object store, concurrent writers,
//! and the schemas of what is written.

use std::sync::Arc;

use amigo::lake::{Lake, TableName};
use amigo::session::{AmigoSession, Outcome};
use arrow::array::AsArray;
use arrow::datatypes::Int64Type;
use datafusion::execution::object_store::ObjectStoreUrl;
use object_store::ObjectStoreExt;
use object_store::memory::InMemory;
use object_store::path::Path;

async fn query_i64(session: &AmigoSession, sql: &str) -> Vec<i64> {
    let Outcome::Rows(frame) = session.execute(sql).await.expect(sql) else {
        panic!("{sql} returned no rows");
    };
    frame
        .collect()
        .await
        .expect("collect")
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<Int64Type>().values().to_vec())
        .collect()
}

async fn memory_lake() -> Arc<Lake> {
    Lake::with_store(
        "memory:///lake",
        Arc::new(InMemory::new()),
        ObjectStoreUrl::parse("memory://").expect("url"),
        Path::from("lake"),
        true,
    )
    .await
    .expect("memory lake")
}

#[tokio::test]
async fn a_lake_on_an_object_store_works_like_a_local_one() {
    let lake = memory_lake().await;
    let session = AmigoSession::open(lake.clone()).await.expect("session");
    session
        .execute("CREATE TABLE unified.c AS SELECT v AS id FROM generate_series(1, 1000) t(v)")
        .await
        .expect("create");
    session
        .execute("INSERT INTO unified.c VALUES (5000)")
        .await
        .expect("insert");
    session
        .execute("CREATE VIEW analytics.big AS SELECT id FROM unified.c WHERE id > 999")
        .await
        .expect("view");
    assert_eq!(
        query_i64(&session, "SELECT count(*) FROM unified.c").await,
        vec![1001]
    );

    // A second session (another process would do the same) finds tables and views by listing.
    let again = AmigoSession::open(lake.clone()).await.expect("session");
    assert_eq!(
        query_i64(&again, "SELECT id FROM analytics.big ORDER BY id").await,
        vec![1000, 5000]
    );
    let manifest = lake
        .current_manifest(&TableName::new("unified", "c"))
        .await
        .expect("manifest")
        .expect("live");
    assert_eq!((manifest.version, manifest.rows()), (2, 1001));
    // The sizes recorded in the manifest are the real object sizes (scans rely on them).
    for file in &manifest.files {
        let meta = lake
            .store()
            .head(&lake.data_file_path(&TableName::new("unified", "c"), file))
            .await
            .expect("head");
        assert_eq!(meta.size, file.bytes, "{}", file.path);
    }
}

/// A view planned before a write reads what the write committed, also through another view
/// and after the table is replaced, dropped and created again.
#[tokio::test]
async fn views_follow_the_writes_of_the_same_session() {
    let session = AmigoSession::open(memory_lake().await)
        .await
        .expect("session");
    for sql in [
        "CREATE SCHEMA s",
        "CREATE TABLE s.settings AS SELECT 1 AS v",
        "CREATE VIEW s.current AS SELECT max(v) AS v FROM s.settings",
        "CREATE VIEW s.doubled AS SELECT v * 2 AS v FROM s.current",
    ] {
        session.execute(sql).await.expect(sql);
    }
    let doubled = || query_i64(&session, "SELECT v FROM s.doubled");
    assert_eq!(doubled().await, [2]);
    session
        .execute("INSERT INTO s.settings VALUES (5)")
        .await
        .expect("insert");
    assert_eq!(doubled().await, [10]);
    session
        .execute("DELETE FROM s.settings WHERE v = 5")
        .await
        .expect("delete");
    assert_eq!(doubled().await, [2]);
    session
        .execute("CREATE OR REPLACE TABLE s.settings AS SELECT 7 AS v")
        .await
        .expect("replace");
    assert_eq!(doubled().await, [14]);
    // A new definition of the inner view reaches the outer one.
    session
        .execute("CREATE OR REPLACE VIEW s.current AS SELECT min(v) - 1 AS v FROM s.settings")
        .await
        .expect("replace view");
    assert_eq!(doubled().await, [12]);
    // Dropped: the views are broken and say so; created again: they work again.
    session
        .execute("DROP TABLE s.settings")
        .await
        .expect("drop");
    assert!(session.execute("SELECT v FROM s.doubled").await.is_err());
    assert_eq!(
        session.broken_views().len(),
        2,
        "{:?}",
        session.broken_views()
    );
    session
        .execute("CREATE TABLE s.settings AS SELECT 3 AS v")
        .await
        .expect("create again");
    assert_eq!(doubled().await, [4]);
    assert!(session.broken_views().is_empty());
}

#[tokio::test]
async fn concurrent_inserts_all_land() {
    let lake = memory_lake().await;
    let session = Arc::new(AmigoSession::open(lake.clone()).await.expect("session"));
    session
        .execute("CREATE TABLE raw.events (id BIGINT)")
        .await
        .expect("create");
    let mut tasks = Vec::new();
    for writer in 0..8i64 {
        // Separate sessions, as separate processes would have: each commits on its own.
        let lake = lake.clone();
        tasks.push(tokio::spawn(async move {
            let session = AmigoSession::open(lake).await.expect("session");
            for i in 0..5 {
                session
                    .execute(&format!(
                        "INSERT INTO raw.events VALUES ({})",
                        writer * 100 + i
                    ))
                    .await
                    .expect("insert");
            }
        }));
    }
    for task in tasks {
        task.await.expect("writer");
    }
    let fresh = AmigoSession::open(lake).await.expect("session");
    assert_eq!(
        query_i64(&fresh, "SELECT count(DISTINCT id) FROM raw.events").await,
        vec![40]
    );
}
