//! Properties of every similarity function on arbitrary input: no panic, values in range,
//! symmetry, identity, and the ASCII fast paths agreeing with the general ones.

use proptest::prelude::*;

use super::scratch::{ASCII_ALPHABET, PatternTable, Scratch};
use super::*;

/// Arbitrary strings, short strings over small alphabets (so that they share characters),
/// and long ones up to ~10 KB.
fn any_string() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "\\PC{0,30}",
        4 => "[abcdeé ]{0,12}",
        1 => "[a-z ]{500,3000}",
        1 => "\\PC{1000,2500}",
        1 => Just(String::new()),
    ]
}

/// Every score of the module for one pair, in a fixed order.
fn scores(s: &mut Scratch, a: &str, b: &str) -> Vec<Option<f64>> {
    let dist = |d: Option<usize>| d.map(|d| d as f64);
    vec![
        dist(levenshtein_with(s, a, b)),
        levenshtein_within(s, a, b, 3).map(|d| d as f64),
        editdistance_capped(s, a, b, 3).map(|d| d as f64),
        levenshtein_less_equal(s, a, b, 3).map(|d| d as f64),
        levenshtein_similarity_with(s, a, b),
        dist(damerau_levenshtein_with(s, a, b)),
        damerau_levenshtein_similarity_with(s, a, b),
        dist(osa_distance_with(s, a, b)),
        osa_similarity_with(s, a, b),
        dist(hamming(a, b)),
        jaro_with(s, a, b),
        jaro_winkler_with(s, a, b),
        jaccard_with(s, a, b),
        ngram_jaccard_with(s, a, b, 2),
        ngram_jaccard_with(s, a, b, 3),
        token_jaccard_with(s, a, b),
        sorensen_dice_with(s, a, b, 2),
        trigram_similarity_with(s, a, b),
        token_sort_ratio_with(s, a, b),
        token_set_ratio_with(s, a, b),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn no_panic_symmetric_and_in_range(a in any_string(), b in any_string()) {
        let mut s = Scratch::new();
        let forward = scores(&mut s, &a, &b);
        // The same buffers, reused in the other order, give the same values.
        let backward = scores(&mut s, &b, &a);
        prop_assert_eq!(&forward, &backward);
        // Fresh buffers agree with reused ones.
        prop_assert_eq!(&forward, &scores(&mut Scratch::new(), &a, &b));

        let similarities = [
            levenshtein_similarity_with(&mut s, &a, &b),
            damerau_levenshtein_similarity_with(&mut s, &a, &b),
            osa_similarity_with(&mut s, &a, &b),
            jaro_with(&mut s, &a, &b),
            jaro_winkler_with(&mut s, &a, &b),
            jaccard_with(&mut s, &a, &b),
            ngram_jaccard_with(&mut s, &a, &b, 2),
            token_jaccard_with(&mut s, &a, &b),
            sorensen_dice_with(&mut s, &a, &b, 2),
            trigram_similarity_with(&mut s, &a, &b),
        ];
        for value in similarities.into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&value), "{value}");
        }
        for value in [token_sort_ratio_with(&mut s, &a, &b), token_set_ratio_with(&mut s, &a, &b)]
            .into_iter()
            .flatten()
        {
            prop_assert!((0.0..=100.0).contains(&value), "{value}");
        }
        if let (Some(lev), Some(dl), Some(osa)) = (
            levenshtein(&a, &b),
            damerau_levenshtein(&a, &b),
            osa_distance(&a, &b),
        ) {
            prop_assert!(dl <= osa && osa <= lev);
            prop_assert_eq!(lev == 0, a == b);
            prop_assert_eq!(dl == 0, a == b);
            prop_assert_eq!(osa == 0, a == b);
        }
        if let Some(h) = hamming(&a, &b) {
            prop_assert_eq!(h == 0, a == b);
            prop_assert!(Some(h) >= levenshtein(&a, &b));
        }
    }

    #[test]
    fn identical_strings_score_as_identical(a in any_string()) {
        let mut s = Scratch::new();
        prop_assert_eq!(levenshtein(&a, &a), Some(0));
        prop_assert_eq!(hamming(&a, &a), Some(0));
        prop_assert_eq!(levenshtein_similarity(&a, &a), Some(1.0));
        prop_assert_eq!(token_sort_ratio(&a, &a), Some(100.0));
        if !a.is_empty() {
            prop_assert_eq!(jaro_with(&mut s, &a, &a), Some(1.0));
            prop_assert_eq!(jaro_winkler_with(&mut s, &a, &a), Some(1.0));
            prop_assert_eq!(jaccard_with(&mut s, &a, &a), Some(1.0));
            prop_assert_eq!(ngram_jaccard_with(&mut s, &a, &a, 3), Some(1.0));
            prop_assert_eq!(sorensen_dice_with(&mut s, &a, &a, 2), Some(1.0));
        }
        if a.split_whitespace().next().is_some() {
            prop_assert_eq!(token_set_ratio(&a, &a), Some(100.0));
            prop_assert_eq!(token_jaccard(&a, &a), Some(1.0));
        }
    }

    #[test]
    fn jaro_ascii_path_matches_the_general_path(
        a in "[a-f]{0,70}|[ -~]{0,200}",
        b in "[a-f]{0,70}|[ -~]{0,200}",
    ) {
        let mut table = PatternTable::default();
        let (mut pf, mut tf) = (Vec::new(), Vec::new());
        let bytes = jaro::jaro_symbols(
            a.as_bytes(), b.as_bytes(), ASCII_ALPHABET, &mut table, &mut pf, &mut tf,
        );
        let mut encoder = scratch::Encoder::default();
        let (x, y, k) = encoder.encode_ids(&a, &b);
        let ids = jaro::jaro_symbols(x, y, k, &mut table, &mut pf, &mut tf);
        prop_assert_eq!(bytes, ids);
        prop_assert_eq!(Some(bytes), jaro(&a, &b));
    }

    #[test]
    fn jaro_matches_the_textbook_definition(
        a in "[abcé]{0,14}|[abc]{50,300}",
        b in "[abcé]{0,14}|[abc]{50,300}",
    ) {
        let expected = naive_jaro(&a.chars().collect::<Vec<_>>(), &b.chars().collect::<Vec<_>>());
        let actual = jaro(&a, &b).unwrap_or(-1.0);
        prop_assert!((actual - expected).abs() < 1e-12, "{actual} vs {expected}");
    }

    #[test]
    fn jaccard_ascii_bit_set_matches_the_general_path(a in "[ -~]{0,40}", b in "[ -~]{0,40}") {
        prop_assert_eq!(jaccard(&a, &b), ngram_jaccard(&a, &b, 1));
    }
}

/// Jaro as usually written (Wikipedia): a quadratic scan with match flags.
fn naive_jaro(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let (mut a_matched, mut b_matched) = (vec![false; a.len()], vec![false; b.len()]);
    let mut m = 0;
    for (j, cb) in b.iter().enumerate() {
        let lo = j.saturating_sub(window);
        let hi = (j + window + 1).min(a.len());
        for i in lo..hi {
            if !a_matched[i] && a[i] == *cb {
                a_matched[i] = true;
                b_matched[j] = true;
                m += 1;
                break;
            }
        }
    }
    if m == 0 {
        return 0.0;
    }
    let a_seq = a
        .iter()
        .zip(&a_matched)
        .filter(|(_, f)| **f)
        .map(|(c, _)| c);
    let b_seq = b
        .iter()
        .zip(&b_matched)
        .filter(|(_, f)| **f)
        .map(|(c, _)| c);
    let t = a_seq.zip(b_seq).filter(|(x, y)| x != y).count() / 2;
    let m = m as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - t as f64) / m) / 3.0
}
