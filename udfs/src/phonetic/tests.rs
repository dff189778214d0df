//! Tests across the phonetic functions: agreement with PostgreSQL and commons-codec on a few
//! thousand names, properties on arbitrary input, and a rough throughput measurement.

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::{Array, ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::config::ConfigOptions;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs};
use proptest::prelude::*;
use rphonetic::Encoder;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::*;

/// Names with their codes computed by PostgreSQL 15 fuzzystrmatch (see the file's header).
const POSTGRESQL_REFERENCE: &str = include_str!("testdata/postgresql_fuzzystrmatch.tsv");

struct Reference<'a> {
    name: &'a str,
    soundex: &'a str,
    metaphone: &'a str,
    dmetaphone: &'a str,
    dmetaphone_alt: &'a str,
}

fn postgresql_reference() -> Vec<Reference<'static>> {
    POSTGRESQL_REFERENCE
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 5, "{line:?}");
            Reference {
                name: fields[0],
                soundex: fields[1],
                metaphone: fields[2],
                dmetaphone: fields[3],
                dmetaphone_alt: fields[4],
            }
        })
        .collect()
}

/// PostgreSQL's empty string is our NULL.
fn or_empty<C: AsRef<str>>(code: Option<C>) -> String {
    code.map(|c| c.as_ref().to_owned()).unwrap_or_default()
}

#[test]
fn metaphone_and_double_metaphone_agree_with_postgresql() {
    let reference = postgresql_reference();
    assert!(reference.len() > 2000);
    for r in &reference {
        assert_eq!(
            or_empty(metaphone(r.name, 255)),
            r.metaphone,
            "metaphone {}",
            r.name
        );
        let codes = double_metaphone(r.name);
        let primary = codes.map(|c| c.primary);
        let alternate = codes.map(|c| c.alternate);
        assert_eq!(or_empty(primary), r.dmetaphone, "dmetaphone {}", r.name);
        assert_eq!(
            or_empty(alternate),
            r.dmetaphone_alt,
            "dmetaphone_alt {}",
            r.name
        );
    }
}

#[test]
fn soundex_agrees_with_postgresql_except_the_h_w_rule() {
    let mut differences = 0;
    for r in postgresql_reference() {
        let ours = or_empty(soundex(r.name));
        if ours != r.soundex {
            // PostgreSQL lets H and W (and non-letters) separate letters with the same digit.
            let inner = r.name[1..].to_ascii_uppercase();
            assert!(
                inner.contains(['H', 'W', ' ', '-', '\'']),
                "soundex {}: {ours} vs PostgreSQL {}",
                r.name,
                r.soundex
            );
            differences += 1;
        }
    }
    assert!(differences < 100, "{differences} differences");
}

#[test]
fn nysiis_agrees_with_commons_codec() {
    // rphonetic ports Apache commons-codec's Nysiis (strict mode: six characters).
    let commons = rphonetic::Nysiis::default();
    for r in postgresql_reference() {
        assert_eq!(
            or_empty(nysiis(r.name)),
            commons.encode(r.name),
            "{}",
            r.name
        );
    }
}

/// `s` without accents and in uppercase, computed independently of the folding code.
fn strip_accents_and_uppercase(s: &str) -> String {
    s.nfd()
        .filter(|&c| !is_combining_mark(c))
        .collect::<String>()
        .to_uppercase()
}

/// Every code of `s`, as strings ("" for NULL).
fn all_codes(s: &str) -> [String; 7] {
    let dm = double_metaphone(s);
    [
        or_empty(soundex(s)),
        or_empty(metaphone(s, 4)),
        or_empty(metaphone(s, 255)),
        or_empty(dm.map(|c| c.primary)),
        or_empty(dm.map(|c| c.alternate)),
        or_empty(nysiis(s)),
        or_empty(soundex_fr(s)),
    ]
}

const MAX_LENGTHS: [usize; 7] = [4, 4, MAX_METAPHONE_LEN, 4, 4, NYSIIS_LEN, 4];

