//! `hamming(a, b)`: the number of positions at which two strings of the same length differ
//! (DuckDB's `hamming`, also called `mismatches`).

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use crate::common::{
    DOC_SECTION_SIMILARITY, map_strings_to_i64, strings_return_type, strings_signature,
};

/// The number of character positions at which `a` and `b` differ, or `None` when they do not
/// have the same number of characters. Linear time, no length limit.
pub fn hamming(a: &str, b: &str) -> Option<usize> {
    if a.is_ascii() && b.is_ascii() {
        return (a.len() == b.len())
            .then(|| a.bytes().zip(b.bytes()).filter(|(x, y)| x != y).count());
    }
    let (mut a, mut b) = (a.chars(), b.chars());
    let mut differences = 0;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) => differences += usize::from(x != y),
            (None, None) => return Some(differences),
            _ => return None,
        }
    }
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_SIMILARITY,
        "Returns the Hamming distance between two strings of the same length: the number of \
         positions with different characters (Unicode characters, case-sensitive). NULL when \
         the lengths differ (DuckDB raises an error there). Int64.",
        "hamming(str1, str2)",
    )
    .with_sql_example(
        r#"```sql
> select hamming('karolin', 'kathrin');
+------------------------------------------+
| hamming(Utf8("karolin"),Utf8("kathrin")) |
+------------------------------------------+
| 3                                        |
+------------------------------------------+
```"#,
    )
    .with_argument("str1", "String expression to compare.")
    .with_argument("str2", "String expression to compare, as long as str1.")
    .with_related_udf("levenshtein")
    .build()
});

/// The `hamming` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct HammingFunc {
    signature: Signature,
    aliases: Vec<String>,
}

impl Default for HammingFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl HammingFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(&[2]),
            aliases: vec!["mismatches".to_owned()],
        }
    }
}

impl ScalarUDFImpl for HammingFunc {
    fn name(&self) -> &str {
        "hamming"
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, &[2], DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_strings_to_i64(self.name(), &args.args, args.number_rows, |v| {
            hamming(v[0], v[1]).map(|d| d as i64)
        })
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_values() {
        // Wikipedia, "Hamming distance" examples.
        assert_eq!(hamming("karolin", "kathrin"), Some(3));
        assert_eq!(hamming("karolin", "kerstin"), Some(3));
        assert_eq!(hamming("0000", "1111"), Some(4));
        assert_eq!(hamming("", ""), Some(0));
        assert_eq!(hamming("abc", "ab"), None);
    }

    #[test]
    fn counts_characters() {
        assert_eq!(hamming("héllo", "hello"), Some(1));
        assert_eq!(hamming("東京", "京都"), Some(2));
        // Same byte length, different character counts.
        assert_eq!(hamming("éa", "abc"), None);
        assert_eq!(hamming("é", "ab"), None);
    }
}
