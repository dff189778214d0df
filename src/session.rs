//! A SQL session over the lake: DataFusion with the lake catalog and every amigo function, where
//! statements that change data persist in the lake.
//!
//! DataFusion plans every statement; the ones whose effect must outlive the session are carried
//! out here instead of in memory: `CREATE TABLE [AS]` writes a new lake table, `CREATE VIEW`
//! saves its statement next to the tables, `DROP` removes them from the lake, `CREATE SCHEMA`
//! adds a schema, and `COPY ... TO 'file'` writes the file atomically. `INSERT` goes through the
//! lake table itself ([`crate::lake::table`]). Everything else runs as DataFusion runs it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use arrow::array::AsArray;
use datafusion::catalog::SchemaProvider;
use datafusion::common::ResolvedTableReference;
use datafusion::common::{Column, TableReference};
use datafusion::dataframe::DataFrame;
use datafusion::datasource::TableProvider;
use datafusion::error::{DataFusionError, Result};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use datafusion::logical_expr::dml::CopyTo;
use datafusion::logical_expr::{
    CreateMemoryTable, DdlStatement, DmlStatement, LogicalPlan, WriteOp,
};
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, lit};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;

use crate::lake::catalog::{CATALOG, LakeCatalog};
use crate::lake::write::TableWriter;
use crate::lake::{CommitMode, Lake, TableName};

/// Schema of unqualified names (`SELECT * FROM t` reads `analytics.t`): analysts' own tables.
pub const DEFAULT_SCHEMA: &str = "analytics";

/// What a statement did.
pub enum Outcome {
    /// A query: its rows, not yet read.
    Rows(DataFrame),
    /// A statement that changed something, and a line saying what.
    Done(String),
}

pub struct AmigoSession {
    ctx: SessionContext,
    lake: Arc<Lake>,
    catalog: Arc<LakeCatalog>,
    /// The lake's saved views, `schema.view` → their CREATE VIEW statement.
    saved_views: Mutex<BTreeMap<String, String>>,
    /// Views saved in the lake that could not be re-created (a table they read was dropped
    /// ...), with the reason.
    broken_views: Mutex<BTreeMap<String, String>>,
}

impl AmigoSession {
    /// Opens a session: lists the lake, registers its tables, every amigo function, and the
    /// saved views.
    pub async fn open(lake: Arc<Lake>) -> Result<Self> {
        Self::open_with_runtime(lake, RuntimeEnvBuilder::new().build_arc()?).await
    }

    /// Opens a session whose queries run in `runtime` (its memory pool and spill directory).
    pub async fn open_with_runtime(lake: Arc<Lake>, runtime: Arc<RuntimeEnv>) -> Result<Self> {
        let contents = lake.contents().await?;
        let config = SessionConfig::new()
            .with_default_catalog_and_schema(CATALOG, DEFAULT_SCHEMA)
            .with_create_default_catalog_and_schema(false)
            .with_information_schema(true)
            // Plain Utf8 strings: what the lake stores and what Flight clients expect.
            .set_bool(
                "datafusion.execution.parquet.schema_force_view_types",
                false,
            )
            .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false)
            // Evaluate filters inside the Parquet scan, so point lookups skip most pages.
            .set_bool("datafusion.execution.parquet.pushdown_filters", true);
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        if let Ok(url) = url::Url::parse(lake.store_url().as_str()) {
            ctx.register_object_store(&url, lake.store().clone());
        }
        let catalog = Arc::new(LakeCatalog::new(lake.clone(), &contents));
        ctx.register_catalog(CATALOG, catalog.clone());
        amigo_udfs::register_all(&ctx)?;
        ctx.register_udf(crate::to_json::ToJson::udf());
        let session = Self {
            ctx,
            lake,
            catalog,
            saved_views: Mutex::new(BTreeMap::new()),
            broken_views: Mutex::new(BTreeMap::new()),
        };
        session.load_views(&contents.views).await?;
        Ok(session)
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    pub fn lake(&self) -> &Arc<Lake> {
        &self.lake
    }

    /// The lake's tables as this session sees them (versions rechecked, see the catalog).
    pub fn catalog(&self) -> &Arc<LakeCatalog> {
        &self.catalog
    }

