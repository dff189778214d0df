//! The bundled sample in `data/`: its lake holds every canonical table with the model's schema
//! and the generator manifest's row counts, and the README's main job runs on it.

use std::path::PathBuf;

use amigo::lake::Lake;
use amigo::model::Model;
use amigo::script::split_statements;
use amigo::session::{AmigoSession, Outcome};
use arrow::array::AsArray;
use arrow::datatypes::Int64Type;

fn repo() -> PathBuf {
    std::path::PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets CARGO_MANIFEST_DIR"),
    )
}

#[tokio::test]
async fn sample_lake_matches_the_model_and_the_manifest() {
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("data/sample/manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    let lake = Lake::open(&repo().join("data/lake").display().to_string())
        .await
        .expect("sample lake");
    let session = AmigoSession::open(lake).await.expect("session");
    let model = Model::canonical().expect("model");
    for def in model.tables() {
        let name = def.table_name().to_string();
        let table = session
            .context()
            .table_provider(name.as_str())
            .await
            .unwrap_or_else(|e| panic!("{name} is in the sample lake: {e}"));
        def.check_schema(&table.schema())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let Outcome::Rows(frame) = session
            .execute(&format!("SELECT count(*) FROM {name}"))
            .await
            .expect("count")
        else {
            panic!("count returns rows");
        };
        let batches = frame.collect().await.expect("collect");
        let rows = batches[0].column(0).as_primitive::<Int64Type>().value(0);
        let expected = manifest["tables"][&name]
            .as_i64()
            .unwrap_or_else(|| panic!("manifest counts {name}"));
        assert!(rows > 0, "{name} is empty");
        assert_eq!(rows, expected, "{name} rows");
    }
}

#[tokio::test]
async fn the_main_job_runs_on_the_sample() {
    let lake = Lake::open(&repo().join("data/lake").display().to_string())
        .await
        .expect("sample lake");
    let session = AmigoSession::open(lake).await.expect("session");
    let script = std::fs::read_to_string(repo().join("sql/overview.sql")).expect("overview.sql");
    let statements = split_statements(&script);
    assert_eq!(statements.len(), 4);
    for statement in statements {
        let Outcome::Rows(frame) = session
            .execute(&statement.sql)
            .await
            .unwrap_or_else(|e| panic!("overview.sql:{}: {e}", statement.line))
        else {
            panic!("overview.sql:{} returns rows", statement.line);
        };
        let rows: usize = frame
            .collect()
            .await
            .expect("collect")
            .iter()
            .map(|b| b.num_rows())
            .sum();
        assert!(rows > 0, "overview.sql:{} returned no rows", statement.line);
    }
}
