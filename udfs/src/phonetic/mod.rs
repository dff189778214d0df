//! Phonetic functions: codes that match names which sound alike, for blocking keys and fuzzy
//! search.
//!
//! Every function folds its input the same way first (module `fold`): accents and ligatures are
//! removed (`É` → `E`, `Ç` → `C`, `ß` → `SS`, `Œ` → `OE`), other characters are word
//! separators. A value without any Latin letter (empty, digits only, Cyrillic, CJK...) has no
//! code: every function returns NULL for it, never an empty string, so such values never
//! share a blocking key. The same holds when every letter is silent for the algorithm (`H` in
//! Metaphone). Codes are ASCII uppercase letters and digits, kept on the stack
//! ([`PhoneticCode`]); no allocation happens per value.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod code;
mod difference;
mod double_metaphone;
mod double_metaphone_func;
mod fold;
mod metaphone;
mod nysiis;
mod soundex;
mod soundex_fr;
#[cfg(test)]
mod tests;

pub use code::PhoneticCode;
pub use difference::{DifferenceFunc, difference};
pub use double_metaphone::{DoubleMetaphone, DoubleMetaphoneCode, double_metaphone};
pub use double_metaphone_func::DoubleMetaphoneFunc;
pub use metaphone::{MAX_METAPHONE_LEN, MetaphoneCode, MetaphoneFunc, metaphone};
pub use nysiis::{NYSIIS_LEN, NysiisCode, NysiisFunc, nysiis};
pub use soundex::{SoundexCode, SoundexFunc, soundex};
pub use soundex_fr::{SoundexFrCode, SoundexFrFunc, soundex_fr};

/// Every phonetic function.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::new_from_impl(SoundexFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(DifferenceFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(MetaphoneFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(DoubleMetaphoneFunc::primary())),
        Arc::new(ScalarUDF::new_from_impl(DoubleMetaphoneFunc::alternate())),
        Arc::new(ScalarUDF::new_from_impl(NysiisFunc::new())),
        Arc::new(ScalarUDF::new_from_impl(SoundexFrFunc::new())),
    ]
}