    /// Makes a version committed outside SQL (by ingest) the one later statements read.
    pub async fn table_committed(
        &self,
        name: &TableName,
        manifest: crate::lake::manifest::Manifest,
    ) -> Result<()> {
        match self.catalog.lake_schema(&name.schema) {
            Some(schema) => schema.table_committed(&name.table, manifest).await?,
            None => {
                return datafusion::common::plan_err!("schema {} does not exist", name.schema);
            }
        }
        self.refresh_views_reading(&name.table).await;
        Ok(())
    }

    /// Saved views that did not load, with the reason.
    pub fn broken_views(&self) -> Vec<String> {
        lock(&self.broken_views)
            .iter()
            .map(|(name, reason)| format!("view {name} does not load: {reason}"))
            .collect()
    }

    /// Re-creates the views saved in the lake when the session opens.
    async fn load_views(&self, views: &BTreeMap<String, Vec<String>>) -> Result<()> {
        let mut pending = Vec::new();
        for (schema, names) in views {
            for view in names {
                let sql = self.lake.read_view(schema, view).await?;
                pending.push((format!("{schema}.{view}"), sql));
            }
        }
        lock(&self.saved_views).extend(pending.iter().cloned());
        self.create_saved_views(pending).await;
        Ok(())
    }

    /// A view's plan holds the table versions it was planned with, so after a commit to
    /// `table` (or a new definition of the view `table`) the views that read it, directly or
    /// through other views, are planned again: a view never shows an older version than a
    /// query of the table itself. Views are matched by the name appearing in their SQL, which
    /// at worst re-plans a view that did not need it.
    async fn refresh_views_reading(&self, table: &str) {
        let stale: Vec<(String, String)> = {
            let saved = lock(&self.saved_views);
            let mut names = vec![table.to_ascii_lowercase()];
            let mut stale: Vec<(String, String)> = Vec::new();
            while let Some(name) = names.pop() {
                for (view, sql) in saved.iter() {
                    let short = view.rsplit('.').next().unwrap_or(view).to_ascii_lowercase();
                    if short != name
                        && mentions(sql, &name)
                        && !stale.iter().any(|(v, _)| v == view)
                    {
                        stale.push((view.clone(), sql.clone()));
                        names.push(short);
                    }
                }
            }
            stale
        };
        // Planned again in dependency order, each replaced on its own, so that concurrent
        // queries (the server's) find every other view in place meanwhile.
        for (view, sql) in dependency_order(stale) {
            if let Some((schema, name)) = view.split_once('.') {
                let _ = self
                    .ctx
                    .deregister_table(TableReference::full(CATALOG, schema, name));
            }
            let outcome = self.create_saved_view(&sql).await;
            let mut broken_views = lock(&self.broken_views);
            match outcome {
                Ok(()) => broken_views.remove(&view),
                Err(e) => broken_views.insert(view, root_message(&e)),
            };
        }
    }

    /// Plans saved views. A view may read another view, so views that fail are retried while
    /// some other view was created in the same round; those that still fail are recorded as
    /// broken.
    async fn create_saved_views(&self, mut pending: Vec<(String, String)>) {
        let names: Vec<String> = pending.iter().map(|(name, _)| name.clone()).collect();
        loop {
            let mut failed = Vec::new();
            let before = pending.len();
            for (name, sql) in pending {
                if let Err(e) = self.create_saved_view(&sql).await {
                    failed.push((name, sql, e));
                }
            }
            if failed.is_empty() || failed.len() == before {
                let mut broken = lock(&self.broken_views);
                for name in &names {
                    broken.remove(name);
                }
                for (name, _, e) in failed {
                    broken.insert(name, root_message(&e));
                }
                return;
            }
            pending = failed
                .into_iter()
                .map(|(name, sql, _)| (name, sql))
                .collect();
        }
    }

    /// Runs a saved view's file, which must hold one CREATE VIEW and nothing else: a lake file
    /// is not allowed to run other statements when a session opens.
    async fn create_saved_view(&self, sql: &str) -> Result<()> {
        let plan = self.ctx.state().create_logical_plan(sql).await?;
        if !matches!(plan, LogicalPlan::Ddl(DdlStatement::CreateView(_))) {
            return datafusion::common::plan_err!("the file does not hold a CREATE VIEW statement");
        }
        self.ctx.execute_logical_plan(plan).await?;
        Ok(())
    }

