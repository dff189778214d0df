//! `email_domain(email)`: the domain part, in its ASCII (punycode) form of an email address.

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

/// Returns the domain part, in its ASCII (punycode) form of the canonical form of `s` (see [`normalize_email`]), or `None` when
/// `s` is not a valid address.
pub fn email_domain(s: &str) -> Option<Cow<'_, str>> {
    email_part(normalize_email(s)?, |(_, domain)| domain)
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_EMAIL,
        "Returns the domain part, in its ASCII (punycode) form of an email address, taken from its canonical form (see          `normalize_email`). Returns NULL when the value is not a syntactically valid address.",
        "email_domain(email)",
    )
    .with_sql_example(
        r#"```sql
> select email_domain(' Marie.Dupont@Gmail.COM ');
+----------------------------------------------+
| email_domain(Utf8(" Marie.Dupont@Gmail.COM ")) |
+----------------------------------------------+
| gmail.com |
+----------------------------------------------+
```"#,
    )
    .with_argument("email", "String expression: an email address.")
    .with_related_udf("normalize_email")
    .with_related_udf("email_local")
    .build()
});

/// The `email_domain` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EmailDomainFunc {
    signature: Signature,
}

impl Default for EmailDomainFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl EmailDomainFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for EmailDomainFunc {
    fn name(&self) -> &str {
        "email_domain"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, email_domain)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_of_valid_addresses() {
        assert_eq!(
            email_domain(" Marie.Dupont@Gmail.COM ").as_deref(),
            Some("gmail.com")
        );
        assert_eq!(
            email_domain("Hélène@Exemple.FR").as_deref(),
            Some("exemple.fr")
        );
        assert_eq!(
            email_domain("jose@Exämple.fr").as_deref(),
            Some("xn--exmple-cua.fr")
        );
        assert!(matches!(
            email_domain("a@example.com"),
            Some(Cow::Borrowed("example.com"))
        ));
    }

    #[test]
    fn none_for_non_emails() {
        for bad in [
            "",
            "   ",
            "example.com",
            "a@b@example.com",
            "a@",
            &"x".repeat(100_000),
        ] {
            assert_eq!(email_domain(bad), None, "{bad:?}");
        }
    }
}
