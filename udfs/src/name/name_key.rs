//! `name_key(name)`: a key equal for names that differ only in word order, case, accents,
//! punctuation or titles.

use std::borrow::Cow;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::normalize_name::normalize_name;
use crate::common::{DOC_SECTION_NAME, map_to_utf8, one_string_return_type, one_string_signature};

/// The words of `normalize_name(name)` sorted (byte order) and joined by single spaces:
/// `Dupont Jean-Pierre` and `Jean Pierre DUPONT` both give `dupont jean pierre`. `None` when
/// the name has no letter or digit. Borrowed from `name` when it is already a key.
pub fn name_key(name: &str) -> Option<Cow<'_, str>> {
    let normalized = normalize_name(name)?;
    let mut words = normalized.split(' ');
    let mut previous = words.next().unwrap_or_default();
    let mut sorted = true;
    for word in words {
        if word < previous {
            sorted = false;
            break;
        }
        previous = word;
    }
    if sorted {
        return Some(normalized);
    }
    let mut words: Vec<&str> = normalized.split(' ').collect();
    words.sort_unstable();
    Some(Cow::Owned(words.join(" ")))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_NAME,
        "Returns the words of normalize_name(name) sorted and joined by single spaces: a \
         grouping or blocking key that ignores word order (DUPONT Jean-Pierre and Jean Pierre \
         Dupont give the same key). Nicknames are kept as written; compose with nickname_root \
         (name_key(nickname_root(name))) to fold them too. NULL when the value has no letter \
         or digit.",
        "name_key(name)",
    )
    .with_sql_example(
        r#"```sql
> select name_key('Jean-Pierre DUPONT');
+--------------------------------------+
| name_key(Utf8("Jean-Pierre DUPONT")) |
+--------------------------------------+
| dupont jean pierre                   |
+--------------------------------------+
```"#,
    )
    .with_argument("name", "String expression: a full name.")
    .with_related_udf("name_tokens")
    .with_related_udf("name_similarity")
    .build()
});

/// The `name_key` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NameKeyFunc {
    signature: Signature,
}

impl Default for NameKeyFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NameKeyFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for NameKeyFunc {
    fn name(&self) -> &str {
        "name_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, name_key)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_order_does_not_matter() {
        let key = |s| name_key(s).map(Cow::into_owned);
        assert_eq!(
            key("Jean-Pierre DUPONT").as_deref(),
            Some("dupont jean pierre")
        );
        assert_eq!(key("Dupont, Jean Pierre"), key("M. Jean-Pierre Dupont"));
        assert_ne!(key("Bob Smith"), key("Robert Smith"));
        assert_eq!(key("..."), None);
        assert!(matches!(
            name_key("dupont jean"),
            Some(Cow::Borrowed("dupont jean"))
        ));
    }
}
