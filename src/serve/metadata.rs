//! What the server says about itself and the lake: `GetSqlInfo` (the capabilities JDBC and ODBC
//! drivers ask for before they show anything), `GetXdbcTypeInfo`, table types, and the listing
//! of catalogs, schemas and tables a user may see.

use std::sync::Arc;

use arrow::datatypes::Schema;
use arrow_flight::error::FlightError;
use arrow_flight::sql::metadata::{
    SqlInfoData, SqlInfoDataBuilder, XdbcTypeInfo, XdbcTypeInfoData, XdbcTypeInfoDataBuilder,
};
use arrow_flight::sql::{
    Nullable, Searchable, SqlInfo, SqlNullOrdering, SqlOuterJoinsSupportLevel,
    SqlSupportedCaseSensitivity, SqlSupportedGroupBy, SqlSupportedSubqueries,
    SqlSupportedTransaction, SqlSupportedUnions, SupportedSqlGrammar, XdbcDataType,
};
use datafusion::catalog::TableProvider;
use datafusion::common::ResolvedTableReference;
use datafusion::datasource::TableType;
use datafusion::prelude::SessionContext;

use super::policy::{Policy, Role};

/// Table types as Flight SQL clients name them (JDBC asks for `TABLE` and `VIEW`).
pub const TABLE_TYPES: [&str; 3] = ["TABLE", "VIEW", "LOCAL TEMPORARY"];

pub fn table_type_name(table_type: TableType) -> &'static str {
    match table_type {
        TableType::Base => "TABLE",
        TableType::View => "VIEW",
        TableType::Temporary => "LOCAL TEMPORARY",
    }
}

