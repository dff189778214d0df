//! `name_similarity(a, b)`: how alike two person names are, from 0 to 1, ignoring word order,
//! accents, titles and nicknames.

use std::sync::{Arc, LazyLock};

use super::nicknames::NicknameTable;
use super::word_pairing::PreparedName;
use crate::common::{DOC_SECTION_NAME, StringArgs, strings_return_type, strings_signature};
use datafusion::arrow::array::Float64Builder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

/// How alike two person names are, in [0, 1], with the bundled nickname table; `None` when
/// either name has no letter or digit. See [`name_similarity_with`].
pub fn name_similarity(a: &str, b: &str) -> Option<f64> {
    name_similarity_with(&NicknameTable::bundled(), a, b)
}

/// How alike two person names are, in [0, 1], with nicknames from `nicknames`.
///
/// 1. Each name is normalized ([`normalize_name`](super::normalize_name)), cut into words
///    (at most [`MAX_NAME_WORDS`](super::MAX_NAME_WORDS) from the first [`MAX_NAME_BYTES`](super::MAX_NAME_BYTES) bytes), and each word is
///    replaced by its nickname root (`bob` → `robert`; a root of several words, `jp` →
///    `jean pierre`, gives several words).
/// 2. Words are paired, each word used at most once, in three rounds: equal roots score 1;
///    then a word equal to two adjacent words of the other name joined (`jeanpierre` /
///    `jean pierre`) scores 1 and the two words count as one; then the remaining pairs are
///    taken greedily from the best score down, a pair scoring
///    - [`INITIAL_SCORE`](super::INITIAL_SCORE) when one word is a single letter that starts the other (`j` /
///      `jean`, or its root), 0 for any other pair with a single letter;
///    - otherwise the Jaro-Winkler similarity (prefix weight 0.1) of the roots or of the
///      words as written, whichever is higher, when it is at least
///      [`WORD_MATCH_THRESHOLD`](super::WORD_MATCH_THRESHOLD), else 0.
/// 3. With `n` and `m` the word counts (joined pairs counting one), `S` the sum of the pair
///    scores, `lo = min(n, m)` and `hi = max(n, m)`:
///    `similarity = S / lo × (lo / hi) ^ COVERAGE_EXPONENT`.
///    The first factor is how well the shorter name is matched; the second discounts words
///    of the longer name left without a counterpart (a middle name): 2 of 3 words → × 0.90,
///    1 of 2 → × 0.84.
pub fn name_similarity_with(nicknames: &NicknameTable, a: &str, b: &str) -> Option<f64> {
    let mut left = PreparedName::default();
    let mut right = PreparedName::default();
    if !left.prepare(a, nicknames) || !right.prepare(b, nicknames) {
        return None;
    }
    Some(left.similarity(&right, &mut Vec::new()))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_NAME,
        "Returns how alike two person names are, from 0 (nothing in common) to 1 (the same \
         words), ignoring word order, case, accents, punctuation and titles, and reading \
         nicknames as their formal name (see nickname_root). NULL when either name has no \
         letter or digit.\n\n\
         Formula: both names are normalized and cut into words (at most 8, from the first 256 \
         bytes), each word replaced by its nickname root. Words are paired, each used once: \
         equal roots score 1; a word equal to two adjacent words of the other name joined \
         (jeanpierre / jean pierre) scores 1, the two words counting as one; the other pairs \
         are taken greedily from the best: an initial against a word it starts scores 0.75 \
         (J / Jean), two words score their Jaro-Winkler similarity (prefix weight 0.1, best of \
         roots and written forms) when it is at least 0.8, else 0. With S the sum of pair \
         scores and lo, hi the smaller and larger word counts: \
         similarity = S / lo × (lo / hi)^0.25, so a missing middle name (2 of 3 words) \
         costs × 0.90.",
        "name_similarity(name1, name2)",
    )
    .with_sql_example(
        r#"```sql
> select name_similarity('Jean-Pierre DUPONT', 'Dupont Jean Pierre') as same_person,
         name_similarity('Bob Smith', 'Robert Smith') as nickname,
         name_similarity('Marie Dupont', 'Pierre Martin') as different;
+-------------+----------+--------------------+
| same_person | nickname | different          |
+-------------+----------+--------------------+
| 1.0         | 1.0      | 0.4377777777777778 |
+-------------+----------+--------------------+
```"#,
    )
    .with_argument("name1", "String expression: a full name.")
    .with_argument(
        "name2",
        "String expression: the full name to compare it with.",
    )
    .with_related_udf("normalize_name")
    .with_related_udf("nickname_root")
    .build()
});

/// The `name_similarity` SQL function, over the bundled nickname table or a table of the
/// program's own.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NameSimilarityFunc {
    signature: Signature,
    nicknames: Arc<NicknameTable>,
}

impl Default for NameSimilarityFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NameSimilarityFunc {
    /// The function with the bundled nickname table.
    pub fn new() -> Self {
        Self::with_nicknames(NicknameTable::bundled())
    }

    /// The function with nicknames from `nicknames` (see `NicknameRootFunc::with_table`).
    pub fn with_nicknames(nicknames: Arc<NicknameTable>) -> Self {
        Self {
            signature: strings_signature(&[2]),
            nicknames,
        }
    }
}

impl ScalarUDFImpl for NameSimilarityFunc {
    fn name(&self) -> &str {
        "name_similarity"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Float64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let names = StringArgs::try_new(self.name(), &args.args, args.number_rows)?;
        let mut prepared = [PreparedName::default(), PreparedName::default()];
        // A name that is the same on every row (a scalar) is prepared once.
        let fixed: [Option<bool>; 2] = std::array::from_fn(|side| {
            names
                .constant(side)
                .map(|name| name.is_some_and(|n| prepared[side].prepare(n, &self.nicknames)))
        });
        let mut pairs = Vec::new();
        let mut builder = Float64Builder::with_capacity(names.rows());
        for row in 0..names.rows() {
            let mut ready = [false; 2];
            for side in 0..2 {
                ready[side] = match fixed[side] {
                    Some(ok) => ok,
                    None => names
                        .get(side, row)
                        .is_some_and(|n| prepared[side].prepare(n, &self.nicknames)),
                };
            }
            if ready[0] && ready[1] {
                builder.append_value(prepared[0].similarity(&prepared[1], &mut pairs));
            } else {
                builder.append_null();
            }
        }
        names.finish(Arc::new(builder.finish()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(a: &str, b: &str) -> f64 {
        name_similarity(a, b).unwrap_or(f64::NAN)
    }

    #[test]
    fn required_examples() {
        assert!(sim("Jean-Pierre DUPONT", "Dupont Jean Pierre") >= 0.95);
        assert!(sim("Bob Smith", "Robert Smith") >= 0.95);
        // Only marie / martin pair up (Jaro-Winkler 0.876): (0.876 + 0) / 2.
        assert!(sim("Marie Dupont", "Pierre Martin") < 0.5);
    }

    #[test]
    fn exact_values_of_the_formula() {
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
        assert!(close(sim("Jean Dupont", "DUPONT, Jean"), 1.0));
        // Compound written joined: two words count as one.
        assert!(close(sim("Jeanpierre Dupont", "Jean-Pierre Dupont"), 1.0));
        // Initial: (0.75 + 1) / 2.
        assert!(close(sim("J. Dupont", "Jean Dupont"), 0.875));
        // Missing middle name: 2 / 2 × (2/3)^0.25.
        assert!(close(
            sim("Jean Dupont", "Jean Marc Dupont"),
            (2.0f64 / 3.0).powf(0.25)
        ));
        // Same surname, different first name: 1 / 2.
        assert!(close(sim("Marie Dupont", "Jean Dupont"), 0.5));
        // A nickname that is a compound: jp → jean pierre.
        assert!(close(sim("JP Dupont", "Jean-Pierre Dupont"), 1.0));
    }

    #[test]
    fn duplicates_score_above_non_duplicates() {
        let duplicates = [
            ("Jean-Pierre DUPONT", "Dupont Jean Pierre"),
            ("Bob Smith", "Robert Smith"),
            ("Mme Hélène Lefèvre", "LEFEVRE Helene"),
            ("Jon Smith", "John Smith"),
            ("Catherine Dupond", "Catherine Dupont"),
            ("Beppe Rossi", "Giuseppe Rossi"),
            ("D'Artagnan Charles", "Charles Dartagnan"),
            ("Charles d'Artagnan", "Charles D ARTAGNAN"),
            ("Katherine Smyth", "Catherine Smith"),
            ("Mohammed Ali", "Muhammad Ali"),
            ("Jean Dupont", "Jean Marc Dupont"),
            ("Bill Gates", "William H. Gates"),
            ("Dr. John Watson", "Watson John"),
            ("Müller Jürgen", "Juergen Mueller"),
            ("Sig.ra Maria Rossi", "Rossi Maria"),
            ("Jeanpierre Martin", "Jean Pierre Martin"),
            ("O'Brien Patrick", "Pat OBrien"),
        ];
        let non_duplicates = [
            ("Marie Dupont", "Pierre Martin"),
            ("Marie Dupont", "Jean Dupont"),
            ("Jean Dupont", "Jean Martin"),
            ("Robert Smith", "Roberta Jones"),
            ("John Smith", "Jane Doe"),
            ("Ahmed Benali", "Karim Benkirane"),
            ("Paul Durand", "Marc Durand Lefebvre"),
            ("Sophie Bernard", "Sophie Laurent Girard"),
            ("Anna Rossi", "Giovanni Russo"),
            ("Thomas Petit", "Lucas Moreau"),
        ];
        let worst_duplicate = duplicates
            .iter()
            .map(|(a, b)| (sim(a, b), a, b))
            .min_by(|x, y| x.0.total_cmp(&y.0));
        let best_non_duplicate = non_duplicates
            .iter()
            .map(|(a, b)| (sim(a, b), a, b))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        let (Some(worst), Some(best)) = (worst_duplicate, best_non_duplicate) else {
            panic!("empty tables");
        };
        assert!(worst.0 >= 0.85, "duplicate scored low: {worst:?}");
        assert!(best.0 <= 0.7, "non-duplicate scored high: {best:?}");
    }

    #[test]
    fn symmetric_bounded_and_null_on_empty() {
        let pairs = [
            ("J. Dupont", "Jean Dupont"),
            ("Jean Pierre Dupont", "Jeanpierre"),
            ("a b c d e f g h i j", "j i h"),
            ("山田 太郎", "山田太郎"),
        ];
        for (a, b) in pairs {
            let (x, y) = (sim(a, b), sim(b, a));
            assert!((x - y).abs() < 1e-9, "{a} / {b}: {x} vs {y}");
            assert!((0.0..=1.0).contains(&x), "{a} / {b}: {x}");
        }
        assert_eq!(name_similarity("", "Jean"), None);
        assert_eq!(name_similarity("Jean", "--"), None);
        assert_eq!(sim("山田 太郎", "山田太郎"), 1.0);
    }

    #[test]
    fn own_nickname_table() -> Result<()> {
        let table = NicknameTable::bundled_with_csv("mine.csv", "nickname,root\nGhjuvan,Jean\n")?;
        assert_eq!(
            name_similarity_with(&table, "Ghjuvan Santoni", "Jean Santoni"),
            Some(1.0)
        );
        assert!(sim("Ghjuvan Santoni", "Jean Santoni") < 0.7);
        Ok(())
    }
}