    /// Runs one SQL statement.
    pub async fn execute(&self, sql: &str) -> Result<Outcome> {
        let plan = self.plan(sql).await?;
        self.execute_plan(sql, plan).await
    }

    /// Plans one SQL statement without running it, so a caller can inspect the plan first (the
    /// server checks it against the user's role) or bind parameter values into it.
    pub async fn plan(&self, sql: &str) -> Result<LogicalPlan> {
        self.ctx.state().create_logical_plan(sql).await
    }

    /// Runs a statement planned by [`Self::plan`]; `sql` is its text (saved for a view).
    pub async fn execute_plan(&self, sql: &str, plan: LogicalPlan) -> Result<Outcome> {
        match plan {
            LogicalPlan::Ddl(DdlStatement::CreateMemoryTable(create)) => {
                let table = self.resolve(&create.name).table.to_string();
                let outcome = self.create_table(create).await?;
                self.refresh_views_reading(&table).await;
                Ok(outcome)
            }
            LogicalPlan::Ddl(DdlStatement::CreateView(ref create)) => {
                let name = self.resolve(&create.name);
                let persist = name.catalog.as_ref() == CATALOG && !create.temporary;
                if persist {
                    crate::lake::check_identifier(&name.table)?;
                }
                self.ctx.execute_logical_plan(plan.clone()).await?;
                if persist {
                    let saved = self
                        .lake
                        .write_view(&name.schema, &name.table, &view_file(sql))
                        .await;
                    if let Err(e) = saved {
                        let _ = self
                            .ctx
                            .deregister_table(TableReference::from(name.clone()));
                        return Err(e.into());
                    }
                    lock(&self.saved_views)
                        .insert(format!("{}.{}", name.schema, name.table), view_file(sql));
                    self.refresh_views_reading(&name.table).await;
                }
                Ok(Outcome::Done(format!(
                    "created view {}.{}",
                    name.schema, name.table
                )))
            }
            LogicalPlan::Ddl(DdlStatement::DropTable(ref drop)) => {
                let name = self.resolve(&drop.name);
                if let Some(schema) = self.lake_schema_of(&name)
                    && schema.is_lake_table(&name.table)
                {
                    let table = TableName::new(&name.schema, &name.table);
                    self.lake.drop_table(&table).await?;
                    schema.table_dropped(&name.table);
                    self.refresh_views_reading(&name.table).await;
                    return Ok(Outcome::Done(format!("dropped table {table}")));
                }
                self.ctx.execute_logical_plan(plan.clone()).await?;
                Ok(Outcome::Done(format!(
                    "dropped {}.{}",
                    name.schema, name.table
                )))
            }
            LogicalPlan::Ddl(DdlStatement::DropView(ref drop)) => {
                let name = self.resolve(&drop.name);
                self.ctx.execute_logical_plan(plan.clone()).await?;
                if name.catalog.as_ref() == CATALOG {
                    self.lake.delete_view(&name.schema, &name.table).await?;
                    lock(&self.saved_views).remove(&format!("{}.{}", name.schema, name.table));
                }
                Ok(Outcome::Done(format!(
                    "dropped view {}.{}",
                    name.schema, name.table
                )))
            }
            LogicalPlan::Ddl(DdlStatement::CreateCatalogSchema(ref create)) => {
                let schema = match create.schema_name.split_once('.') {
                    Some((catalog, schema)) if catalog == CATALOG => schema,
                    Some(_) => return self.run_in_datafusion(plan).await,
                    None => create.schema_name.as_str(),
                };
                if self.catalog.lake_schema(schema).is_some() {
                    if create.if_not_exists {
                        return Ok(Outcome::Done(format!("schema {schema} already exists")));
                    }
                    return datafusion::common::plan_err!("schema {schema} already exists");
                }
                self.lake.create_schema(schema).await?;
                self.catalog.add_schema(schema);
                Ok(Outcome::Done(format!("created schema {schema}")))
            }
            LogicalPlan::Copy(copy) => self.copy_to(copy).await,
            LogicalPlan::Dml(dml) if matches!(dml.op, WriteOp::Delete | WriteOp::Update) => {
                let table = self.resolve(&dml.table_name).table.to_string();
                let outcome = self.rewrite(dml).await?;
                self.refresh_views_reading(&table).await;
                Ok(outcome)
            }
            LogicalPlan::Dml(DmlStatement {
                ref table_name,
                op: WriteOp::Insert(_),
                ..
            }) => {
                let name = self.resolve(table_name);
                let rows = count_rows(self.ctx.execute_logical_plan(plan.clone()).await?).await?;
                self.refresh_views_reading(&name.table).await;
                Ok(Outcome::Done(format!(
                    "inserted {rows} rows into {}.{}",
                    name.schema, name.table
                )))
            }
            LogicalPlan::Ddl(DdlStatement::CreateExternalTable(ref create)) => {
                let name = create.name.to_string();
                self.ctx.execute_logical_plan(plan).await?;
                Ok(Outcome::Done(format!(
                    "registered external table {name} for this session only (it is not saved in the lake)"
                )))
            }
            LogicalPlan::Ddl(_) | LogicalPlan::Statement(_) => {
                // Other DDL and SET-like statements return no rows: say what was done instead.
                let what = plan.display().to_string();
                self.ctx.execute_logical_plan(plan).await?.collect().await?;
                Ok(Outcome::Done(what))
            }
            other => self.run_in_datafusion(other).await,
        }
    }

