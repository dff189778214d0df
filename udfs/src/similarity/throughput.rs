//! Rough single-thread throughput of the hot functions over a million realistic name pairs,
//! printed, not asserted. Run with
//! `cargo test --release -p amigo-udfs --lib similarity::throughput -- --ignored --nocapture`.

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF};

use super::*;

const PAIRS: usize = 1_000_000;
const BATCH: usize = 8192;

const FIRST: &[&str] = &[
    "Jean",
    "Marie",
    "Pierre",
    "Anne",
    "Jean-Pierre",
    "Marie-Claire",
    "François",
    "Hélène",
    "Nathalie",
    "Isabelle",
    "Philippe",
    "Catherine",
    "Nicolas",
    "Sophie",
    "Michel",
    "Camille",
    "Thomas",
    "Julien",
    "Mohamed",
    "Emma",
    "Léa",
    "Lucas",
    "Chloé",
    "Hugo",
    "Manon",
    "Louis",
];
const LAST: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "Andre",
    "Lefevre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Francois",
    "Martinez",
    "Nguyen",
    "Van der Berg",
    "De La Fontaine",
    "Müller",
];

/// A deterministic xorshift generator: no dependency, same pairs on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// "First Last" names, the second of each pair a typo'd copy 70% of the time (one to two
/// substitutions, insertions, deletions or swaps) and another name otherwise.
fn name_pairs() -> Vec<(String, String)> {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let name = |rng: &mut Rng| {
        let (f, l) = (FIRST[rng.below(FIRST.len())], LAST[rng.below(LAST.len())]);
        match rng.below(4) {
            0 => format!("{} {}", f.to_uppercase(), l.to_uppercase()),
            1 => format!("{l} {f}"),
            _ => format!("{f} {l}"),
        }
    };
    (0..PAIRS)
        .map(|_| {
            let a = name(&mut rng);
            let b = if rng.below(10) < 7 {
                let mut chars: Vec<char> = a.chars().collect();
                for _ in 0..=rng.below(2) {
                    let i = rng.below(chars.len());
                    match rng.below(4) {
                        0 => chars[i] = (b'a' + rng.below(26) as u8) as char,
                        1 => chars.insert(i, (b'a' + rng.below(26) as u8) as char),
                        2 if chars.len() > 1 => {
                            chars.remove(i);
                        }
                        _ if i + 1 < chars.len() => chars.swap(i, i + 1),
                        _ => {}
                    }
                }
                chars.into_iter().collect()
            } else {
                name(&mut rng)
            };
            (a, b)
        })
        .collect()
}

fn batches(pairs: &[(String, String)]) -> Vec<(ArrayRef, ArrayRef)> {
    pairs
        .chunks(BATCH)
        .map(|chunk| {
            let a: StringArray = chunk.iter().map(|(a, _)| Some(a.as_str())).collect();
            let b: StringArray = chunk.iter().map(|(_, b)| Some(b.as_str())).collect();
            (Arc::new(a) as ArrayRef, Arc::new(b) as ArrayRef)
        })
        .collect()
}

/// Best of three runs of `f`, which returns a rate: the machine may be busy.
fn best_of_three(mut f: impl FnMut() -> f64) -> f64 {
    (0..3).map(|_| f()).fold(0.0, f64::max)
}

/// Calls `udf` on every batch as DataFusion would; returns values per second.
fn udf_rate(udf: &ScalarUDF, batches: &[(ArrayRef, ArrayRef)]) -> f64 {
    best_of_three(|| udf_rate_once(udf, batches))
}

fn udf_rate_once(udf: &ScalarUDF, batches: &[(ArrayRef, ArrayRef)]) -> f64 {
    let arg_types = [DataType::Utf8, DataType::Utf8];
    let return_type = udf.return_type(&arg_types).unwrap_or(DataType::Null);
    let arg_fields: Vec<_> = arg_types
        .iter()
        .map(|t| Arc::new(Field::new("s", t.clone(), true)))
        .collect();
    let start = Instant::now();
    let mut rows = 0;
    for (a, b) in batches {
        let args = ScalarFunctionArgs {
            args: vec![
                ColumnarValue::Array(a.clone()),
                ColumnarValue::Array(b.clone()),
            ],
            arg_fields: arg_fields.clone(),
            number_rows: a.len(),
            return_field: Arc::new(Field::new("out", return_type.clone(), true)),
            config_options: Arc::new(ConfigOptions::default()),
        };
        if let Ok(ColumnarValue::Array(out)) = udf.invoke_with_args(args) {
            rows += out.len();
        }
    }
    rows as f64 / start.elapsed().as_secs_f64()
}

fn pairs_rate(pairs: &[(String, String)], mut f: impl FnMut(&str, &str) -> f64) -> f64 {
    best_of_three(|| {
        let start = Instant::now();
        let checksum: f64 = pairs.iter().map(|(a, b)| f(a, b)).sum();
        let rate = pairs.len() as f64 / start.elapsed().as_secs_f64();
        assert!(checksum.is_finite());
        rate
    })
}

#[test]
#[ignore = "timing, run in release mode by hand"]
fn throughput() {
    let pairs = name_pairs();
    // To time other engines on the very same pairs.
    if let Ok(path) = std::env::var("SIMILARITY_PAIRS_TSV") {
        let tsv: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
        std::fs::write(&path, tsv).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let batches = batches(&pairs);
    let mut s = Scratch::new();
    let report = |what: &str, rate: f64| println!("{what:<48} {:>7.2} M values/s", rate / 1e6);

    report(
        "jaro_winkler (UDF, Utf8 arrays)",
        udf_rate(&ScalarUDF::new_from_impl(JaroWinklerFunc::new()), &batches),
    );
    report(
        "levenshtein (UDF, Utf8 arrays)",
        udf_rate(&ScalarUDF::new_from_impl(LevenshteinFunc::new()), &batches),
    );
    report(
        "DataFusion built-in levenshtein (UDF)",
        udf_rate(&datafusion::functions::string::levenshtein(), &batches),
    );
    report(
        "damerau_levenshtein (UDF)",
        udf_rate(
            &ScalarUDF::new_from_impl(DamerauLevenshteinFunc::new()),
            &batches,
        ),
    );
    report(
        "trigram_similarity (UDF)",
        udf_rate(
            &ScalarUDF::new_from_impl(TrigramSimilarityFunc::new()),
            &batches,
        ),
    );
    report(
        "token_set_ratio (UDF)",
        udf_rate(
            &ScalarUDF::new_from_impl(TokenSetRatioFunc::new()),
            &batches,
        ),
    );
    report(
        "jaro_winkler_with (pure function)",
        pairs_rate(&pairs, |a, b| {
            jaro_winkler_with(&mut s, a, b).unwrap_or(0.0)
        }),
    );
    report(
        "levenshtein_with (pure function)",
        pairs_rate(&pairs, |a, b| {
            levenshtein_with(&mut s, a, b).unwrap_or(0) as f64
        }),
    );
    report(
        "rapidfuzz 0.5 jaro_winkler::similarity",
        pairs_rate(&pairs, |a, b| {
            rapidfuzz::distance::jaro_winkler::similarity(a.chars(), b.chars())
        }),
    );
    report(
        "rapidfuzz 0.5 levenshtein::distance",
        pairs_rate(&pairs, |a, b| {
            rapidfuzz::distance::levenshtein::distance(a.chars(), b.chars()) as f64
        }),
    );
}
