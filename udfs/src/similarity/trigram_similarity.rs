//! `trigram_similarity(a, b)`: PostgreSQL pg_trgm's `similarity`.

use std::cmp::Ordering;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::MAX_CHARS;
use super::scratch::{Scratch, exceeds_chars};
use super::sets::jaccard_index;
use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_f64, strings_return_type, strings_signature,
};

/// pg_trgm's trigram similarity of `a` and `b`, in [0, 1].
///
/// As pg_trgm: the string is lowercased and split into words, a word being a run of letters
/// and digits (anything else separates words); each word is padded with two spaces in front
/// and one behind, and contributes its 3-character windows ("word" gives `"  w"`, `" wo"`,
/// `"wor"`, `"ord"`, `"rd "`). The similarity is `|A ∩ B| / |A ∪ B|` over the two sets of
/// trigrams, 0 when either set is empty (so also for two empty strings). `None` when a string
/// is longer than [`MAX_CHARS`] characters.
pub fn trigram_similarity(a: &str, b: &str) -> Option<f64> {
    trigram_similarity_with(&mut Scratch::new(), a, b)
}

/// [`trigram_similarity`] with caller-owned buffers.
pub fn trigram_similarity_with(scratch: &mut Scratch, a: &str, b: &str) -> Option<f64> {
    if exceeds_chars(a, MAX_CHARS) || exceeds_chars(b, MAX_CHARS) {
        return None;
    }
    let (ta, tb) = (&mut scratch.packed_a, &mut scratch.packed_b);
    trigrams(a, ta);
    trigrams(b, tb);
    Some(jaccard_index(ta.len(), tb.len(), count_common(ta, tb)))
}

/// The sorted set of trigrams of `s`, three characters packed into a u64 each (21 bits per
/// character), so that sets compare without hashing or allocation.
fn trigrams(s: &str, out: &mut Vec<u64>) {
    out.clear();
    let pack = |a: char, b: char, c: char| (a as u64) << 42 | (b as u64) << 21 | c as u64;
    let (mut before, mut last) = (' ', ' ');
    let mut in_word = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            let c = lowercase(c);
            if !in_word {
                (before, last, in_word) = (' ', ' ', true);
            }
            out.push(pack(before, last, c));
            (before, last) = (last, c);
        } else if in_word {
            out.push(pack(before, last, ' '));
            in_word = false;
        }
    }
    if in_word {
        out.push(pack(before, last, ' '));
    }
    out.sort_unstable();
    out.dedup();
}

/// One-to-one lowercasing, as PostgreSQL's per-character `towlower`.
fn lowercase(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

fn count_common(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the trigram similarity of two strings as PostgreSQL pg_trgm's `similarity`: \
         both are lowercased and split into words of letters and digits, each word padded with \
         two spaces in front and one behind is cut into 3-character trigrams, and the result \
         is the number of shared trigrams over the number of distinct trigrams in either \
         string, between 0 and 1. 0 when a string has no word. NULL for strings longer than \
         16384 characters.",
        "trigram_similarity(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select trigram_similarity('word', 'two words');
+----------------------------------------------------+
| trigram_similarity(Utf8("word"),Utf8("two words")) |
+----------------------------------------------------+
| 0.36363636363636365                                |
+----------------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare.")
    .with_related_udf("ngram_jaccard")
    .build()
});

/// The `trigram_similarity` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct TrigramSimilarityFunc {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for TrigramSimilarityFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl TrigramSimilarityFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
            aliases: vec!["similarity".to_owned()],
        }
    }
}

impl ScalarUDFImpl for TrigramSimilarityFunc {
    fn name(&self) -> &str {
        "trigram_similarity"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let mut scratch = Scratch::new();
        map_strings_to_f64(self.name(), &args.args, args.number_rows, |v| {
            trigram_similarity_with(&mut scratch, v[0], v[1])
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> Vec<String> {
        let mut packed = Vec::new();
        trigrams(s, &mut packed);
        let unpack = |p: u64, shift: u32| char::from_u32((p >> shift) as u32 & 0x1F_FFFF);
        packed
            .iter()
            .map(|&p| [42, 21, 0].iter().filter_map(|&s| unpack(p, s)).collect())
            .collect()
    }

    #[test]
    fn postgres_reference_values() {
        // PostgreSQL documentation (pg_trgm, F.35.2): similarity('word', 'two words') is
        // 0.363636 (4 shared trigrams out of 11).
        assert_eq!(trigram_similarity("word", "two words"), Some(4.0 / 11.0));
        // Checked against PostgreSQL 15: similarity('', '') = 0, similarity('a', 'a') = 1.
        assert_eq!(trigram_similarity("", ""), Some(0.0));
        assert_eq!(trigram_similarity("a", "a"), Some(1.0));
        assert_eq!(trigram_similarity("Word", "WORD!"), Some(1.0));
    }

    #[test]
    fn words_are_padded_and_lowercased() {
        assert_eq!(set("Cat"), ["  c", " ca", "at ", "cat"]);
        assert_eq!(set("a-b"), ["  a", "  b", " a ", " b "]);
        assert_eq!(set("Élan"), ["  é", " él", "an ", "lan", "éla"]);
        assert!(set(" ,; ").is_empty());
    }
}
