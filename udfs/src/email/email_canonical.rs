//! `email_canonical(email [, rules])`: one form per mailbox, with the providers' addressing
//! rules (Gmail ignores dots, most providers drop a `+tag`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::StringBuilder;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_datafusion_err};
use datafusion::logical_expr::{
    ColumnarValue, Documentation, ScalarFunctionArgs, ScalarUDFImpl, Signature,
};

use super::normalize_email::normalize_email;
use crate::common::{DOC_SECTION_EMAIL, StringArgs, strings_return_type, strings_signature};

/// The rules `email_canonical` applies by default, in the syntax of [`EmailRules::parse`].
///
/// Only providers that document sub-addressing drop a tag: Gmail (`+`, and dots are
/// ignored; googlemail.com is gmail.com), Outlook.com and its Hotmail/Live/MSN domains,
/// iCloud, Proton, Fastmail and Yandex (`+`). Yahoo is left out on purpose: its disposable
/// addresses (`base-keyword@yahoo.com`) hang off a base name that is not the account's
/// mailbox, and `base@yahoo.com` may be someone else's. Other domains keep their local part:
/// on a company domain `a+b` or `a-b` may be a distinct mailbox.
pub const DEFAULT_EMAIL_RULES: &str = "gmail.com,googlemail.com=gmail.com:dots,plus; \
     outlook.com,hotmail.com,live.com,msn.com,outlook.fr,hotmail.fr,live.fr,hotmail.co.uk,\
     live.co.uk,outlook.de,hotmail.de,hotmail.it,outlook.it,hotmail.es,outlook.es:plus; \
     icloud.com,me.com,mac.com:plus; \
     protonmail.com,protonmail.ch,proton.me,pm.me:plus; \
     fastmail.com,fastmail.fm:plus; \
     yandex.ru,yandex.com,ya.ru:plus";

/// What a rule does to the addresses of its domains.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Rule {
    /// The domain written instead (googlemail.com → gmail.com).
    canonical_domain: Option<String>,
    remove_dots: bool,
    /// Characters that start a tag, dropped with the rest of the local part.
    tag_separators: Vec<char>,
}

/// Parsed provider rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailRules {
    rules: Vec<Rule>,
    by_domain: HashMap<String, usize>,
    /// The rule of `*`, for every domain not listed.
    other_domains: Option<usize>,
}

/// An invalid rules string: what is wrong, at which character (1-based).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RulesError {
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for RulesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at position {}: {}", self.position, self.message)
    }
}

static DEFAULT_RULES: LazyLock<EmailRules> =
    LazyLock::new(|| EmailRules::parse(DEFAULT_EMAIL_RULES).unwrap_or_default());

impl EmailRules {
    /// The rules of [`DEFAULT_EMAIL_RULES`].
    pub fn default_rules() -> &'static Self {
        &DEFAULT_RULES
    }

    /// Parses rules: `rule; rule; ...`, each `domains[=canonical_domain][:actions]` where
    /// `domains` is a comma-separated list of domains (or `*` for every domain not listed),
    /// `canonical_domain` the domain to write instead, and `actions` a comma-separated list of
    /// `dots` (remove dots from the local part), `plus` (drop from the first `+`) and `dash`
    /// (drop from the first `-`). Spaces around items are ignored, as are empty rules.
    /// Example: `gmail.com,googlemail.com=gmail.com:dots,plus; example.org:plus`.
    pub fn parse(text: &str) -> Result<Self, RulesError> {
        let error = |at: usize, message: String| RulesError {
            position: text[..at].chars().count() + 1,
            message,
        };
        let mut parsed = Self::default();
        for (start, rule_text) in split_with_offsets(text, 0, ';') {
            if rule_text.is_empty() {
                continue;
            }
            let (head, actions) = match rule_text.split_once(':') {
                Some((head, actions)) => (head, Some((start + head.len() + 1, actions))),
                None => (rule_text, None),
            };
            let (domains, canonical) = match head.split_once('=') {
                Some((domains, canonical)) => {
                    (domains, Some((start + domains.len() + 1, canonical)))
                }
                None => (head, None),
            };
            let mut rule = Rule::default();
            if let Some((at, canonical)) = canonical {
                let at = at + (canonical.len() - canonical.trim_start().len());
                let canonical = canonical.trim();
                let domain = canonical_domain(canonical)
                    .ok_or_else(|| error(at, format!("'{canonical}' is not a domain")))?;
                rule.canonical_domain = Some(domain);
            }
            for (at, action) in actions
                .into_iter()
                .flat_map(|(at, a)| split_with_offsets(a, at, ','))
            {
                match action.trim().to_ascii_lowercase().as_str() {
                    "dots" => rule.remove_dots = true,
                    "plus" => rule.tag_separators.push('+'),
                    "dash" => rule.tag_separators.push('-'),
                    // "domain:" with no action.
                    "" if actions.is_some_and(|(_, a)| a.trim().is_empty()) => {}
                    other => {
                        return Err(error(
                            at,
                            format!("unknown action '{other}' (expected dots, plus or dash)"),
                        ));
                    }
                }
            }
            let index = parsed.rules.len();
            for (at, domain) in split_with_offsets(domains, start, ',') {
                let domain = domain.trim();
                let slot = if domain == "*" {
                    parsed.other_domains.replace(index).is_some()
                } else {
                    let normalized = canonical_domain(domain)
                        .ok_or_else(|| error(at, format!("'{domain}' is not a domain")))?;
                    parsed.by_domain.insert(normalized, index).is_some()
                };
                if slot {
                    return Err(error(at, format!("'{domain}' has two rules")));
                }
            }
            parsed.rules.push(rule);
        }
        Ok(parsed)
    }

    fn rule_for(&self, domain: &str) -> Option<&Rule> {
        let index = self.by_domain.get(domain).copied().or(self.other_domains)?;
        self.rules.get(index)
    }
}

