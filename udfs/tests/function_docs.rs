//! The function reference and the documentation it is made of.
//!
//! - `udfs/docs/functions.md` must be what [`amigo_udfs::docs::function_reference`] renders;
//!   `UPDATE_DOCS=1 cargo test -p amigo-udfs --test function_docs` rewrites it.
//! - Every function's SQL example must run, and print the table its documentation shows: an
//!   example is a ```sql block of `> statement;` lines each followed by the table DataFusion
//!   prints for it (`+---+` borders, `|` cells, NULL as `NULL`). Cells are compared after
//!   trimming, so the borders' widths do not matter.
//! - Related functions must exist (in this crate or in DataFusion), and every argument of the
//!   documentation must appear in the syntax.

use std::collections::HashSet;
use std::path::PathBuf;

use datafusion::arrow::util::display::FormatOptions;
use datafusion::arrow::util::pretty::pretty_format_batches_with_options;
use datafusion::logical_expr::Documentation;
use datafusion::prelude::SessionContext;

/// Name and documentation of every scalar and aggregate function.
fn documented_functions() -> Vec<(String, Option<Documentation>)> {
    let scalars = amigo_udfs::all_scalar_functions()
        .into_iter()
        .map(|f| (f.name().to_owned(), f.documentation().cloned()));
    let aggregates = amigo_udfs::all_aggregate_functions()
        .into_iter()
        .map(|f| (f.name().to_owned(), f.documentation().cloned()));
    scalars.chain(aggregates).collect()
}

fn reference_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(amigo_udfs::docs::FUNCTION_REFERENCE_PATH)
}

#[test]
fn reference_is_up_to_date() {
    let rendered = amigo_udfs::docs::function_reference();
    let path = reference_path();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        }
        std::fs::write(&path, &rendered).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != rendered {
        let first_difference = committed
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(rendered.lines().count()));
        panic!(
            "{} is out of date with the functions' documentation (first difference at line \
             {}).\nRegenerate it with:\n    UPDATE_DOCS=1 cargo test -p amigo-udfs --test \
             function_docs",
            path.display(),
            first_difference + 1
        );
    }
}

#[test]
fn every_function_is_in_the_reference() {
    let rendered = amigo_udfs::docs::function_reference();
    assert!(
        !rendered.contains("## Undocumented functions"),
        "some functions have no documentation:\n{}",
        rendered
            .split("## Undocumented functions")
            .nth(1)
            .unwrap_or_default()
    );
}

/// One `> statement;` of an example and the table printed under it, if any.
#[derive(Debug)]
struct ExampleQuery {
    sql: String,
    /// Header then data rows, each a list of trimmed cells; empty when the example shows no
    /// output.
    expected: Vec<Vec<String>>,
}

/// Splits a ```sql example into its statements and their printed tables.
fn parse_example(example: &str) -> Result<Vec<ExampleQuery>, String> {
    let mut queries: Vec<ExampleQuery> = Vec::new();
    let mut open_statement = false;
    for line in example.lines().map(str::trim) {
        if line.starts_with("```") || line.is_empty() {
            continue;
        }
        if let Some(sql) = line.strip_prefix('>') {
            queries.push(ExampleQuery {
                sql: sql.trim().to_owned(),
                expected: Vec::new(),
            });
            open_statement = !sql.trim_end().ends_with(';');
        } else if open_statement {
            let Some(query) = queries.last_mut() else {
                return Err(format!("continuation line before any statement: {line}"));
            };
            query.sql.push('\n');
            query.sql.push_str(line);
            open_statement = !line.ends_with(';');
        } else if line.starts_with('+') {
            // A border.
        } else if line.starts_with('|') {
            let Some(query) = queries.last_mut() else {
                return Err(format!("table row before any statement: {line}"));
            };
            query.expected.push(table_cells(line));
        } else {
            return Err(format!(
                "unexpected line (neither `> statement;` nor a table): {line}"
            ));
        }
    }
    if queries.is_empty() {
        return Err("no `> statement;` line".to_owned());
    }
    Ok(queries)
}

