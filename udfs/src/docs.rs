//! The function reference (`udfs/docs/functions.md`), rendered from the documentation each
//! function carries in code.
//!
//! Nothing here is written by hand: a function's description, syntax, arguments, SQL example
//! and related functions come from its [`Documentation`], its aliases from
//! [`ScalarUDF::aliases`] (or [`AggregateUDF::aliases`]). The test `tests/function_docs.rs` renders the reference and fails
//! when the committed file differs; `UPDATE_DOCS=1 cargo test -p amigo-udfs --test
//! function_docs` rewrites it.

use datafusion::logical_expr::{AggregateUDF, DocSection, Documentation, ScalarUDF};
use std::collections::HashSet;
use std::fmt::Write;

/// Path of the generated reference, relative to the crate root.
pub const FUNCTION_REFERENCE_PATH: &str = "docs/functions.md";

/// What the reference needs of a function, scalar or aggregate.
#[derive(Debug, Clone)]
pub struct DocumentedFunction {
    pub name: String,
    pub aliases: Vec<String>,
    pub documentation: Option<Documentation>,
}

impl DocumentedFunction {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn aliases(&self) -> &[String] {
        &self.aliases
    }

    pub fn documentation(&self) -> Option<&Documentation> {
        self.documentation.as_ref()
    }
}

impl From<&ScalarUDF> for DocumentedFunction {
    fn from(f: &ScalarUDF) -> Self {
        Self {
            name: f.name().to_owned(),
            aliases: f.aliases().to_vec(),
            documentation: f.documentation().cloned(),
        }
    }
}

impl From<&AggregateUDF> for DocumentedFunction {
    fn from(f: &AggregateUDF) -> Self {
        Self {
            name: f.name().to_owned(),
            aliases: f.aliases().to_vec(),
            documentation: f.documentation().cloned(),
        }
    }
}

/// Every amigo function, scalar ([`crate::all_scalar_functions`]) then aggregate
/// ([`crate::all_aggregate_functions`]).
pub fn all_documented_functions() -> Vec<DocumentedFunction> {
    let scalars = crate::all_scalar_functions();
    let aggregates = crate::all_aggregate_functions();
    scalars
        .iter()
        .map(|f| DocumentedFunction::from(f.as_ref()))
        .chain(
            aggregates
                .iter()
                .map(|f| DocumentedFunction::from(f.as_ref())),
        )
        .collect()
}

/// Renders the reference of every amigo function ([`all_documented_functions`]).
pub fn function_reference() -> String {
    render_function_reference(&all_documented_functions())
}

/// Renders the Markdown reference of `functions`: a table of contents, then one part per
/// documentation section in the order the sections first appear in `functions`, and in each
/// part the functions in the order of `functions`.
///
/// A function without documentation is listed at the end under "Undocumented functions", so
/// that it shows in the diff; the test on the reference fails on it.
pub fn render_function_reference(functions: &[DocumentedFunction]) -> String {
    let documented: Vec<(&DocumentedFunction, &Documentation)> = functions
        .iter()
        .filter_map(|f| f.documentation().map(|doc| (f, doc)))
        .collect();
    let undocumented: Vec<&str> = functions
        .iter()
        .filter(|f| f.documentation().is_none())
        .map(|f| f.name())
        .collect();
    let sections = sections_in_order(&documented);
    let names: HashSet<&str> = documented.iter().map(|(f, _)| f.name()).collect();

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
         registers them all in a DataFusion `SessionContext`. The aggregate functions \
         (Fellegi-Sunter training, survivorship, consent) are used with `GROUP BY` and say \
         which argument types they take.\n\n",
    );

    out.push_str("## Contents\n\n");
    for section in &sections {
        let _ = writeln!(out, "- [{}](#{})", section.label, anchor(section.label));
        for (f, _) in documented.iter().filter(|(_, d)| d.doc_section == *section) {
            let _ = write!(out, "  - [{0}](#{0})", f.name());
            if !f.aliases().is_empty() {
                let _ = write!(out, " (alias {})", code_list(f.aliases()));
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
fn sections_in_order(documented: &[(&DocumentedFunction, &Documentation)]) -> Vec<DocSection> {
    let mut sections: Vec<DocSection> = Vec::new();
    for (_, doc) in documented {
        if !sections.contains(&doc.doc_section) {
            sections.push(doc.doc_section.clone());
        }
    }
    sections
}

fn render_function(
    out: &mut String,
    f: &DocumentedFunction,
    doc: &Documentation,
    names: &HashSet<&str>,
) {
    let _ = write!(out, "### `{}`\n\n", f.name());
    let _ = write!(out, "{}\n\n", doc.description.trim());
    let _ = write!(out, "```sql\n{}\n```\n\n", doc.syntax_example.trim());
    if let Some(arguments) = &doc.arguments {
        out.push_str("#### Arguments\n\n");
        for (name, description) in arguments {
            let _ = writeln!(out, "- **{name}**: {}", description.trim());
        }
        out.push('\n');
    }
    if !f.aliases().is_empty() {
        out.push_str("#### Aliases\n\n");
        for alias in f.aliases() {
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
        for f in all_documented_functions() {
            let heading = format!("\n### `{}`\n", f.name());
            assert_eq!(
                reference.matches(&heading).count(),
                1,
                "{} should have one heading",
                f.name()
            );
            assert!(
                reference.contains(&format!("  - [{0}](#{0})", f.name())),
                "{} is missing from the contents",
                f.name()
            );
        }
        assert!(reference.ends_with("\n") && !reference.ends_with("\n\n"));
    }
}
