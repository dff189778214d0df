//! `email_local(email)`: the local part (before the `@`), lowercased and in Unicode NFC of an email address.

use std::borrow::Cow;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::email_part;
use super::normalize_email::normalize_email;
use crate::common::{DOC_SECTION_EMAIL, map_to_utf8, one_string_return_type, one_string_signature};

/// Returns the local part (before the `@`), lowercased and in Unicode NFC of the canonical form of `s` (see [`normalize_email`]), or `None` when
/// `s` is not a valid address.
pub fn email_local(s: &str) -> Option<Cow<'_, str>> {
    email_part(normalize_email(s)?, |(local, _)| local)
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_EMAIL,
        "Returns the local part (before the `@`), lowercased and in Unicode NFC of an email address, taken from its canonical form (see          `normalize_email`). Returns NULL when the value is not a syntactically valid address.",
        "email_local(email)",
    )
    .with_sql_example(
        r#"```sql
> select email_local(' Marie.Dupont@Gmail.COM ');
+----------------------------------------------+
| email_local(Utf8(" Marie.Dupont@Gmail.COM ")) |
+----------------------------------------------+
| marie.dupont |
+----------------------------------------------+
```"#,
    )
    .with_argument("email", "String expression: an email address.")
    .with_related_udf("normalize_email")
    .with_related_udf("email_domain")
    .build()
});

/// The `email_local` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EmailLocalFunc {
    signature: Signature,
}

impl Default for EmailLocalFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl EmailLocalFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for EmailLocalFunc {
    fn name(&self) -> &str {
        "email_local"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, email_local)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_of_valid_addresses() {
        assert_eq!(
            email_local(" Marie.Dupont@Gmail.COM ").as_deref(),
            Some("marie.dupont")
        );
        assert_eq!(email_local("Hélène@Exemple.FR").as_deref(), Some("hélène"));
        assert_eq!(
            email_local("a.b+tag@example.com").as_deref(),
            Some("a.b+tag")
        );
        assert!(matches!(
            email_local("a@example.com"),
            Some(Cow::Borrowed("a"))
        ));
    }

    #[test]
    fn none_for_non_emails() {
        for bad in [
            "",
            "   ",
            "example.com",
            "a@b@example.com",
            "@example.com",
            &"x".repeat(100_000),
        ] {
            assert_eq!(email_local(bad), None, "{bad:?}");
        }
    }
}
