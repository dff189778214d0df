//! The canonical tables the pipelines read (`raw.customer_records`, ...), as views over the
//! ingested sources.
//!
//! `amigo resolve`, `amigo ltv` and the others read amigo's model (`schemas/canonical/`), not
//! each source's columns. An entity whose mapping has a `canonical` section says how its
//! current records read as rows of one of those tables. After an ingest, every canonical table
//! that a loaded entity maps to is defined as the view `UNION ALL` of those entities, each column
//! cast to the model's type, so a new source is one more mapping file. A canonical table loaded
//! as a table of its own (the generator's files) is left as it is.

use std::collections::BTreeMap;

use arrow::datatypes::DataType;

use super::mapping::{CanonicalMapping, EntityMapping, SourceMapping};
use crate::model::TableDef;
use crate::session::{AmigoSession, root_message};

/// Defines the canonical views the loaded entities make; returns a line per table.
pub async fn refresh_views(
    session: &AmigoSession,
    mappings: &BTreeMap<String, SourceMapping>,
) -> Result<Vec<String>, String> {
    let mut by_table: BTreeMap<&str, Vec<(&EntityMapping, &CanonicalMapping)>> = BTreeMap::new();
    for entity in mappings.values().flat_map(|m| &m.entities) {
        for canonical in &entity.canonical {
            by_table
                .entry(canonical.table.as_str())
                .or_default()
                .push((entity, canonical));
        }
    }
    let exists = |table: &str| session.context().table_exist(table).unwrap_or(false);
    let mut lines = Vec::new();
    for (table, entities) in by_table {
        let loaded: Vec<_> = entities
            .into_iter()
            .filter(|(entity, _)| exists(&entity.table))
            .collect();
        let Some((_, first)) = loaded.first() else {
            continue;
        };
        if is_lake_table(session, table).await {
            lines.push(format!(
                "{table} is a table of its own (loaded from canonical files), not a view over \
                 the ingested sources: left as it is"
            ));
            continue;
        }
        let def = first.table_def()?;
        let selects = loaded
            .iter()
            .map(|(entity, canonical)| select(def, entity, canonical))
            .collect::<Result<Vec<_>, _>>()?;
        let sources: Vec<&str> = loaded.iter().map(|(e, _)| e.table.as_str()).collect();
        let sql = format!(
            "CREATE OR REPLACE VIEW {table} AS\n{}",
            selects.join("\nUNION ALL\n")
        );
        session.execute(&sql).await.map_err(|e| {
            format!(
                "{table}: the view over {} does not plan: {}",
                sources.join(", "),
                root_message(&e)
            )
        })?;
        lines.push(format!("{table}: view over {}", sources.join(", ")));
    }
    Ok(lines)
}

async fn is_lake_table(session: &AmigoSession, table: &str) -> bool {
    match session.context().table_provider(table).await {
        Ok(provider) => provider
            .downcast_ref::<crate::lake::table::LakeTable>()
            .is_some(),
        Err(_) => false,
    }
}

/// One entity's rows as the canonical table's columns, in the model's order and types.
fn select(
    def: &TableDef,
    entity: &EntityMapping,
    canonical: &CanonicalMapping,
) -> Result<String, String> {
    let columns = def
        .columns
        .iter()
        .map(|column| {
            let data_type = crate::model::parse_type(&column.type_name)?;
            let expr = canonical
                .columns
                .get(&column.name)
                .map_or("NULL", String::as_str);
            Ok(format!(
                "arrow_cast({expr}, '{}') AS {}",
                cast_name(&data_type),
                column.name
            ))
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(format!(
        "SELECT {}{} FROM {} AS src",
        if canonical.distinct { "DISTINCT " } else { "" },
        columns.join(",\n       "),
        entity.table
    ))
}

/// The type as `arrow_cast` spells it.
fn cast_name(data_type: &DataType) -> String {
    match data_type {
        DataType::Timestamp(unit, Some(zone)) => format!("Timestamp({unit:?}, Some(\"{zone}\"))"),
        DataType::Decimal128(precision, scale) => format!("Decimal128({precision}, {scale})"),
        other => format!("{other:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_model_type_has_a_cast_name_arrow_cast_reads() {
        for name in [
            "string",
            "int32",
            "int64",
            "float64",
            "boolean",
            "date",
            "timestamp",
            "decimal(18,2)",
        ] {
            let data_type = crate::model::parse_type(name).expect("a model type");
            let spelt = cast_name(&data_type);
            // arrow_cast parses its type argument with arrow's own parser.
            assert_eq!(
                spelt.parse::<DataType>().ok(),
                Some(data_type),
                "{name}: {spelt}"
            );
        }
        assert_eq!(
            cast_name(&crate::model::parse_type("timestamp").expect("timestamp")),
            "Timestamp(Microsecond, Some(\"UTC\"))"
        );
    }
}
