//! `connected_components('table', 'left_column', 'right_column')`: the connected components of
//! the graph whose edges are the rows of a table.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableFunctionArgs, TableFunctionImpl, TableProvider};
use datafusion::common::{
    Column, Result, ScalarValue, TableReference, plan_datafusion_err, plan_err,
};
use datafusion::datasource::TableType;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::{PartitionStream, StreamingTableExec};
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use futures::StreamExt;
use rustc_hash::FxHashMap;

/// Name of the table function.
pub const NAME: &str = "connected_components";

/// Rows per output batch.
const BATCH_ROWS: usize = 8192;

/// The components of a graph given as an edge list, by union-find.
///
/// Nodes are compared as strings (other key types are cast to text). Each component is named
/// by its smallest node (in byte order), so the output depends only on the set of edges, never
/// on their order or on how the table is partitioned.
#[derive(Default)]
pub struct Components {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl Components {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `node` (a graph may have nodes without edges); returns its index.
    pub fn add_node(&mut self, node: &str) -> u32 {
        if let Some(&id) = self.ids.get(node) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(node.to_string(), id);
        self.names.push(node.to_string());
        self.parent.push(id);
        self.size.push(1);
        id
    }

    /// Adds the edge `a`–`b`, joining their components.
    pub fn add_edge(&mut self, a: &str, b: &str) {
        let (a, b) = (self.add_node(a), self.add_node(b));
        let (ra, rb) = (self.root(a), self.root(b));
        if ra == rb {
            return;
        }
        // Union by size keeps the trees shallow; path halving in `root` flattens them further.
        let (big, small) = if self.size[ra as usize] >= self.size[rb as usize] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small as usize] = big;
        self.size[big as usize] += self.size[small as usize];
    }

    fn root(&mut self, mut node: u32) -> u32 {
        while self.parent[node as usize] != node {
            let grandparent = self.parent[self.parent[node as usize] as usize];
            self.parent[node as usize] = grandparent;
            node = grandparent;
        }
        node
    }

    /// Every node with its component's name and size, sorted by component then node.
    pub fn into_assignments(mut self) -> Vec<(String, String, u64)> {
        let nodes = self.names.len();
        let roots: Vec<u32> = (0..nodes as u32).map(|n| self.root(n)).collect();
        // The smallest node of each component names it.
        let mut smallest: Vec<u32> = (0..nodes as u32).collect();
        for (node, &root) in roots.iter().enumerate() {
            let current = smallest[root as usize] as usize;
            if self.names[node] < self.names[current] {
                smallest[root as usize] = node as u32;
            }
        }
        let mut order: Vec<u32> = (0..nodes as u32).collect();
        let label = |n: u32| smallest[roots[n as usize] as usize];
        order.sort_unstable_by(|&x, &y| {
            self.names[label(x) as usize]
                .cmp(&self.names[label(y) as usize])
                .then_with(|| self.names[x as usize].cmp(&self.names[y as usize]))
        });
        order
            .into_iter()
            .map(|n| {
                let root = roots[n as usize] as usize;
                (
                    self.names[n as usize].clone(),
                    self.names[smallest[root] as usize].clone(),
                    u64::from(self.size[root]),
                )
            })
            .collect()
    }
}

/// The table function: resolves the edge table when the query runs.
#[derive(Debug, Default)]
pub struct ConnectedComponentsFunc;

impl TableFunctionImpl for ConnectedComponentsFunc {
    fn call_with_args(&self, args: TableFunctionArgs) -> Result<Arc<dyn TableProvider>> {
        let [table, left, right] = args.exprs() else {
            return plan_err!(
                "{NAME} expects three arguments: the edge table's name and its two node \
                 columns, as strings, e.g. {NAME}('unified.match_edges', 'left_id', \
                 'right_id'); got {} arguments",
                args.exprs().len()
            );
        };
        Ok(Arc::new(ComponentsTable {
            table: TableReference::from(string_arg(table, "table name")?),
            left: string_arg(left, "left node column")?,
            right: string_arg(right, "right node column")?,
            schema: output_schema(),
        }))
    }
}

fn string_arg(expr: &Expr, what: &str) -> Result<String> {
    match expr {
        Expr::Literal(ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)), _) => {
            Ok(s.clone())
        }
        other => plan_err!("{NAME}: the {what} must be a string literal, got {other}"),
    }
}

fn output_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("node", DataType::Utf8, false),
        Field::new("component", DataType::Utf8, false),
        Field::new("component_size", DataType::Int64, false),
    ]))
}

/// The function's result as a table: scanning it plans a scan of the edge table, and
/// executing that computes the components.
struct ComponentsTable {
    table: TableReference,
    left: String,
    right: String,
    schema: SchemaRef,
}

impl fmt::Debug for ComponentsTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{NAME}({}, {}, {})", self.table, self.left, self.right)
    }
}