/// The answers to `GetSqlInfo`.
pub fn sql_info(statement_timeout_secs: i32) -> Result<SqlInfoData, FlightError> {
    let mut info = SqlInfoDataBuilder::new();
    info.append(SqlInfo::FlightSqlServerName, "amigo");
    info.append(SqlInfo::FlightSqlServerVersion, env!("CARGO_PKG_VERSION"));
    info.append(SqlInfo::FlightSqlServerArrowVersion, "59");
    info.append(SqlInfo::FlightSqlServerReadOnly, false);
    info.append(SqlInfo::FlightSqlServerSql, true);
    info.append(SqlInfo::FlightSqlServerSubstrait, false);
    info.append(
        SqlInfo::FlightSqlServerTransaction,
        SqlSupportedTransaction::None as i32,
    );
    info.append(SqlInfo::FlightSqlServerCancel, true);
    info.append(SqlInfo::FlightSqlServerBulkIngestion, true);
    info.append(SqlInfo::FlightSqlServerIngestTransactionsSupported, false);
    info.append(
        SqlInfo::FlightSqlServerStatementTimeout,
        statement_timeout_secs,
    );
    info.append(SqlInfo::FlightSqlServerTransactionTimeout, 0);
    info.append(SqlInfo::SqlDdlCatalog, false);
    info.append(SqlInfo::SqlDdlSchema, true);
    info.append(SqlInfo::SqlDdlTable, true);
    // Unquoted names fold to lower case; quoted names keep their case.
    info.append(
        SqlInfo::SqlIdentifierCase,
        SqlSupportedCaseSensitivity::SqlCaseSensitivityLowercase as i32,
    );
    info.append(SqlInfo::SqlIdentifierQuoteChar, "\"");
    info.append(
        SqlInfo::SqlQuotedIdentifierCase,
        SqlSupportedCaseSensitivity::SqlCaseSensitivityCaseInsensitive as i32,
    );
    // Roles can hide tables, so not every listed name is selectable by everyone.
    info.append(SqlInfo::SqlAllTablesAreSelectable, false);
    // DataFusion sorts NULLs last in ascending order: they sort as the highest values.
    info.append(
        SqlInfo::SqlNullOrdering,
        SqlNullOrdering::SqlNullsSortedHigh as i32,
    );
    info.append(SqlInfo::SqlKeywords, KEYWORDS);
    info.append(SqlInfo::SqlNumericFunctions, NUMERIC_FUNCTIONS);
    info.append(SqlInfo::SqlStringFunctions, STRING_FUNCTIONS);
    info.append(SqlInfo::SqlSystemFunctions, SYSTEM_FUNCTIONS);
    info.append(SqlInfo::SqlDatetimeFunctions, DATETIME_FUNCTIONS);
    info.append(SqlInfo::SqlSearchStringEscape, "\\");
    info.append(SqlInfo::SqlExtraNameCharacters, "");
    info.append(SqlInfo::SqlSupportsColumnAliasing, true);
    info.append(SqlInfo::SqlNullPlusNullIsNull, true);
    info.append(SqlInfo::SqlSupportsTableCorrelationNames, true);
    info.append(SqlInfo::SqlSupportsDifferentTableCorrelationNames, false);
    info.append(SqlInfo::SqlSupportsExpressionsInOrderBy, true);
    info.append(SqlInfo::SqlSupportsOrderByUnrelated, true);
    info.append(
        SqlInfo::SqlSupportedGroupBy,
        bits(&[
            SqlSupportedGroupBy::SqlGroupByUnrelated as i32,
            SqlSupportedGroupBy::SqlGroupByBeyondSelect as i32,
        ]),
    );
    info.append(SqlInfo::SqlSupportsLikeEscapeClause, true);
    info.append(SqlInfo::SqlSupportsNonNullableColumns, true);
    info.append(
        SqlInfo::SqlSupportedGrammar,
        bits(&[
            SupportedSqlGrammar::SqlMinimumGrammar as i32,
            SupportedSqlGrammar::SqlCoreGrammar as i32,
        ]),
    );
    info.append(
        SqlInfo::SqlAnsi92SupportedLevel,
        // ANSI92_ENTRY_SQL (0) and ANSI92_INTERMEDIATE_SQL (1); arrow-flight does not export
        // the enum.
        bits(&[0, 1]),
    );
    info.append(SqlInfo::SqlSupportsIntegrityEnhancementFacility, false);
    info.append(
        SqlInfo::SqlOuterJoinsSupportLevel,
        SqlOuterJoinsSupportLevel::SqlFullOuterJoins as i32,
    );
    info.append(SqlInfo::SqlSchemaTerm, "schema");
    info.append(SqlInfo::SqlProcedureTerm, "procedure");
    info.append(SqlInfo::SqlCatalogTerm, "catalog");
    info.append(SqlInfo::SqlCatalogAtStart, true);
    info.append(SqlInfo::SqlSchemasSupportedActions, 0);
    info.append(SqlInfo::SqlCatalogsSupportedActions, 0);
    info.append(SqlInfo::SqlSupportedPositionedCommands, 0);
    info.append(SqlInfo::SqlSelectForUpdateSupported, false);
    info.append(SqlInfo::SqlStoredProceduresSupported, false);
    info.append(
        SqlInfo::SqlSupportedSubqueries,
        bits(&[
            SqlSupportedSubqueries::SqlSubqueriesInComparisons as i32,
            SqlSupportedSubqueries::SqlSubqueriesInExists as i32,
            SqlSupportedSubqueries::SqlSubqueriesInIns as i32,
            SqlSupportedSubqueries::SqlSubqueriesInQuantifieds as i32,
        ]),
    );
    info.append(SqlInfo::SqlCorrelatedSubqueriesSupported, true);
    info.append(
        SqlInfo::SqlSupportedUnions,
        bits(&[
            SqlSupportedUnions::SqlUnion as i32,
            SqlSupportedUnions::SqlUnionAll as i32,
        ]),
    );
    // 0: no fixed limit.
    for limit in [
        SqlInfo::SqlMaxBinaryLiteralLength,
        SqlInfo::SqlMaxCharLiteralLength,
        SqlInfo::SqlMaxColumnNameLength,
        SqlInfo::SqlMaxColumnsInGroupBy,
        SqlInfo::SqlMaxColumnsInIndex,
        SqlInfo::SqlMaxColumnsInOrderBy,
        SqlInfo::SqlMaxColumnsInSelect,
        SqlInfo::SqlMaxColumnsInTable,
        SqlInfo::SqlMaxConnections,
        SqlInfo::SqlMaxCursorNameLength,
        SqlInfo::SqlMaxIndexLength,
        SqlInfo::SqlDbSchemaNameLength,
        SqlInfo::SqlMaxProcedureNameLength,
        SqlInfo::SqlMaxCatalogNameLength,
        SqlInfo::SqlMaxRowSize,
        SqlInfo::SqlMaxStatementLength,
        SqlInfo::SqlMaxStatements,
        SqlInfo::SqlMaxTableNameLength,
        SqlInfo::SqlMaxTablesInSelect,
        SqlInfo::SqlMaxUsernameLength,
    ] {
        info.append(limit, 0i64);
    }
    info.append(SqlInfo::SqlMaxRowSizeIncludesBlobs, false);
    info.append(SqlInfo::SqlDefaultTransactionIsolation, 0i64);
    info.append(SqlInfo::SqlTransactionsSupported, false);
    info.append(SqlInfo::SqlSupportedTransactionsIsolationLevels, 0);
    info.append(SqlInfo::SqlDataDefinitionCausesTransactionCommit, false);
    info.append(SqlInfo::SqlDataDefinitionsInTransactionsIgnored, true);
    info.append(SqlInfo::SqlSupportedResultSetTypes, 0);
    info.append(SqlInfo::SqlBatchUpdatesSupported, false);
    info.append(SqlInfo::SqlSavepointsSupported, false);
    info.append(SqlInfo::SqlNamedParametersSupported, false);
    info.append(SqlInfo::SqlLocatorsUpdateCopy, false);
    info.append(SqlInfo::SqlStoredFunctionsUsingCallSyntaxSupported, false);
    info.build()
}

