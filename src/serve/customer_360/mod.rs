//! `analytics.customer_360`: one customer's 360° view by email, phone or unified id, for the
//! store staff app.
//!
//! ```sql
//! SELECT * FROM analytics.customer_360 WHERE lookup_key = ?   -- an email, phone or unified id
//! ```
//!
//! The table is a provider that runs [`sql/serve/customer_360.sql`](../../../sql/serve/customer_360.sql)
//! with the key bound: golden record, source records, orders with their lines, consents, the
//! associate and the preferred store, one row per customer found. The statement is plain SQL a
//! reader can run by hand; this module only binds the key and refuses a scan without one.
//!
//! When `amigo resolve` has stored the view of every customer (see [`snapshot`]) and no table
//! it was built from has changed since, a lookup reads the customer's stored row instead (a
//! few milliseconds at 1.2M customers, where running the statement reads the whole lake);
//! otherwise the statement runs, so the view is never stale.
//!
//! It is also the `associate` role's grant: that role may read `analytics.customer_360*` and
//! nothing else. The role check walks the caller's plan, where this table is one scan; the raw
//! tables the lookup reads are behind it, as behind a view. Because a scan needs exactly one
//! key (`lookup_key = '...'`, nothing else: no `OR`, no `IN`, no other filter on the key), the
//! table cannot be used to list customers.

pub mod index;
pub mod snapshot;

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use async_trait::async_trait;
use datafusion::catalog::Session;
use datafusion::common::{Column, ParamValues, ScalarValue, TableReference, plan_err};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::SessionState;
use datafusion::logical_expr::{
    BinaryExpr, Expr, LogicalPlan, Operator, TableProviderFilterPushDown,
};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::collect;

use crate::lake::catalog::{CATALOG, LakeCatalog};
use index::Index;

use crate::session::{AmigoSession, DEFAULT_SCHEMA, root_message};

/// The table's name, in the `analytics` schema.
pub const TABLE: &str = "customer_360";
/// The column a lookup filters on.
pub const KEY_COLUMN: &str = "lookup_key";
/// The lookup, with the key as `$1`.
pub const SQL: &str = include_str!("../../../sql/serve/customer_360.sql");

/// How lookups were answered, for tests and the server's log.
#[derive(Debug, Default)]
pub struct LookupStats {
    /// From the stored index.
    pub indexed: AtomicU64,
    /// By running the statement (no index, or a table changed since it was built).
    pub live: AtomicU64,
}

/// The table once registered: a warning when lookups cannot work on this lake yet, and the
/// counts of how lookups are answered.
pub struct Registered {
    pub warning: Option<String>,
    pub stats: Arc<LookupStats>,
}

/// Registers `analytics.customer_360` in the session, with the stored index loaded when there
/// is one. When the lookup cannot work on this lake yet (the tables `amigo resolve` writes are
/// missing) the table is still there, and a lookup says what to do.
pub async fn register(session: &AmigoSession) -> Result<Registered> {
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
    let stats = Arc::new(LookupStats::default());
    let table = Customer360 {
        schema,
        unavailable: unavailable.clone(),
        catalog: session.catalog().clone(),
        index: RwLock::new(None),
        loading: tokio::sync::Mutex::new(()),
        stats: stats.clone(),
    };
    let mut warning = unavailable;
    if warning.is_none()
        && let Err(e) = table.current_index(&state).await
    {
        warning = Some(format!("the 360° lookup's stored index does not load: {e}"));
    }
    ctx.register_table(
        TableReference::full(CATALOG, DEFAULT_SCHEMA, TABLE),
        Arc::new(table),
    )?;
    Ok(Registered { warning, stats })
}

/// The lookup's plan for `key`.
async fn plan_lookup(state: &SessionState, key: &str) -> Result<LogicalPlan> {
    let plan = state.create_logical_plan(SQL).await?;
    plan.with_param_values(ParamValues::from(vec![
        ScalarValue::Utf8(Some(key.to_string())),
        // Not a build of the index (see the statement).
        ScalarValue::Utf8(None),
        ScalarValue::Utf8(None),
    ]))
}

