//! The function reference (`udfs/docs/functions.md`), rendered from the documentation each
//! function carries in code.
//!
//! Nothing here is written by hand: a function's description, syntax, arguments, SQL example
//! and related functions come from its [`Documentation`], its aliases from
//! [`ScalarUDF::aliases`]. The test `tests/function_docs.rs` renders the reference and fails
//! when the committed file differs; `UPDATE_DOCS=1 cargo test -p amigo-udfs --test
//! function_docs` rewrites it.

use std::collections::HashSet;
use std::fmt::Write;
use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, DocSection, Documentation, ScalarUDF};

/// Path of the generated reference, relative to the crate root.
pub const FUNCTION_REFERENCE_PATH: &str = "docs/functions.md";

/// Renders the reference of every amigo function ([`crate::all_scalar_functions`], then
/// [`crate::all_aggregate_functions`] within each section).
pub fn function_reference() -> String {
    let scalars = crate::all_scalar_functions();
    let aggregates = crate::all_aggregate_functions();
    render_entries(&entries(&scalars, &aggregates))
}

/// What the reference shows of a function, scalar or aggregate.
struct Entry<'a> {
    name: &'a str,
    aliases: &'a [String],
    doc: Option<&'a Documentation>,
}

fn entries<'a>(
    scalars: &'a [Arc<ScalarUDF>],
    aggregates: &'a [Arc<AggregateUDF>],
) -> Vec<Entry<'a>> {
    let scalars = scalars.iter().map(|f| Entry {
        name: f.name(),
        aliases: f.aliases(),
        doc: f.documentation(),
    });
    let aggregates = aggregates.iter().map(|f| Entry {
        name: f.name(),
        aliases: f.aliases(),
        doc: f.documentation(),
    });
    scalars.chain(aggregates).collect()
}

/// Renders the Markdown reference of `functions`: a table of contents, then one part per
/// documentation section in the order the sections first appear in `functions`, and in each
/// part the functions in the order of `functions`.
///
/// A function without documentation is listed at the end under "Undocumented functions", so
/// that it shows in the diff; the test on the reference fails on it.
pub fn render_function_reference(functions: &[Arc<ScalarUDF>]) -> String {
    render_entries(&entries(functions, &[]))
}

fn render_entries(functions: &[Entry<'_>]) -> String {
    let documented: Vec<(&Entry<'_>, &Documentation)> = functions
        .iter()
        .filter_map(|f| f.doc.map(|doc| (f, doc)))
        .collect();
    let undocumented: Vec<&str> = functions
        .iter()
        .filter(|f| f.doc.is_none())
        .map(|f| f.name)
        .collect();
    let sections = sections_in_order(&documented);
    let names: HashSet<&str> = documented.iter().map(|(f, _)| f.name).collect();

    let mut out = String::new();
    out.push_str(
        "<!-- Generated from the functions' documentation in code (udfs/src/docs.rs). Do not \
         edit: regenerate with\n     UPDATE_DOCS=1 cargo test -p amigo-udfs --test \
         function_docs -->\n\n",
    );
    out.push_str("# amigo function reference\n\n");
    out.push_str(
        "SQL functions of the `amigo-udfs` crate. Every function takes and returns Arrow \
         values of any string type (Utf8, LargeUtf8, Utf8View or a dictionary of those) unless \
         its arguments say otherwise; a NULL argument gives NULL, and a value the function \
         cannot interpret gives NULL rather than an error. `amigo_udfs::register_all(&ctx)` \
         registers them all in a DataFusion `SessionContext`.\n\n",
    );

    out.push_str("## Contents\n\n");
    for section in &sections {
        let _ = writeln!(out, "- [{}](#{})", section.label, anchor(section.label));
        for (f, _) in documented.iter().filter(|(_, d)| d.doc_section == *section) {
            let _ = write!(out, "  - [{0}](#{0})", f.name);
            if !f.aliases.is_empty() {
                let _ = write!(out, " (alias {})", code_list(f.aliases));
            }
            out.push('\n');
        }
    }
    if !undocumented.is_empty() {
        out.push_str("- [Undocumented functions](#undocumented-functions)\n");
    }

    for section in &sections {
        let _ = write!(out, "\n## {}\n\n", section.label);
        if let Some(description) = section.description {
            let _ = writeln!(out, "{description}\n");
        }
        for (f, doc) in documented.iter().filter(|(_, d)| d.doc_section == *section) {
            render_function(&mut out, f, doc, &names);
        }
    }
    if !undocumented.is_empty() {
        out.push_str("\n## Undocumented functions\n\n");
        for name in undocumented {
            let _ = writeln!(out, "- `{name}`");
        }
    }
    // One trailing newline, whatever the last part ended with.
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The documentation sections of `documented`, each once, in order of first appearance.
fn sections_in_order(documented: &[(&Entry<'_>, &Documentation)]) -> Vec<DocSection> {
    let mut sections: Vec<DocSection> = Vec::new();
    for (_, doc) in documented {
        if !sections.contains(&doc.doc_section) {
            sections.push(doc.doc_section.clone());
        }
    }
    sections
}

fn render_function(out: &mut String, f: &Entry<'_>, doc: &Documentation, names: &HashSet<&str>) {
    let _ = write!(out, "### `{}`\n\n", f.name);
    let _ = write!(out, "{}\n\n", doc.description.trim());
    let _ = write!(out, "```sql\n{}\n```\n\n", doc.syntax_example.trim());
    if let Some(arguments) = &doc.arguments {
        out.push_str("#### Arguments\n\n");
        for (name, description) in arguments {
            let _ = writeln!(out, "- **{name}**: {}", description.trim());
        }
        out.push('\n');
    }
    if !f.aliases.is_empty() {
        out.push_str("#### Aliases\n\n");
        for alias in f.aliases {
            let _ = writeln!(out, "- `{alias}`");
        }
        out.push('\n');
    }
    if let Some(example) = &doc.sql_example {
        let _ = write!(out, "#### Example\n\n{}\n\n", example.trim());
    }
    if let Some(related) = &doc.related_udfs {
        out.push_str("#### Related functions\n\n");
        for name in related {
            // Related functions outside this crate (DataFusion's own) have no anchor here.
            if names.contains(name.as_str()) {
                let _ = writeln!(out, "- [{name}](#{name})");
            } else {
                let _ = writeln!(out, "- `{name}`");
            }
        }
        out.push('\n');
    }
}

fn code_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The anchor GitHub gives a heading: lowercase, spaces to hyphens, punctuation dropped.
fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_follow_github() {
        assert_eq!(anchor("Date and Time Functions"), "date-and-time-functions");
        assert_eq!(anchor("Email Functions"), "email-functions");
    }

    #[test]
    fn reference_lists_every_function_once_per_section() {
        let reference = function_reference();
        let aggregates = crate::all_aggregate_functions();
        let names = crate::all_scalar_functions()
            .iter()
            .map(|f| f.name().to_owned())
            .chain(aggregates.iter().map(|f| f.name().to_owned()))
            .collect::<Vec<_>>();
        for name in names {
            let heading = format!("\n### `{name}`\n");
            assert_eq!(
                reference.matches(&heading).count(),
                1,
                "{name} should have one heading"
            );
            assert!(
                reference.contains(&format!("  - [{name}](#{name})")),
                "{name} is missing from the contents"
            );
        }
        assert!(reference.ends_with("\n") && !reference.ends_with("\n\n"));
    }
}