fn table_cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_owned()).collect()
}

fn printed_rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('|'))
        .map(table_cells)
        .collect()
}

#[tokio::test]
async fn sql_examples_run_and_print_what_they_show() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, doc) in documented_functions() {
        let Some(example) = doc.as_ref().and_then(|d| d.sql_example.as_deref()) else {
            // Missing examples are reported by the documentation tests in lib.rs.
            continue;
        };
        let queries = match parse_example(example) {
            Ok(q) => q,
            Err(e) => {
                failures.push(format!("{name}: cannot read its SQL example: {e}"));
                continue;
            }
        };
        for query in queries {
            let ctx = SessionContext::new();
            if let Err(e) = amigo_udfs::register_all(&ctx) {
                panic!("register_all: {e}");
            }
            let result = match ctx.sql(&query.sql).await {
                Ok(df) => df.collect().await,
                Err(e) => Err(e),
            };
            let batches = match result {
                Ok(b) => b,
                Err(e) => {
                    failures.push(format!("{name}: its example `{}` fails: {e}", query.sql));
                    continue;
                }
            };
            checked += 1;
            if query.expected.is_empty() {
                continue;
            }
            // NULL as datafusion-cli prints it.
            let options = FormatOptions::default().with_null("NULL");
            let printed = match pretty_format_batches_with_options(&batches, &options) {
                Ok(t) => t.to_string(),
                Err(e) => {
                    failures.push(format!("{name}: cannot print the result: {e}"));
                    continue;
                }
            };
            if printed_rows(&printed) != query.expected {
                failures.push(format!(
                    "{name}: its example `{}` shows\n{}\nbut prints\n{printed}",
                    query.sql,
                    query
                        .expected
                        .iter()
                        .map(|row| format!("| {} |", row.join(" | ")))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} stale SQL example(s):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(checked > 0, "no SQL example was run");
}

#[test]
fn related_functions_exist_and_arguments_are_in_the_syntax() {
    let ctx = SessionContext::new();
    let builtin: HashSet<String> = ctx
        .state()
        .scalar_functions()
        .keys()
        .chain(ctx.state().aggregate_functions().keys())
        .cloned()
        .collect();
    let ours: HashSet<String> = amigo_udfs::all_scalar_functions()
        .iter()
        .flat_map(|f| std::iter::once(f.name().to_owned()).chain(f.aliases().iter().cloned()))
        .chain(
            amigo_udfs::all_aggregate_functions()
                .iter()
                .map(|f| f.name().to_owned()),
        )
        .collect();
    let mut failures = Vec::new();
    for (name, doc) in documented_functions() {
        let Some(doc) = doc else {
            continue;
        };
        for related in doc.related_udfs.iter().flatten() {
            if !ours.contains(related) && !builtin.contains(related) {
                failures.push(format!(
                    "{name}: related function {related} is neither an amigo nor a DataFusion \
                     function"
                ));
            }
        }
        for (argument, _) in doc.arguments.iter().flatten() {
            if !doc.syntax_example.contains(argument.as_str()) {
                failures.push(format!(
                    "{name}: argument {argument} is not in the syntax `{}`",
                    doc.syntax_example
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn example_parser_reads_statements_and_tables() {
    let example = "```sql\n> select f('a'),\n  g('b');\n+-----+\n| f(Utf8(\"a\")) | g |\n\
                   +---+\n| x |  |\n+---+\n> select 1;\n```";
    let queries = parse_example(example).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(queries.len(), 2);
    assert_eq!(queries[0].sql, "select f('a'),\ng('b');");
    assert_eq!(
        queries[0].expected,
        vec![vec!["f(Utf8(\"a\"))", "g"], vec!["x", ""]]
    );
    assert!(queries[1].expected.is_empty());
    assert!(parse_example("no statement").is_err());
}
