//! `analytics.customer_360`: one customer's 360° view by email, phone or unified id, for the
//! store staff app.
//!
//! ```sql
//! SELECT * FROM analytics.customer_360 WHERE lookup_key = ?   -- an email, phone or unified id
//! ```
//!
//! The table is a provider that runs [`sql/serve/customer_360.sql`](../../sql/serve/customer_360.sql)
//! with the key bound: golden record, source records, orders with their lines, consents, the
//! associate and the preferred store, one row per customer found. The statement is plain SQL a
//! reader can run by hand; this module only binds the key and refuses a scan without one.
//!
//! It is also the `associate` role's grant: that role may read `analytics.customer_360*` and
//! nothing else. The role check walks the caller's plan, where this table is one scan; the raw
//! tables the lookup reads are behind it, as behind a view. Because a scan needs exactly one
//! key (`lookup_key = '...'`, nothing else: no `OR`, no `IN`, no other filter on the key), the
//! table cannot be used to list customers.

use std::fmt;
use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::{Column, ParamValues, ScalarValue, TableReference, plan_err};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result;
use datafusion::execution::SessionState;
use datafusion::logical_expr::{
    BinaryExpr, Expr, LogicalPlan, Operator, TableProviderFilterPushDown,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::collect;

use crate::lake::catalog::CATALOG;
use crate::session::{AmigoSession, DEFAULT_SCHEMA, root_message};

/// The table's name, in the `analytics` schema.
pub const TABLE: &str = "customer_360";
/// The column a lookup filters on.
pub const KEY_COLUMN: &str = "lookup_key";
/// The lookup, with the key as `$1`.
pub const SQL: &str = include_str!("../../sql/serve/customer_360.sql");

/// Registers `analytics.customer_360` in the session. Returns a warning when the lookup cannot
/// work on this lake yet (the tables `amigo resolve` writes are missing); the table is then still
/// there, and a lookup says what to do.
pub async fn register(session: &AmigoSession) -> Result<Option<String>> {
    let ctx = session.context();
    let state = ctx.state();
    let (schema, unavailable) = match plan_lookup(&state, "").await {
        Ok(plan) => (Arc::new(plan.schema().as_arrow().clone()), None),
        Err(e) => (
            Arc::new(Schema::new(vec![Field::new(
                KEY_COLUMN,
                DataType::Utf8,
                false,
            )])),
            Some(format!(
                "the 360° lookup analytics.{TABLE} needs the tables `amigo resolve` writes \
                 (unified.customers, unified.customer_links, identity.records ...): run \
                 `amigo resolve` on this lake, then restart the server ({})",
                root_message(&e)
            )),
        ),
    };
    let table = Customer360 {
        schema,
        unavailable: unavailable.clone(),
    };
    ctx.register_table(
        TableReference::full(CATALOG, DEFAULT_SCHEMA, TABLE),
        Arc::new(table),
    )?;
    Ok(unavailable)
}

/// The lookup's plan for `key`.
async fn plan_lookup(state: &SessionState, key: &str) -> Result<LogicalPlan> {
    let plan = state.create_logical_plan(SQL).await?;
    plan.with_param_values(ParamValues::from(vec![ScalarValue::Utf8(Some(
        key.to_string(),
    ))]))
}

struct Customer360 {
    schema: SchemaRef,
    /// Why lookups cannot run on this lake, when they cannot.
    unavailable: Option<String>,
}

impl fmt::Debug for Customer360 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Customer360")
    }
}

fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Literal(
            ScalarValue::Utf8(Some(s))
            | ScalarValue::LargeUtf8(Some(s))
            | ScalarValue::Utf8View(Some(s)),
            _,
        ) => Some(s.as_str()),
        _ => None,
    }
}

/// The key in a filter `lookup_key = '<key>'` (either way round), if the filter is one.
fn key_of(filter: &Expr) -> Option<&str> {
    let Expr::BinaryExpr(BinaryExpr { left, op, right }) = filter else {
        return None;
    };
    if *op != Operator::Eq {
        return None;
    }
    let is_key_column =
        |e: &Expr| matches!(e, Expr::Column(Column { name, .. }) if name == KEY_COLUMN);
    if is_key_column(left) {
        string_literal(right)
    } else if is_key_column(right) {
        string_literal(left)
    } else {
        None
    }
}

#[async_trait]
impl TableProvider for Customer360 {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::View
    }

    /// Only `lookup_key = '<key>'` is taken, and then applied exactly (it is the lookup); any
    /// other filter stays above the scan.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(filters
            .iter()
            .map(|f| {
                if key_of(f).is_some() {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Unsupported
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        if let Some(reason) = &self.unavailable {
            return plan_err!("{reason}");
        }
        let mut keys: Vec<&str> = filters.iter().filter_map(key_of).collect();
        keys.dedup();
        let key = match keys.as_slice() {
            [key] => key.trim(),
            [] => {
                return plan_err!(
                    "analytics.{TABLE} looks up one customer: add WHERE {KEY_COLUMN} = \
                     '<email, phone or unified id>'"
                );
            }
            _ => {
                return plan_err!(
                    "analytics.{TABLE} looks up one key at a time, not {}",
                    keys.len()
                );
            }
        };
        if key.is_empty() {
            return plan_err!("the {KEY_COLUMN} of analytics.{TABLE} is empty");
        }
        let Some(state) = state.as_any().downcast_ref::<SessionState>() else {
            return plan_err!("analytics.{TABLE} runs only in an amigo session");
        };
        let plan = plan_lookup(state, key).await?;
        let lookup = state.create_physical_plan(&plan).await?;
        if lookup.schema().fields() != self.schema.fields() {
            return plan_err!(
                "the columns of analytics.{TABLE} changed since the server started (the tables \
                 it reads were rebuilt with other columns): restart the server"
            );
        }
        // The lookup runs here and its row or two are handed over as a memory source: the
        // caller's physical optimizer must not rework a plan already optimized on its own
        // (DataFusion refuses to swap join inputs once dynamic filters exist).
        let batches = collect(lookup, state.task_ctx()).await?;
        let source =
            MemorySourceConfig::try_new(&[batches], self.schema.clone(), projection.cloned())?;
        Ok(DataSourceExec::from_data_source(source))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::logical_expr::{col, lit};

    #[test]
    fn only_an_equality_with_a_string_is_a_key() {
        assert_eq!(key_of(&col(KEY_COLUMN).eq(lit("a@b.c"))), Some("a@b.c"));
        assert_eq!(key_of(&lit("a@b.c").eq(col(KEY_COLUMN))), Some("a@b.c"));
        assert_eq!(key_of(&col(KEY_COLUMN).not_eq(lit("a@b.c"))), None);
        assert_eq!(key_of(&col("unified_id").eq(lit("U1"))), None);
        assert_eq!(key_of(&col(KEY_COLUMN).eq(lit(3))), None);
        assert_eq!(
            key_of(
                &col(KEY_COLUMN)
                    .eq(lit("a"))
                    .or(col(KEY_COLUMN).eq(lit("b")))
            ),
            None
        );
    }
}