#[async_trait]
impl TableProvider for ComponentsTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Temporary
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let edges = edge_table(state, &self.table).await?;
        let edge_schema = edges.schema();
        let column = |name: &str| {
            let column = Column::from_name(name);
            edge_schema.index_of(&column.name).map_err(|_| {
                plan_datafusion_err!(
                    "{NAME}: table {} has no column '{name}' (columns: {})",
                    self.table,
                    edge_schema
                        .fields()
                        .iter()
                        .map(|f| f.name().as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        };
        let columns = vec![column(&self.left)?, column(&self.right)?];
        let input = edges.scan(state, Some(&columns), &[], None).await?;
        let partition = ComponentsPartition {
            input,
            schema: Arc::clone(&self.schema),
        };
        Ok(Arc::new(StreamingTableExec::try_new(
            Arc::clone(&self.schema),
            vec![Arc::new(partition)],
            projection,
            [],
            false,
            limit,
        )?))
    }
}

async fn edge_table(state: &dyn Session, table: &TableReference) -> Result<Arc<dyn TableProvider>> {
    let options = &state.config_options().catalog;
    let resolved = table
        .clone()
        .resolve(&options.default_catalog, &options.default_schema);
    let catalog = state
        .catalog_list()
        .catalog(&resolved.catalog)
        .ok_or_else(|| plan_datafusion_err!("{NAME}: catalog '{}' not found", resolved.catalog))?;
    let schema = catalog
        .schema(&resolved.schema)
        .ok_or_else(|| plan_datafusion_err!("{NAME}: schema '{}' not found", resolved.schema))?;
    schema
        .table(&resolved.table)
        .await?
        .ok_or_else(|| plan_datafusion_err!("{NAME}: table '{table}' not found"))
}

struct ComponentsPartition {
    input: Arc<dyn ExecutionPlan>,
    schema: SchemaRef,
}

impl fmt::Debug for ComponentsPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ComponentsPartition")
    }
}

impl PartitionStream for ComponentsPartition {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, ctx: Arc<TaskContext>) -> SendableRecordBatchStream {
        let (input, schema) = (Arc::clone(&self.input), Arc::clone(&self.schema));
        let batches = futures::stream::once(async move {
            let components = read_edges(input, ctx).await?;
            assignment_batches(components, &schema)
        })
        .flat_map(|result| {
            futures::stream::iter(match result {
                Ok(batches) => batches.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            })
        });
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            batches,
        ))
    }
}

/// Reads every edge. A row with one null end adds the other end as a node of its own; a row
/// with two null ends has no node and adds nothing.
async fn read_edges(input: Arc<dyn ExecutionPlan>, ctx: Arc<TaskContext>) -> Result<Components> {
    let mut stream = execute_stream(input, ctx)?;
    let mut components = Components::new();
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let left = as_strings(batch.column(0))?;
        let right = as_strings(batch.column(1))?;
        let (left, right) = (left.as_string::<i32>(), right.as_string::<i32>());
        for row in 0..batch.num_rows() {
            let a = left.is_valid(row).then(|| left.value(row));
            let b = right.is_valid(row).then(|| right.value(row));
            match (a, b) {
                (Some(a), Some(b)) => components.add_edge(a, b),
                (Some(node), None) | (None, Some(node)) => {
                    components.add_node(node);
                }
                (None, None) => {}
            }
        }
    }
    Ok(components)
}

fn as_strings(column: &ArrayRef) -> Result<ArrayRef> {
    Ok(cast(column, &DataType::Utf8)?)
}

fn assignment_batches(components: Components, schema: &SchemaRef) -> Result<Vec<RecordBatch>> {
    let assignments = components.into_assignments();
    assignments
        .chunks(BATCH_ROWS)
        .map(|chunk| {
            let nodes: StringArray = chunk.iter().map(|(n, _, _)| Some(n.as_str())).collect();
            let comps: StringArray = chunk.iter().map(|(_, c, _)| Some(c.as_str())).collect();
            let sizes: Int64Array = chunk.iter().map(|(_, _, s)| Some(*s as i64)).collect();
            Ok(RecordBatch::try_new(
                Arc::clone(schema),
                vec![Arc::new(nodes), Arc::new(comps), Arc::new(sizes)],
            )?)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components(edges: &[(&str, &str)]) -> Vec<(String, String, u64)> {
        let mut graph = Components::new();
        for (a, b) in edges {
            graph.add_edge(a, b);
        }
        graph.into_assignments()
    }

    #[test]
    fn components_are_named_by_their_smallest_node() {
        let got = components(&[("c", "d"), ("b", "c"), ("x", "y"), ("a", "a")]);
        let expected = [
            ("a", "a", 1),
            ("b", "b", 3),
            ("c", "b", 3),
            ("d", "b", 3),
            ("x", "x", 2),
            ("y", "x", 2),
        ];
        let got: Vec<(&str, &str, u64)> = got
            .iter()
            .map(|(n, c, s)| (n.as_str(), c.as_str(), *s))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn output_does_not_depend_on_edge_order() {
        let edges: Vec<(String, String)> = (0..2000)
            .map(|i| {
                (
                    format!("n{}", (i * 7919) % 1000),
                    format!("n{}", (i * 104729) % 997),
                )
            })
            .collect();
        let forward: Vec<(&str, &str)> = edges
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let mut backward: Vec<(&str, &str)> = forward.iter().map(|&(a, b)| (b, a)).collect();
        backward.reverse();
        assert_eq!(components(&forward), components(&backward));
    }

    #[test]
    fn a_long_chain_is_one_component() {
        let names: Vec<String> = (0..100_000).map(|i| format!("{i:06}")).collect();
        let mut graph = Components::new();
        for pair in names.windows(2).rev() {
            graph.add_edge(&pair[0], &pair[1]);
        }
        let out = graph.into_assignments();
        assert_eq!(out.len(), 100_000);
        assert!(out.iter().all(|(_, c, s)| c == "000000" && *s == 100_000));
    }
}