    async fn run_in_datafusion(&self, plan: LogicalPlan) -> Result<Outcome> {
        Ok(Outcome::Rows(self.ctx.execute_logical_plan(plan).await?))
    }

    fn resolve(&self, reference: &TableReference) -> ResolvedTableReference {
        reference.clone().resolve(CATALOG, DEFAULT_SCHEMA)
    }

    fn lake_schema_of(
        &self,
        name: &ResolvedTableReference,
    ) -> Option<Arc<crate::lake::catalog::LakeSchema>> {
        if name.catalog.as_ref() != CATALOG {
            return None;
        }
        self.catalog.lake_schema(&name.schema)
    }

    /// `CREATE [OR REPLACE] TABLE name [(columns)] [AS query]`: writes the rows as a new lake table.
    async fn create_table(&self, create: CreateMemoryTable) -> Result<Outcome> {
        let resolved = self.resolve(&create.name);
        if create.temporary {
            return datafusion::common::not_impl_err!(
                "temporary tables are not supported; create the table in a schema and drop it after use"
            );
        }
        let Some(schema) = self.lake_schema_of(&resolved) else {
            return datafusion::common::plan_err!(
                "schema {} does not exist (create it with CREATE SCHEMA {})",
                resolved.schema,
                resolved.schema
            );
        };
        let name = TableName::new(&resolved.schema, &resolved.table);
        if schema.table_exist(&name.table) {
            if !schema.is_lake_table(&name.table) {
                return datafusion::common::plan_err!(
                    "{name} already exists as a view or session table"
                );
            }
            if create.if_not_exists {
                return Ok(Outcome::Done(format!(
                    "table {name} already exists; left as it is"
                )));
            }
            if !create.or_replace {
                return datafusion::common::plan_err!(
                    "table {name} already exists (use CREATE OR REPLACE TABLE to replace it)"
                );
            }
        }
        let mode = if create.or_replace {
            CommitMode::Replace
        } else {
            CommitMode::Create
        };
        let input = DataFrame::new(self.ctx.state(), create.input.as_ref().clone());
        let arrow_schema = input.schema().as_arrow().clone();
        let stream = input.execute_stream().await?;
        let operation = if create.or_replace {
            "replace"
        } else {
            "create"
        };
        let (manifest, rows) = TableWriter::write_stream::<_, DataFusionError>(
            self.lake.clone(),
            name.clone(),
            &arrow_schema,
            stream,
            mode,
            operation,
        )
        .await?;
        let version = manifest.version;
        schema.table_committed(&name.table, manifest).await?;
        Ok(Outcome::Done(format!(
            "created table {name}: {rows} rows (version {version})"
        )))
    }

