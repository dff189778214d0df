//! Email functions: normalize, split and validate addresses (syntax only, no network).

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod email_canonical;
mod email_domain;
mod email_local;
mod is_valid_email;
mod normalize_email;

pub use email_canonical::{
    DEFAULT_EMAIL_RULES, EmailCanonicalFunc, EmailRules, RulesError, email_canonical,
};
pub use email_domain::{EmailDomainFunc, email_domain};
pub use email_local::{EmailLocalFunc, email_local};
pub use is_valid_email::{IsValidEmailFunc, is_valid_email};
pub use normalize_email::{NormalizeEmailFunc, normalize_email};

/// Every email function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(NormalizeEmailFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(EmailDomainFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(EmailLocalFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(IsValidEmailFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(EmailCanonicalFunc::new())),
    ]
}

/// Splits a canonical address (as returned by [`normalize_email`]) at its `@`, keeping the
/// borrow when there is one. `pick` chooses the part.
fn email_part<'a>(
    email: std::borrow::Cow<'a, str>,
    pick: for<'s> fn((&'s str, &'s str)) -> &'s str,
) -> Option<std::borrow::Cow<'a, str>> {
    use std::borrow::Cow;
    match email {
        Cow::Borrowed(s) => s.split_once('@').map(pick).map(Cow::Borrowed),
        Cow::Owned(s) => s
            .split_once('@')
            .map(pick)
            .map(|p| Cow::Owned(p.to_owned())),
    }
}
