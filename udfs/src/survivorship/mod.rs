//! Survivorship: aggregates that choose a golden record's value among the records of one
//! customer, and say where it came from.

mod accumulator;
pub mod candidate;
mod function;
pub mod survive_by_priority;
pub mod survive_first_non_null;
pub mod survive_longest;
pub mod survive_most_frequent;
pub mod survive_most_recent;

use std::sync::Arc;

use datafusion::logical_expr::{AggregateUDF, DocumentationBuilder};

pub use candidate::{Candidate, DEFAULT_SOURCE_PRIORITY, Rule};
pub use function::SurviveFunc;

/// The aggregate functions of this category.
pub fn aggregate_functions() -> Vec<Arc<AggregateUDF>> {
    vec![
        Arc::new(survive_by_priority::udaf()),
        Arc::new(survive_most_recent::udaf()),
        Arc::new(survive_most_frequent::udaf()),
        Arc::new(survive_longest::udaf()),
        Arc::new(survive_first_non_null::udaf()),
    ]
}

/// The arguments every survivorship aggregate takes.
fn argument_docs() -> [(&'static str, &'static str); 6] {
    [
        (
            "value",
            "The field to choose (any type; `survive_longest` needs a string).",
        ),
        ("source", "Source system of the record (string)."),
        ("record_id", "Id of the source record (string)."),
        (
            "ts",
            "When the record was updated (timestamp or date); NULL counts as oldest.",
        ),
        (
            "priority",
            "Optional: a constant array of sources, first wins (default `['cegid', \
             'shopify', 'web']`), or an integer column, lower wins. Breaks ties in the other \
             rules.",
        ),
        (
            "keep_empty",
            "Optional constant boolean, last: true to keep empty and whitespace-only strings \
             as values (default false: they count as missing).",
        ),
    ]
}

fn with_argument_docs(
    mut builder: DocumentationBuilder,
    arguments: &[(&str, &str)],
) -> DocumentationBuilder {
    for (name, description) in arguments {
        builder = builder.with_argument(*name, *description);
    }
    builder
}