    /// `COPY query TO 'path'`: DataFusion writes the file under a temporary name in the same
    /// directory, then it is renamed into place, so a reader never sees half a file and a failed
    /// copy leaves the previous file as it was. Directory and remote targets are written directly.
    async fn copy_to(&self, copy: CopyTo) -> Result<Outcome> {
        let target = copy.output_url.clone();
        let local = match target.split_once("://") {
            None => Some(std::path::PathBuf::from(&target)),
            Some(("file", rest)) => Some(std::path::PathBuf::from(rest)),
            Some(_) => None,
        };
        let single_file = local.as_ref().is_some_and(|p| {
            p.extension().is_some() && !target.ends_with('/') && copy.partition_by.is_empty()
        });
        let Some(path) = local.filter(|_| single_file) else {
            let rows = count_rows(
                self.ctx
                    .execute_logical_plan(LogicalPlan::Copy(copy))
                    .await?,
            )
            .await?;
            return Ok(Outcome::Done(format!("copied {rows} rows to {target}")));
        };
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = path.with_file_name(format!(".{}.{file_name}", uuid::Uuid::new_v4().simple()));
        let temp_copy = CopyTo {
            output_url: temp.display().to_string(),
            ..copy
        };
        let written = async {
            count_rows(
                self.ctx
                    .execute_logical_plan(LogicalPlan::Copy(temp_copy))
                    .await?,
            )
            .await
        }
        .await;
        let rows = match written {
            Ok(rows) => rows,
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(e);
            }
        };
        std::fs::rename(&temp, &path).map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            DataFusionError::Execution(format!("COPY could not move the file into {target}: {e}"))
        })?;
        Ok(Outcome::Done(format!("copied {rows} rows to {target}")))
    }
}

impl AmigoSession {
    /// `DELETE` and `UPDATE`: the table's rows after the change are computed by an ordinary
    /// query over the version the statement read, and committed as the next version only if the
    /// table is still at that version. The query goes through DataFusion's optimizer like any
    /// other, so subqueries in the WHERE clause work.
    async fn rewrite(&self, dml: DmlStatement) -> Result<Outcome> {
        let resolved = self.resolve(&dml.table_name);
        let Some(schema) = self
            .lake_schema_of(&resolved)
            .filter(|s| s.is_lake_table(&resolved.table))
        else {
            return datafusion::common::plan_err!(
                "{}.{} is not a lake table; only lake tables can be changed",
                resolved.schema,
                resolved.table
            );
        };
        let name = TableName::new(&resolved.schema, &resolved.table);
        let provider = SchemaProvider::table(schema.as_ref(), &name.table)
            .await?
            .ok_or_else(|| DataFusionError::Plan(format!("table {name} does not exist")))?;
        let Some(table) = provider.downcast_ref::<crate::lake::table::LakeTable>() else {
            return datafusion::common::internal_err!("{name} is not backed by the lake");
        };
        let base = table.manifest().version;
        let columns: Vec<Expr> = table
            .schema()
            .fields()
            .iter()
            .map(|f| Expr::Column(Column::new_unqualified(f.name())))
            .collect();
        let marked = |plan: LogicalPlan, changed: bool| -> Result<LogicalPlan> {
            let mut exprs = columns.clone();
            exprs.push(lit(changed).alias(CHANGED));
            LogicalPlanBuilder::from(plan).project(exprs)?.build()
        };
        // Splits the statement's input into its WHERE predicate and the rows it reads.
        let split = |plan: &LogicalPlan| match plan {
            LogicalPlan::Filter(filter) => (
                Some(filter.predicate.clone()),
                filter.input.as_ref().clone(),
            ),
            other => (None, other.clone()),
        };
        let (plan, verb) = match dml.op {
            WriteOp::Delete => {
                let (predicate, rows) = split(&dml.input);
                // Deleting nothing rewrites nothing: a pipeline deletes "whatever is gone" on
                // every run, and the count reads only the columns the predicate needs.
                if let Some(p) = &predicate {
                    let matching = LogicalPlanBuilder::from(rows.clone())
                        .filter(p.clone())?
                        .build()?;
                    if DataFrame::new(self.ctx.state(), matching).count().await? == 0 {
                        return Ok(Outcome::Done(format!("deleted 0 rows in {name}")));
                    }
                }
                let kept = match predicate {
                    Some(p) => LogicalPlanBuilder::from(rows)
                        .filter(p.is_not_true())?
                        .build()?,
                    None => LogicalPlanBuilder::from(rows).filter(lit(false))?.build()?,
                };
                (marked(kept, false)?, "deleted")
            }
            _ => {
                let LogicalPlan::Projection(projection) = dml.input.as_ref() else {
                    return datafusion::common::not_impl_err!(
                        "this form of UPDATE is not supported"
                    );
                };
                let (predicate, rows) = split(&projection.input);
                if !reads_only_the_table(&rows) {
                    return datafusion::common::not_impl_err!(
                        "UPDATE ... FROM is not supported; compute the new rows with CREATE OR REPLACE TABLE ... AS SELECT"
                    );
                }
                let updated = marked(dml.input.as_ref().clone(), true)?;
                let plan = match predicate {
                    Some(p) => {
                        let unchanged = LogicalPlanBuilder::from(rows)
                            .filter(p.is_not_true())?
                            .build()?;
                        LogicalPlanBuilder::from(updated)
                            .union(marked(unchanged, false)?)?
                            .build()?
                    }
                    None => updated,
                };
                (plan, "updated")
            }
        };
        let frame = DataFrame::new(self.ctx.state(), plan);
        let stored = table.schema();
        let stream = frame.execute_stream().await?;
        let changed = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = changed.clone();
        let rows = stream.map(move |batch| {
            let batch = batch?;
            let flags = batch.column(batch.num_columns() - 1).as_boolean();
            counter.fetch_add(
                flags.true_count() as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
            Ok::<_, DataFusionError>(
                batch.project(&(0..batch.num_columns() - 1).collect::<Vec<_>>())?,
            )
        });
        let (manifest, written) = TableWriter::write_stream::<_, DataFusionError>(
            self.lake.clone(),
            name.clone(),
            &stored,
            Box::pin(rows),
            CommitMode::Rewrite { base },
            if verb == "deleted" {
                "delete"
            } else {
                "update"
            },
        )
        .await?;
        let count = match verb {
            "deleted" => table.manifest().rows().saturating_sub(written),
            _ => changed.load(std::sync::atomic::Ordering::Relaxed),
        };
        schema.table_committed(&name.table, manifest).await?;
        Ok(Outcome::Done(format!("{verb} {count} rows in {name}")))
    }
}

/// Marker column telling which rows an UPDATE changed (or a DELETE removed).
const CHANGED: &str = "__amigo_changed";

/// Whether a plan is a plain scan of one table (possibly under an alias), with no join.
fn reads_only_the_table(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::TableScan(_) => true,
        LogicalPlan::SubqueryAlias(alias) => reads_only_the_table(&alias.input),
        _ => false,
    }
}

