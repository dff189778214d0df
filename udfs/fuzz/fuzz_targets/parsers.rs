//! The parsers: every registered function of the email, phone, address and date sections,
//! found through the registry (so functions added later are fuzzed without changing this).

#![no_main]

use std::sync::LazyLock;

use amigo_udfs_fuzz::{FuzzedFunction, functions_in_sections, fuzz_one};
use libfuzzer_sys::fuzz_target;

static PARSERS: LazyLock<Vec<FuzzedFunction>> = LazyLock::new(|| {
    use amigo_udfs::common::{
        DOC_SECTION_ADDRESS, DOC_SECTION_DATETIME, DOC_SECTION_EMAIL, DOC_SECTION_PHONE,
    };
    functions_in_sections(&[
        DOC_SECTION_PHONE,
        DOC_SECTION_EMAIL,
        DOC_SECTION_ADDRESS,
        DOC_SECTION_DATETIME,
    ])
});

fuzz_target!(|data: &[u8]| fuzz_one(&PARSERS, data));