/// Pieces of `text` between `separator`s, trimmed, each with the byte offset where it starts
/// in the whole rules string (`offset` is that of `text`).
fn split_with_offsets(
    text: &str,
    offset: usize,
    separator: char,
) -> impl Iterator<Item = (usize, &str)> {
    let mut at = offset;
    text.split(separator).map(move |piece| {
        let start = at + (piece.len() - piece.trim_start().len());
        at += piece.len() + separator.len_utf8();
        (start, piece.trim())
    })
}

/// A domain as it appears in canonical addresses (lowercase ASCII, punycode), or `None`.
fn canonical_domain(domain: &str) -> Option<String> {
    let address = format!("x@{domain}");
    let normalized = normalize_email(&address)?;
    normalized.split_once('@').map(|(_, d)| d.to_owned())
}

/// The canonical form of `email` for comparing mailboxes: [`normalize_email`], then the rule
/// of its domain in `rules`: tag dropped, dots removed, domain replaced. `None` when `email`
/// is not a valid address, or nothing valid remains of its local part (`+tag@gmail.com`).
pub fn email_canonical<'a>(email: &'a str, rules: &EmailRules) -> Option<Cow<'a, str>> {
    let normalized = normalize_email(email)?;
    let (local, domain) = normalized.split_once('@')?;
    let Some(rule) = rules.rule_for(domain) else {
        return Some(normalized);
    };
    let untagged = match local.find(|c| rule.tag_separators.contains(&c)) {
        Some(tag) => &local[..tag],
        None => local,
    };
    let new_local: Cow<'_, str> = if rule.remove_dots && untagged.contains('.') {
        Cow::Owned(untagged.replace('.', ""))
    } else {
        Cow::Borrowed(untagged)
    };
    if new_local.is_empty() || new_local.ends_with('.') {
        return None;
    }
    let new_domain = rule.canonical_domain.as_deref().unwrap_or(domain);
    if new_local == local && new_domain == domain {
        return Some(normalized);
    }
    Some(Cow::Owned(format!("{new_local}@{new_domain}")))
}