proptest! {
    #[test]
    fn any_input_gives_short_ascii_codes(s in "\\PC*") {
        for (code, max) in all_codes(&s).iter().zip(MAX_LENGTHS) {
            prop_assert!(code.len() <= max, "{code:?}");
            prop_assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
        }
        let _ = difference(&s, "Martin");
    }

    #[test]
    fn long_inputs_are_bounded(s in "\\PC{0,200}", repeat in 1usize..60) {
        let long = s.repeat(repeat);
        for (code, max) in all_codes(&long).iter().zip(MAX_LENGTHS) {
            prop_assert!(code.len() <= max);
        }
    }

    #[test]
    fn accents_and_case_do_not_change_codes(
        s in "[a-zA-ZàâäéèêëîïôöùûüÿçñÀÂÄÉÈÊËÎÏÔÖÙÛÜÇÑáíóúãõåÅ' -]{0,24}"
    ) {
        prop_assert_eq!(all_codes(&s), all_codes(&strip_accents_and_uppercase(&s)));
    }

    #[test]
    fn difference_is_symmetric_and_bounded(a in "\\PC{0,20}", b in "\\PC{0,20}") {
        let d = difference(&a, &b);
        prop_assert_eq!(d, difference(&b, &a));
        prop_assert!(d.is_none_or(|d| (0..=4).contains(&d)));
        prop_assert_eq!(d.is_some(), soundex(&a).is_some() && soundex(&b).is_some());
    }
}

#[test]
fn empty_and_huge_inputs() {
    for s in [
        "",
        " ",
        "\u{0}",
        &"é".repeat(10_000),
        &"Wolfeschlegelsteinhausen".repeat(500),
    ] {
        for (code, max) in all_codes(s).iter().zip(MAX_LENGTHS) {
            assert!(code.len() <= max);
        }
    }
}

/// Rough throughput of each function over realistic names, in values per second, through the
/// SQL functions on a 1M-row Arrow array. Run with
/// `cargo test --release -p amigo-udfs --lib phonetic::tests::throughput -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run in release mode by hand"]
fn throughput() -> datafusion::common::Result<()> {
    let names: Vec<&str> = postgresql_reference().iter().map(|r| r.name).collect();
    let accented = ["Hélène", "François", "Müller", "Gaëlle", "Jérôme", "Noël"];
    let rows = 1_000_000;
    let values: Vec<&str> = names
        .iter()
        .chain(&accented)
        .cycle()
        .take(rows)
        .copied()
        .collect();
    let array: ArrayRef = Arc::new(StringArray::from(values.clone()));
    for udf in functions() {
        let mut args = vec![ColumnarValue::Array(Arc::clone(&array))];
        if udf.name() == "difference" {
            args.push(ColumnarValue::Scalar("Martin".into()));
        }
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
            .collect();
        let return_type =
            udf.return_type(&args.iter().map(|a| a.data_type()).collect::<Vec<_>>())?;
        let start = Instant::now();
        let out = udf.invoke_with_args(ScalarFunctionArgs {
            args,
            arg_fields,
            number_rows: rows,
            return_field: Arc::new(Field::new("out", return_type, true)),
            config_options: Arc::new(ConfigOptions::default()),
        })?;
        let seconds = start.elapsed().as_secs_f64();
        let out = out.into_array(rows)?;
        assert_eq!(out.len(), rows);
        assert!(matches!(out.data_type(), DataType::Utf8 | DataType::Int32));
        println!(
            "{:<22} {:>6.2} M values/s ({} nulls)",
            udf.name(),
            rows as f64 / seconds / 1e6,
            out.null_count()
        );
    }
    // For comparison, rphonetic (commons-codec port) per value, on ASCII only: it panics on
    // some accented input (byte slicing inside a character).
    let ascii: Vec<&str> = values.iter().copied().filter(|v| v.is_ascii()).collect();
    let start = Instant::now();
    let encoder = rphonetic::DoubleMetaphone::default();
    let total: usize = ascii.iter().map(|v| encoder.encode(v).len()).sum();
    println!(
        "rphonetic DoubleMetaphone {:>6.2} M values/s ({total} bytes)",
        ascii.len() as f64 / start.elapsed().as_secs_f64() / 1e6
    );
    let start = Instant::now();
    let encoder = rphonetic::Soundex::default();
    let total: usize = ascii.iter().map(|v| encoder.encode(v).len()).sum();
    println!(
        "rphonetic Soundex         {:>6.2} M values/s ({total} bytes)",
        ascii.len() as f64 / start.elapsed().as_secs_f64() / 1e6
    );
    Ok(())
}