/// The text saved for a view: the statement itself, so the file can be read and re-run as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind, still usable.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Views ordered so that one naming another comes after it (in the given order where names
/// do not tell, for instance a view and a table of the same name in two schemas).
fn dependency_order(mut views: Vec<(String, String)>) -> Vec<(String, String)> {
    let short = |view: &str| view.rsplit('.').next().unwrap_or(view).to_ascii_lowercase();
    let mut ordered = Vec::with_capacity(views.len());
    while !views.is_empty() {
        let ready = views
            .iter()
            .position(|(view, sql)| {
                !views
                    .iter()
                    .any(|(other, _)| other != view && mentions(sql, &short(other)))
            })
            .unwrap_or(0);
        ordered.push(views.remove(ready));
    }
    ordered
}

/// Whether `sql` names `name` (lower case) as a whole identifier, in any case.
fn mentions(sql: &str, name: &str) -> bool {
    let sql = sql.to_ascii_lowercase();
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(name).any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        let after = sql[at + name.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

fn view_file(sql: &str) -> String {
    format!(
        "-- saved by amigo; the statement that defines this view\n{};\n",
        sql.trim().trim_end_matches(';')
    )
}

/// Sums the `count` column DataFusion returns for INSERT and COPY.
async fn count_rows(frame: DataFrame) -> Result<u64> {
    let mut stream = frame.execute_stream().await?;
    let mut total = 0;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        if let Some(counts) = batch
            .columns()
            .first()
            .and_then(|c| c.as_any().downcast_ref::<arrow::array::UInt64Array>())
        {
            total += counts.iter().flatten().sum::<u64>();
        }
    }
    Ok(total)
}

/// The innermost message of an error, without DataFusion's wrapping prefixes.
pub fn root_message(error: &DataFusionError) -> String {
    match error.find_root() {
        DataFusionError::External(inner) => inner.to_string(),
        DataFusionError::Plan(message)
        | DataFusionError::Execution(message)
        | DataFusionError::NotImplemented(message) => message.clone(),
        DataFusionError::SQL(e, _) => e.to_string(),
        other => other.to_string(),
    }
}