/// The index as last loaded: loaded, or failed to load, from one version of the build.
enum Loaded {
    Index(Arc<Index>),
    Failed { built_version: Option<u64> },
}

struct Customer360 {
    schema: SchemaRef,
    /// Why lookups cannot run on this lake, when they cannot.
    unavailable: Option<String>,
    catalog: Arc<LakeCatalog>,
    index: RwLock<Option<Loaded>>,
    /// Held while the index loads, so that concurrent lookups load it once.
    loading: tokio::sync::Mutex<()>,
    stats: Arc<LookupStats>,
}

impl Customer360 {
    /// The stored index, if there is one built from the tables as they are now.
    async fn current_index(
        &self,
        state: &SessionState,
    ) -> std::result::Result<Option<Arc<Index>>, String> {
        let built_version = self
            .catalog
            .table_version(&snapshot::table(snapshot::BUILT))
            .await
            .map_err(|e| root_message(&e))?;
        let index = match self.loaded(built_version) {
            Some(loaded) => loaded,
            None => {
                let _loading = self.loading.lock().await;
                match self.loaded(built_version) {
                    Some(loaded) => loaded,
                    None => {
                        let loaded = Index::load(state, &self.catalog).await;
                        let (kept, result) = match loaded {
                            Ok(Some(index)) => {
                                let index = Arc::new(index);
                                (Loaded::Index(index.clone()), Ok(Some(index)))
                            }
                            Ok(None) => (Loaded::Failed { built_version }, Ok(None)),
                            Err(e) => (Loaded::Failed { built_version }, Err(e)),
                        };
                        *self.index.write().unwrap_or_else(|e| e.into_inner()) = Some(kept);
                        result?
                    }
                }
            }
        };
        match index {
            Some(index) if index.is_current(&self.catalog).await? => Ok(Some(index)),
            _ => Ok(None),
        }
    }

    /// What was loaded for this version of the build: `Some(None)` when it did not load.
    fn loaded(&self, built_version: Option<u64>) -> Option<Option<Arc<Index>>> {
        let guard = self.index.read().unwrap_or_else(|e| e.into_inner());
        match guard.as_ref()? {
            Loaded::Index(index) if Some(index.built_version) == built_version => {
                Some(Some(index.clone()))
            }
            Loaded::Failed {
                built_version: failed,
            } if *failed == built_version => Some(None),
            _ => None,
        }
    }

    /// Runs the statement for `key`.
    async fn run_statement(&self, state: &SessionState, key: &str) -> Result<Vec<RecordBatch>> {
        let plan = plan_lookup(state, key).await?;
        let lookup = state.create_physical_plan(&plan).await?;
        if lookup.schema().fields() != self.schema.fields() {
            return plan_err!(
                "the columns of analytics.{TABLE} changed since the server started (the tables \
                 it reads were rebuilt with other columns): restart the server"
            );
        }
        collect(lookup, state.task_ctx()).await
    }
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
        let index = match self.current_index(state).await {
            Ok(index) => index,
            Err(e) => {
                // The statement still answers; say once per failed build why it is slow.
                eprintln!("warning: the 360° lookup's stored index does not load: {e}");
                None
            }
        };
        let batches = match index {
            Some(index) => {
                self.stats.indexed.fetch_add(1, Ordering::Relaxed);
                let batch = index
                    .lookup(self.catalog.lake().store(), key, &self.schema)
                    .await
                    .map_err(DataFusionError::Execution)?;
                vec![batch]
            }
            None => {
                self.stats.live.fetch_add(1, Ordering::Relaxed);
                self.run_statement(state, key).await?
            }
        };
        // The row or two are handed over as a memory source: the caller's physical optimizer
        // must not rework a plan already optimized on its own (DataFusion refuses to swap join
        // inputs once dynamic filters exist).
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