fn bits(flags: &[i32]) -> i32 {
    flags.iter().fold(0, |acc, flag| acc | (1 << flag))
}

const KEYWORDS: &[&str] = &[
    "ANALYZE",
    "COPY",
    "DESCRIBE",
    "EXPLAIN",
    "EXTERNAL",
    "ILIKE",
    "LIMIT",
    "OFFSET",
    "OVERWRITE",
    "QUALIFY",
    "REPLACE",
    "SHOW",
    "UNNEST",
];
const NUMERIC_FUNCTIONS: &[&str] = &[
    "abs", "acos", "asin", "atan", "atan2", "cbrt", "ceil", "cos", "degrees", "exp", "floor", "ln",
    "log", "log10", "log2", "mod", "pi", "power", "radians", "random", "round", "signum", "sin",
    "sqrt", "tan", "trunc",
];
const STRING_FUNCTIONS: &[&str] = &[
    "ascii",
    "btrim",
    "char_length",
    "concat",
    "concat_ws",
    "initcap",
    "left",
    "length",
    "lower",
    "lpad",
    "ltrim",
    "octet_length",
    "regexp_replace",
    "repeat",
    "replace",
    "reverse",
    "right",
    "rpad",
    "rtrim",
    "split_part",
    "starts_with",
    "strpos",
    "substr",
    "substring",
    "translate",
    "trim",
    "upper",
];
const SYSTEM_FUNCTIONS: &[&str] = &["arrow_typeof", "coalesce", "nullif", "version"];
const DATETIME_FUNCTIONS: &[&str] = &[
    "current_date",
    "current_time",
    "date_bin",
    "date_part",
    "date_trunc",
    "extract",
    "from_unixtime",
    "make_date",
    "now",
    "to_char",
    "to_date",
    "to_timestamp",
];

/// The answers to `GetXdbcTypeInfo`: the SQL types DataFusion accepts in DDL and CAST.
pub fn xdbc_type_info() -> Result<XdbcTypeInfoData, FlightError> {
    let mut builder = XdbcTypeInfoDataBuilder::new();
    let types: [(&str, XdbcDataType, Option<i32>, bool); 13] = [
        ("BOOLEAN", XdbcDataType::XdbcBit, Some(1), false),
        ("TINYINT", XdbcDataType::XdbcTinyint, Some(3), false),
        ("SMALLINT", XdbcDataType::XdbcSmallint, Some(5), false),
        ("INTEGER", XdbcDataType::XdbcInteger, Some(10), false),
        ("BIGINT", XdbcDataType::XdbcBigint, Some(19), false),
        ("REAL", XdbcDataType::XdbcReal, Some(7), false),
        ("DOUBLE", XdbcDataType::XdbcDouble, Some(15), false),
        ("DECIMAL", XdbcDataType::XdbcDecimal, Some(38), false),
        ("VARCHAR", XdbcDataType::XdbcVarchar, None, true),
        ("BYTEA", XdbcDataType::XdbcVarbinary, None, false),
        ("DATE", XdbcDataType::XdbcDate, Some(10), false),
        ("TIME", XdbcDataType::XdbcTime, Some(18), false),
        ("TIMESTAMP", XdbcDataType::XdbcTimestamp, Some(29), false),
    ];
    for (name, data_type, column_size, text) in types {
        let numeric =
            column_size.is_some() && !matches!(name, "BOOLEAN" | "DATE" | "TIME" | "TIMESTAMP");
        builder.append(XdbcTypeInfo {
            type_name: name.to_string(),
            data_type,
            column_size,
            literal_prefix: text.then(|| "'".to_string()),
            literal_suffix: text.then(|| "'".to_string()),
            create_params: (name == "DECIMAL")
                .then(|| vec!["precision".to_string(), "scale".to_string()]),
            nullable: Nullable::NullabilityNullable,
            case_sensitive: text,
            searchable: if text {
                Searchable::Full
            } else {
                Searchable::Basic
            },
            unsigned_attribute: numeric.then_some(false),
            fixed_prec_scale: name == "DECIMAL",
            auto_increment: numeric.then_some(false),
            local_type_name: Some(name.to_string()),
            minimum_scale: (name == "DECIMAL").then_some(0),
            maximum_scale: (name == "DECIMAL").then_some(38),
            sql_data_type: data_type,
            datetime_subcode: None,
            num_prec_radix: numeric.then_some(10),
            interval_precision: None,
        });
    }
    builder.build()
}

