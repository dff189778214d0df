//! `normalize_email(email)`: the canonical form of an email address.

use std::borrow::Cow;
use std::sync::LazyLock;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use crate::common::{DOC_SECTION_EMAIL, map_to_utf8, one_string_return_type, one_string_signature};

/// Longest address accepted, in bytes (RFC 5321 path limit minus the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest local part accepted, in bytes (RFC 5321).
pub const MAX_LOCAL_LEN: usize = 64;
/// Longest domain accepted, in bytes (RFC 1035).
pub const MAX_DOMAIN_LEN: usize = 253;

/// Returns the canonical form of `s`, or `None` when `s` is not a syntactically valid address.
///
/// The canonical form is trimmed, lowercased and in Unicode NFC; the domain is in its ASCII
/// (punycode) form, so `Hélène@Exämple.FR` becomes `hélène@xn--exmple-cua.fr`. The value is
/// borrowed from `s` when it is already canonical.
///
/// Accepted syntax (a pragmatic subset of RFC 5322/6531, no quoted local parts, no IP
/// literals): exactly one `@`; a local part of at most 64 bytes made of dot-separated atoms
/// of letters, digits, non-ASCII characters and ``!#$%&'*+-/=?^_`{|}~``; a domain of at least
/// two labels of letters, digits and inner hyphens, each label 1 to 63 bytes.
pub fn normalize_email(s: &str) -> Option<Cow<'_, str>> {
    let s = s.trim();
    // Bound the work on garbage before normalizing: NFC never makes a string more than three
    // times shorter, so anything longer cannot fit once normalized.
    if s.len() > 3 * MAX_EMAIL_LEN {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    if s.is_ascii() && !s.bytes().any(|b| b.is_ascii_uppercase()) {
        // Fast path, no allocation: already lowercase ASCII.
        return (is_valid_local(local) && is_valid_ascii_domain(domain))
            .then_some(Cow::Borrowed(s));
    }
    let local = normalize_local(local);
    let domain = idna::domain_to_ascii(domain).ok()?;
    if !is_valid_local(&local) || !is_valid_ascii_domain(&domain) {
        return None;
    }
    let mut out = String::with_capacity(local.len() + 1 + domain.len());
    out.push_str(&local);
    out.push('@');
    out.push_str(&domain);
    (out.len() <= MAX_EMAIL_LEN).then_some(Cow::Owned(out))
}

/// Lowercases and NFC-normalizes a local part.
fn normalize_local(local: &str) -> Cow<'_, str> {
    let lower = if local.chars().any(char::is_uppercase) {
        Cow::Owned(local.to_lowercase())
    } else {
        Cow::Borrowed(local)
    };
    match is_nfc_quick(lower.chars()) {
        IsNormalized::Yes => lower,
        _ => Cow::Owned(lower.nfc().collect()),
    }
}

/// Is `local` a dot-atom local part (RFC 5322 / RFC 6531)?
fn is_valid_local(local: &str) -> bool {
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext))
}

fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
}

/// Is `domain` a lowercase ASCII host name of at least two labels?
fn is_valid_ascii_domain(domain: &str) -> bool {
    domain.len() <= MAX_DOMAIN_LEN
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_EMAIL,
        "Returns the canonical form of an email address: trimmed, lowercased, Unicode NFC, with \
         an internationalized domain in its ASCII (punycode) form. Returns NULL when the value \
         is not a syntactically valid address (see `is_valid_email`).",
        "normalize_email(email)",
    )
    .with_sql_example(
        r#"```sql
> select normalize_email(' Marie.Dupont@Gmail.COM ');
+-------------------------------------------------+
| normalize_email(Utf8(" Marie.Dupont@Gmail.COM ")) |
+-------------------------------------------------+
| marie.dupont@gmail.com                          |
+-------------------------------------------------+
```"#,
    )
    .with_argument("email", "String expression: the address to normalize.")
    .with_related_udf("is_valid_email")
    .with_related_udf("email_domain")
    .with_related_udf("email_local")
    .build()
});

/// The `normalize_email` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct NormalizeEmailFunc {
    signature: Signature,
}

impl Default for NormalizeEmailFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl NormalizeEmailFunc {
    pub fn new() -> Self {
        Self {
            signature: one_string_signature(),
        }
    }
}

impl ScalarUDFImpl for NormalizeEmailFunc {
    fn name(&self) -> &str {
        "normalize_email"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        one_string_return_type(self.name(), arg_types, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        map_to_utf8(self.name(), &args.args, normalize_email)
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Option<String> {
        normalize_email(s).map(Cow::into_owned)
    }

    #[test]
    fn trims_and_lowercases() {
        assert_eq!(
            norm(" Marie.Dupont@Gmail.COM ").as_deref(),
            Some("marie.dupont@gmail.com")
        );
        assert_eq!(
            norm("\tbob@example.com\n").as_deref(),
            Some("bob@example.com")
        );
    }

    #[test]
    fn borrows_when_already_canonical() {
        assert!(matches!(
            normalize_email("a.b+c@example.co.uk"),
            Some(Cow::Borrowed(_))
        ));
        assert!(matches!(
            normalize_email("  a@example.com"),
            Some(Cow::Borrowed("a@example.com"))
        ));
    }

    #[test]
    fn unicode_is_lowercased_nfc_and_domain_punycoded() {
        assert_eq!(
            norm("Hélène@Exemple.FR").as_deref(),
            Some("hélène@exemple.fr")
        );
        // Decomposed "e" + combining acute composes to "é".
        assert_eq!(
            norm("He\u{301}le\u{300}ne@exemple.fr").as_deref(),
            Some("hélène@exemple.fr")
        );
        assert_eq!(
            norm("jose@Exämple.fr").as_deref(),
            Some("jose@xn--exmple-cua.fr")
        );
        assert_eq!(
            norm("user@xn--exmple-cua.fr").as_deref(),
            Some("user@xn--exmple-cua.fr")
        );
    }

    #[test]
    fn rejects_non_emails() {
        for bad in [
            "",
            "   ",
            "no-at-sign.example.com",
            "two@@example.com",
            "a@b@example.com",
            "@example.com",
            "bob@",
            "bob@localhost",
            "bo b@example.com",
            ".bob@example.com",
            "bob.@example.com",
            "bo..b@example.com",
            "bob@-example.com",
            "bob@example-.com",
            "bob@exa_mple.com",
            "bob@example..com",
            "\"quoted\"@example.com",
        ] {
            assert_eq!(norm(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn length_limits() {
        let local = "a".repeat(MAX_LOCAL_LEN);
        assert!(norm(&format!("{local}@example.com")).is_some());
        assert_eq!(norm(&format!("{local}a@example.com")), None);
        let label = "b".repeat(63);
        assert!(norm(&format!("x@{label}.com")).is_some());
        assert_eq!(norm(&format!("x@{label}b.com")), None);
        let long_domain = vec!["c".repeat(60); 5].join(".");
        assert_eq!(norm(&format!("x@{long_domain}")), None);
        // Very long inputs are rejected without panicking or quadratic work.
        let huge = format!("{}@{}.com", "É".repeat(100_000), "d".repeat(100_000));
        assert_eq!(norm(&huge), None);
        assert_eq!(norm(&"@".repeat(1_000_000)), None);
    }
}
