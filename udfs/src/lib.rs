//! DataFusion functions for customer data: normalization, similarity, survivorship, clustering
//! and lifetime value.
//!
//! The crate stands alone: any DataFusion program (or Ballista executor) gets every function
//! with [`register_all`]. Functions are listed by category in [`all_scalar_functions`]; each
//! lives in its own file with its documentation and tests.

use std::sync::Arc;

use datafusion::error::Result;
use datafusion::logical_expr::{AggregateUDF, ScalarUDF};
use datafusion::prelude::SessionContext;

pub mod address;
pub mod aggregate;
pub mod cluster;
pub mod common;
pub mod consent;
pub mod datetime;
pub mod docs;
pub mod email;
pub mod fellegi_sunter;
pub mod ltv;
pub mod name;
pub mod phone;
pub mod phonetic;
pub mod similarity;
pub mod survivorship;

/// Every scalar function of the crate, by category.
pub fn all_scalar_functions() -> Vec<Arc<ScalarUDF>> {
    [
        email::functions(),
        phone::functions(),
        name::functions(),
        address::functions(),
        datetime::functions(),
        similarity::functions(),
        phonetic::functions(),
        fellegi_sunter::functions(),
        ltv::functions(),
    ]
    .concat()
}

/// Every aggregate function of the crate, by category.
pub fn all_aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    [
        fellegi_sunter::aggregate_functions(),
        survivorship::aggregate_functions(),
        consent::aggregate_functions(),
        ltv::aggregate_functions(),
    ]
    .concat()
}

/// Registers every amigo function in `ctx`.
pub fn register_all(ctx: &SessionContext) -> Result<()> {
    for udf in all_scalar_functions() {
        ctx.register_udf(udf.as_ref().clone());
    }
    for udaf in all_aggregate_functions() {
        ctx.register_udaf(udaf.as_ref().clone());
    }
    ctx.register_udtf(
        cluster::connected_components::NAME,
        Arc::new(cluster::ConnectedComponentsFunc),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::DataType;

    use super::*;

    #[test]
    fn every_function_has_documentation() {
        for udf in docs::all_documented_functions() {
            let Some(doc) = &udf.documentation else {
                panic!("{} has no documentation", udf.name);
            };
            assert!(
                !doc.description.is_empty(),
                "{}: empty description",
                udf.name()
            );
            assert!(
                doc.syntax_example.starts_with(udf.name()),
                "{}: syntax",
                udf.name()
            );
            assert!(doc.sql_example.is_some(), "{}: no SQL example", udf.name());
            assert!(doc.arguments.is_some(), "{}: no arguments", udf.name());
        }
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = HashSet::new();
        for udf in docs::all_documented_functions() {
            for name in
                std::iter::once(udf.name.as_str()).chain(udf.aliases.iter().map(String::as_str))
            {
                assert!(
                    seen.insert(name.to_owned()),
                    "duplicate function name {name}"
                );
            }
        }
    }

    async fn query(sql: &str) -> Result<Vec<Option<String>>> {
        let ctx = SessionContext::new();
        register_all(&ctx)?;
        let batches = ctx.sql(sql).await?.collect().await?;
        let mut out = Vec::new();
        for batch in batches {
            let column = batch.column(0);
            assert_eq!(column.data_type(), &DataType::Utf8, "{sql}");
            let strings = column.as_string::<i32>();
            out.extend(strings.iter().map(|s| s.map(str::to_owned)));
        }
        Ok(out)
    }

    #[tokio::test]
    async fn normalize_email_over_every_string_type() -> Result<()> {
        for string_type in ["Utf8", "LargeUtf8", "Utf8View", "Dictionary(Int32, Utf8)"] {
            let sql = format!(
                "SELECT normalize_email(arrow_cast(e, '{string_type}')) FROM \
                 (VALUES (' Marie.Dupont@Gmail.COM '), (NULL), ('not an email'), \
                 ('Hélène@Exemple.FR')) t(e)"
            );
            assert_eq!(
                query(&sql).await?,
                vec![
                    Some("marie.dupont@gmail.com".to_owned()),
                    None,
                    None,
                    Some("hélène@exemple.fr".to_owned()),
                ],
                "{string_type}"
            );
        }
        Ok(())
    }

    #[tokio::test]
    async fn email_functions_on_scalars() -> Result<()> {
        let ctx = SessionContext::new();
        register_all(&ctx)?;
        let batches = ctx
            .sql(
                "SELECT email_domain(' A@Exämple.FR'), email_local(' A@Exämple.FR'), \
                 is_valid_email('a@@b.fr'), is_valid_email(CAST(NULL AS VARCHAR))",
            )
            .await?
            .collect()
            .await?;
        let row = &batches[0];
        assert_eq!(
            row.column(0).as_string::<i32>().value(0),
            "xn--exmple-cua.fr"
        );
        assert_eq!(row.column(1).as_string::<i32>().value(0), "a");
        assert!(!row.column(2).as_boolean().value(0));
        assert!(row.column(3).is_null(0));
        Ok(())
    }

    #[tokio::test]
    async fn wrong_argument_type_is_a_plan_error() -> Result<()> {
        let ctx = SessionContext::new();
        register_all(&ctx)?;
        let err = ctx.sql("SELECT normalize_email(42)").await.unwrap_err();
        assert!(
            matches!(err.find_root(), datafusion::error::DataFusionError::Plan(_)),
            "{err}"
        );
        assert!(err.to_string().contains("normalize_email"), "{err}");
        Ok(())
    }
}
