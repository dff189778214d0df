//! `is_valid_email(email)`: whether a value is a syntactically valid email address.

use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::normalize_email::normalize_email;
use crate::common::{
    DOC_SECTION_EMAIL, map_to_boolean, one_string_return_type, one_string_signature,
};

/// Is `s` a syntactically valid address once normalized (surrounding whitespace and case are
/// tolerated)? The syntax is the one [`normalize_email`] accepts; nothing is checked over the
/// network.
pub fn is_valid_email(s: &str) -> bool {
    normalize_email(s).is_some()
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_EMAIL,
        "Returns true when the value is a syntactically valid email address (after trimming \
         and lowercasing, as `normalize_email` does), false otherwise, NULL for NULL. Syntax \
         only: a dot-atom local part of at most 64 bytes, one `@`, a domain of at least two \
         labels; no quoted local parts or IP literals; no DNS lookup.",
        "is_valid_email(email)",
    )
    .with_sql_example(
        r#"```sql
> select is_valid_email('marie.dupont@gmail.com'), is_valid_email('marie@@gmail');
+------------------------------------------------+--------------------------------------+
| is_valid_email(Utf8("marie.dupont@gmail.com")) | is_valid_email(Utf8("marie@@gmail")) |
+------------------------------------------------+--------------------------------------+
| true                                           | false                                |
+------------------------------------------------+--------------------------------------+
```"#,
    )
    .with_argument("email", "String expression: the value to check.")
    .with_related_udf("normalize_email")
    .build()
});

/// The `is_valid_email` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct IsValidEmailFunc {
    signature: Signature,
}

impl Default for IsValidEmailFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl IsValidEmailFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for IsValidEmailFunc {
    fn name(&self) -> &str {
        "is_valid_email"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_boolean(self.name(), &args.args, |s| Some(is_valid_email(s)))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses() {
        for good in [
            "marie.dupont@gmail.com",
            " Marie.Dupont@Gmail.COM ",
            "Hélène@Exemple.FR",
            "a.b+tag@sub.example.co.uk",
            "o'brien@example.ie",
            "user@xn--exmple-cua.fr",
        ] {
            assert!(is_valid_email(good), "{good:?}");
        }
    }

    #[test]
    fn invalid_addresses() {
        for bad in [
            "",
            " ",
            "marie.dupont",
            "marie@@gmail.com",
            "marie@dupont@gmail.com",
            "marie dupont@gmail.com",
            "marie@gmail",
            "marie@gmail.com.",
            "marie@.gmail.com",
        ] {
            assert!(!is_valid_email(bad), "{bad:?}");
        }
        assert!(!is_valid_email(&format!(
            "{}@example.com",
            "a".repeat(1_000_000)
        )));
    }
}