/// A table or view a user may see.
pub struct Listed {
    pub catalog: String,
    pub schema: String,
    pub table: String,
    pub table_type: &'static str,
    pub arrow_schema: Arc<Schema>,
}

/// The catalogs and schemas `role` may see: those holding at least one relation it may read
/// (for `admin` and `analyst`, every schema they may read, even an empty one).
pub fn visible_schemas(ctx: &SessionContext, policy: &Policy, role: Role) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for catalog_name in ctx.catalog_names() {
        let Some(catalog) = ctx.catalog(&catalog_name) else {
            continue;
        };
        for schema_name in catalog.schema_names() {
            let visible = match role {
                Role::Admin => true,
                Role::Analyst => {
                    policy.can_read(role, &reference(&catalog_name, &schema_name, "any_table"))
                }
                Role::Marketing | Role::Associate => {
                    catalog.schema(&schema_name).is_some_and(|schema| {
                        schema.table_names().iter().any(|t| {
                            policy.can_read(role, &reference(&catalog_name, &schema_name, t))
                        })
                    })
                }
            };
            if visible {
                out.push((catalog_name.clone(), schema_name));
            }
        }
    }
    out.sort();
    out
}

/// Every table and view `role` may read, in catalog, schema, name order.
pub async fn visible_tables(
    ctx: &SessionContext,
    policy: &Policy,
    role: Role,
) -> datafusion::error::Result<Vec<Listed>> {
    let mut out = Vec::new();
    for (catalog_name, schema_name) in visible_schemas(ctx, policy, role) {
        let Some(schema) = ctx
            .catalog(&catalog_name)
            .and_then(|c| c.schema(&schema_name))
        else {
            continue;
        };
        let mut names = schema.table_names();
        names.sort();
        for table in names {
            if !policy.can_read(role, &reference(&catalog_name, &schema_name, &table)) {
                continue;
            }
            // A table dropped by another process since the listing is simply left out.
            let Some(provider) = schema.table(&table).await? else {
                continue;
            };
            out.push(Listed {
                catalog: catalog_name.clone(),
                schema: schema_name.clone(),
                table,
                table_type: table_type_name(provider.table_type()),
                arrow_schema: super::stream::plain_schema(&TableProvider::schema(
                    provider.as_ref(),
                )),
            });
        }
    }
    Ok(out)
}

fn reference(catalog: &str, schema: &str, table: &str) -> ResolvedTableReference {
    ResolvedTableReference {
        catalog: catalog.into(),
        schema: schema.into(),
        table: table.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_metadata_builds() {
        let info = sql_info(30).expect("sql info");
        let batch = info
            .record_batch([SqlInfo::FlightSqlServerName as u32])
            .expect("batch");
        assert_eq!(batch.num_rows(), 1);
        let all = info.record_batch(Vec::<u32>::new()).expect("all");
        assert!(all.num_rows() > 80, "{} infos", all.num_rows());
        let types = xdbc_type_info().expect("types");
        assert_eq!(types.record_batch(None).expect("batch").num_rows(), 13);
    }
}
