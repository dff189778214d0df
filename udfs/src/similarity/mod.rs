//! String similarity functions: edit distances and similarity scores, with the names other
//! engines use as aliases where the semantics are the same.
//!
//! Conventions shared by every function here:
//! - Strings are compared by Unicode character (scalar value), case-sensitively, except
//!   `trigram_similarity`, which lowercases as pg_trgm does. DuckDB compares bytes, so its
//!   `levenshtein`, `jaro_similarity`, ... differ from ours on non-ASCII text.
//! - A NULL argument gives NULL. So does a string longer than [`MAX_CHARS`] characters
//!   ([`MAX_CHARS_QUADRATIC`] for `damerau_levenshtein`, `osa_distance` and their
//!   similarities, whose work grows with the product of the lengths), which bounds the work
//!   per row; `hamming` (linear) has no limit.
//! - Distances are integers; similarities are `Float64` in [0, 1], except the rapidfuzz
//!   `*_ratio` functions, in [0, 100] as in rapidfuzz. `<distance>_similarity` is
//!   `1 - distance / max(length)` (1 for two empty strings).
//! - Empty strings: the edit-distance similarities give 1 for two empty strings; `jaro`,
//!   `jaro_winkler` and the set-based scores give 0 whenever a string is empty (as DuckDB,
//!   Snowflake and pg_trgm do); `token_sort_ratio` follows rapidfuzz (100 for two empty
//!   strings) and `token_set_ratio` too (0 when either has no word).
//!
//! Rows of a batch share one [`Scratch`]: no allocation per row once its buffers have grown.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod args;
mod damerau_levenshtein;
mod damerau_levenshtein_similarity;
mod edit_distance;
mod editdistance;
mod hamming;
mod jaccard;
mod jaro;
mod jaro_winkler;
mod levenshtein;
mod levenshtein_less_equal;
mod levenshtein_similarity;
mod ngram_jaccard;
mod osa_distance;
mod osa_similarity;
mod scratch;
mod sets;
mod sorensen_dice;
mod token_jaccard;
mod token_set_ratio;
mod token_sort_ratio;
mod trigram_similarity;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod throughput;

pub use damerau_levenshtein::{
    DamerauLevenshteinFunc, damerau_levenshtein, damerau_levenshtein_with,
};
pub use damerau_levenshtein_similarity::{
    DamerauLevenshteinSimilarityFunc, damerau_levenshtein_similarity,
    damerau_levenshtein_similarity_with,
};
pub use editdistance::{EditDistanceFunc, editdistance_capped};
pub use hamming::{HammingFunc, hamming};
pub use jaccard::{JaccardFunc, jaccard, jaccard_with};
pub use jaro::{JaroFunc, jaro, jaro_with};
pub use jaro_winkler::{JaroWinklerFunc, jaro_winkler, jaro_winkler_with};
pub use levenshtein::{LevenshteinFunc, levenshtein, levenshtein_with, levenshtein_within};
pub use levenshtein_less_equal::{LevenshteinLessEqualFunc, levenshtein_less_equal};
pub use levenshtein_similarity::{
    LevenshteinSimilarityFunc, levenshtein_similarity, levenshtein_similarity_with,
};
pub use ngram_jaccard::{NgramJaccardFunc, ngram_jaccard, ngram_jaccard_with};
pub use osa_distance::{OsaDistanceFunc, osa_distance, osa_distance_with};
pub use osa_similarity::{OsaSimilarityFunc, osa_similarity, osa_similarity_with};
pub use scratch::Scratch;
pub use sorensen_dice::{SorensenDiceFunc, sorensen_dice, sorensen_dice_with};
pub use token_jaccard::{TokenJaccardFunc, token_jaccard, token_jaccard_with};
pub use token_set_ratio::{TokenSetRatioFunc, token_set_ratio, token_set_ratio_with};
pub use token_sort_ratio::{TokenSortRatioFunc, token_sort_ratio, token_sort_ratio_with};
pub use trigram_similarity::{TrigramSimilarityFunc, trigram_similarity, trigram_similarity_with};

/// Longest string, in characters, compared by the functions whose work is linear or
/// bit-parallel (O(n·m/64)); a longer argument gives NULL.
pub const MAX_CHARS: usize = 16_384;
/// Longest string, in characters, compared by the O(n·m) functions (`damerau_levenshtein`,
/// `osa_distance` and their similarities); a longer argument gives NULL.
pub const MAX_CHARS_QUADRATIC: usize = 4_096;
/// n-gram length of `ngram_jaccard` and `sorensen_dice` when none is given: bigrams.
pub const DEFAULT_NGRAM: i64 = 2;
/// Longest n-gram accepted; a larger `n` gives NULL.
pub const MAX_NGRAM: usize = 32;

/// Every function of this category.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(LevenshteinFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(EditDistanceFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(LevenshteinLessEqualFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(LevenshteinSimilarityFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(DamerauLevenshteinFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(
            DamerauLevenshteinSimilarityFunc::new(),
        )),
        Arc::new(ScalarUDF::new_from_impl(OsaDistanceFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(OsaSimilarityFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(HammingFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(JaroFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(JaroWinklerFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(JaccardFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(NgramJaccardFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(TokenJaccardFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(SorensenDiceFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(TrigramSimilarityFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(TokenSortRatioFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(TokenSetRatioFunc::new())),
    ]
}

/// `1 - distance / max(chars(a), chars(b))`, 1 for two empty strings.
fn normalized_similarity(distance: usize, a: &str, b: &str) -> f64 {
    let chars = |s: &str| {
        if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        }
    };
    let longest = chars(a).max(chars(b));
    if longest == 0 {
        1.0
    } else {
        1.0 - distance as f64 / longest as f64
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::util::pretty::pretty_format_batches;
    use datafusion::common::Result;
    use datafusion::prelude::SessionContext;

    use super::*;

    /// Every documented example runs and prints exactly what the documentation shows.
    #[tokio::test]
    async fn documentation_examples_are_real() -> Result<()> {
        let ctx = SessionContext::new();
        crate::register_all(&ctx)?;
        let mut wrong = Vec::new();
        for udf in functions() {
            let example = udf
                .documentation()
                .and_then(|d| d.sql_example.clone())
                .unwrap_or_default();
            let query = example
                .lines()
                .find_map(|l| l.strip_prefix("> "))
                .unwrap_or_default();
            let expected: Vec<&str> = example
                .lines()
                .skip_while(|l| !l.starts_with('+'))
                .take_while(|l| !l.starts_with("```"))
                .collect();
            let batches = ctx.sql(query).await?.collect().await?;
            let actual = pretty_format_batches(&batches)?.to_string();
            if actual.lines().collect::<Vec<_>>() != expected {
                wrong.push(format!("{}:\n> {query}\n{actual}", udf.name()));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        Ok(())
    }
}