static DOCUMENTATION: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DOC_SECTION_EMAIL,
        format!(
            "Returns one form per mailbox, so that addresses of the same mailbox compare \
             equal: `normalize_email`, then the rule of the address's domain: drop a tag \
             (`+promo`), remove dots, replace the domain. `rules` replaces the default rules; \
             its syntax: `rule; rule; ...`, each `domains[=canonical_domain][:actions]`, with \
             `*` for every domain not listed and the actions `dots`, `plus` (drop from the \
             first +) and `dash` (drop from the first -). Domains without a rule keep their \
             local part: on a company domain `a+b` may be a distinct mailbox. Returns NULL when \
             the value is not a valid address; an invalid `rules` is an error giving the \
             position. The default rules: `{DEFAULT_EMAIL_RULES}`"
        ),
        "email_canonical(email [, rules])",
    )
    .with_sql_example(
        r#"```sql
> select email_canonical('Marie.Dupont+promo@GoogleMail.com'), email_canonical('a.b+x@shop.fr', 'shop.fr:plus');
+------------------------------------------------------------+-------------------------------------------------------------+
| email_canonical(Utf8("Marie.Dupont+promo@GoogleMail.com")) | email_canonical(Utf8("a.b+x@shop.fr"),Utf8("shop.fr:plus")) |
+------------------------------------------------------------+-------------------------------------------------------------+
| mariedupont@gmail.com                                      | a.b@shop.fr                                                 |
+------------------------------------------------------------+-------------------------------------------------------------+
```"#,
    )
    .with_argument("email", "String expression: an email address.")
    .with_argument(
        "rules",
        "Optional string expression: provider rules replacing the defaults, e.g. \
         'gmail.com,googlemail.com=gmail.com:dots,plus; example.org:plus'.",
    )
    .with_related_udf("normalize_email")
    .build()
});

const ARITIES: &[usize] = &[1, 2];

/// The `email_canonical` SQL function.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EmailCanonicalFunc {
    signature: Signature,
}

impl Default for EmailCanonicalFunc {
    fn default() -> Self {
        Self::new()
    }
}

impl EmailCanonicalFunc {
    pub fn new() -> Self {
        Self {
            signature: strings_signature(ARITIES),
        }
    }
}

impl ScalarUDFImpl for EmailCanonicalFunc {
    fn name(&self) -> &str {
        "email_canonical"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        strings_return_type(self.name(), arg_types, ARITIES, DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let name = self.name();
        let strings = StringArgs::try_new(name, &args.args, args.number_rows)?;
        let parse = |text: &str| {
            EmailRules::parse(text).map_err(|e| exec_datafusion_err!("{name}: invalid rules {e}"))
        };
        // Parsed once for a scalar; for a column, again only when the value changes.
        let mut rules: Option<(String, EmailRules)> = None;
        let constant = match strings.arity() {
            1 => Some(Some(Cow::Borrowed(EmailRules::default_rules()))),
            _ => match strings.constant(1) {
                Some(Some(text)) => Some(Some(Cow::Owned(parse(text)?))),
                Some(None) => Some(None),
                None => None,
            },
        };
        let mut builder = StringBuilder::with_capacity(strings.rows(), strings.rows() * 24);
        for row in 0..strings.rows() {
            let row_rules = match &constant {
                Some(rules) => rules.as_deref(),
                None => match strings.get(1, row) {
                    None => None,
                    Some(text) => {
                        if rules.as_ref().is_none_or(|(seen, _)| seen != text) {
                            rules = Some((text.to_owned(), parse(text)?));
                        }
                        rules.as_ref().map(|(_, r)| r)
                    }
                },
            };
            match (strings.get(0, row), row_rules) {
                (Some(email), Some(rules)) => builder.append_option(email_canonical(email, rules)),
                _ => builder.append_null(),
            }
        }
        strings.finish(Arc::new(builder.finish()))
    }

    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOCUMENTATION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(email: &str) -> Option<String> {
        email_canonical(email, EmailRules::default_rules()).map(Cow::into_owned)
    }

    fn with_rules(email: &str, rules: &str) -> Option<String> {
        let rules = EmailRules::parse(rules).unwrap_or_else(|e| panic!("{rules}: {e}"));
        email_canonical(email, &rules).map(Cow::into_owned)
    }

    #[test]
    fn default_rules_parse() {
        let rules = EmailRules::default_rules();
        assert_eq!(rules.rules.len(), 6);
        assert!(rules.by_domain.len() > 25);
        assert_eq!(rules.other_domains, None);
    }

    #[test]
    fn gmail() {
        for email in [
            "marie.dupont@gmail.com",
            "Marie.Dupont@Gmail.COM",
            "mariedupont@gmail.com",
            "m.a.r.i.e.dupont+promo@gmail.com",
            "marie.dupont+a+b@googlemail.com",
        ] {
            assert_eq!(
                canonical(email).as_deref(),
                Some("mariedupont@gmail.com"),
                "{email}"
            );
        }
        assert_eq!(canonical("+promo@gmail.com"), None);
    }

    #[test]
    fn other_providers_drop_the_tag_only() {
        assert_eq!(
            canonical("jean.martin+shop@hotmail.fr").as_deref(),
            Some("jean.martin@hotmail.fr")
        );
        assert_eq!(
            canonical("jean.martin+shop@outlook.com").as_deref(),
            Some("jean.martin@outlook.com")
        );
        assert_eq!(
            canonical("a.b+x@icloud.com").as_deref(),
            Some("a.b@icloud.com")
        );
        assert_eq!(
            canonical("a.b+x@proton.me").as_deref(),
            Some("a.b@proton.me")
        );
        // A tag that leaves a trailing dot leaves no valid local part.
        assert_eq!(canonical("jean.+x@outlook.com"), None);
    }

    #[test]
    fn unknown_domains_and_yahoo_keep_their_local_part() {
        assert_eq!(canonical("a.b+x@shop.fr").as_deref(), Some("a.b+x@shop.fr"));
        assert_eq!(
            canonical("a.b-x@yahoo.com").as_deref(),
            Some("a.b-x@yahoo.com")
        );
        assert_eq!(
            canonical("a.b+x@yahoo.fr").as_deref(),
            Some("a.b+x@yahoo.fr")
        );
        assert!(matches!(
            email_canonical("a.b+x@shop.fr", EmailRules::default_rules()),
            Some(Cow::Borrowed(_))
        ));
        assert_eq!(canonical("not an email"), None);
        assert_eq!(canonical(""), None);
    }

    #[test]
    fn custom_rules() {
        let rules = "gmail.com,googlemail.com=gmail.com:dots,plus; example.org:plus,dash";
        assert_eq!(
            with_rules("a.b+c@googlemail.com", rules).as_deref(),
            Some("ab@gmail.com")
        );
        assert_eq!(
            with_rules("a.b-c+d@example.org", rules).as_deref(),
            Some("a.b@example.org")
        );
        // The defaults are replaced: Outlook keeps its tag.
        assert_eq!(
            with_rules("a+b@outlook.com", rules).as_deref(),
            Some("a+b@outlook.com")
        );
        // `*` applies to every other domain; a listed domain without action is exempt.
        let rules = "corp.example:plus; intranet.example; *:plus";
        assert_eq!(
            with_rules("a+b@shop.fr", rules).as_deref(),
            Some("a@shop.fr")
        );
        assert_eq!(
            with_rules("a+b@intranet.example", rules).as_deref(),
            Some("a+b@intranet.example")
        );
        // Domains are normalized like addresses; a domain-only rule maps domains.
        let rules = " Exämple.FR = example.fr ";
        assert_eq!(
            with_rules("x.y@xn--exmple-cua.fr", rules).as_deref(),
            Some("x.y@example.fr")
        );
        assert_eq!(with_rules("a@b.fr", "").as_deref(), Some("a@b.fr"));
        assert_eq!(with_rules("a@b.fr", " ; ;").as_deref(), Some("a@b.fr"));
        assert_eq!(with_rules("a+b@b.fr", "b.fr:").as_deref(), Some("a+b@b.fr"));
    }

    #[test]
    fn invalid_rules_give_the_position() {
        let error = |rules: &str| EmailRules::parse(rules).unwrap_err();
        assert_eq!(error("gmail.com:dot").position, 11);
        assert!(
            error("gmail.com:dot")
                .message
                .contains("unknown action 'dot'")
        );
        assert_eq!(error("a.com:plus; b.com:plus,nope").position, 24);
        assert_eq!(error("a.com:plus; not a domain:plus").position, 13);
        assert_eq!(error("a.com=bad domain:plus").position, 7);
        assert_eq!(error("a.com:plus; A.com:dots").position, 13);
        assert_eq!(error("*:plus; *:dots").position, 9);
        assert_eq!(error("é.fr, :plus").position, 7);
        assert_eq!(error("a.com:plus:dots").position, 7);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_is_idempotent(
            email in proptest::prop_oneof![
                "\\PC*",
                "[a-zA-Z.+-]{1,20}@(gmail|googlemail|outlook|icloud|shop)\\.(com|fr)",
                "\\PC{2000,10000}",
            ]
        ) {
            let rules = EmailRules::default_rules();
            if let Some(once) = email_canonical(&email, rules) {
                let twice = email_canonical(&once, rules);
                proptest::prop_assert_eq!(twice.as_deref(), Some(once.as_ref()));
            }
        }

        #[test]
        fn any_rules_string_parses_or_fails_cleanly(
            rules in proptest::prop_oneof!["\\PC*", "[a-zé.,=:;* +-]{0,60}"]
        ) {
            if let Err(e) = EmailRules::parse(&rules) {
                proptest::prop_assert!(e.position >= 1 && e.position <= rules.chars().count() + 1);
            }
        }
    }
}
