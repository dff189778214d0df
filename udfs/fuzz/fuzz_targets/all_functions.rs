//! Every registered function.

#![no_main]

use std::sync::LazyLock;

use amigo_udfs_fuzz::{FuzzedFunction, all_functions, fuzz_one};
use libfuzzer_sys::fuzz_target;

static FUNCTIONS: LazyLock<Vec<FuzzedFunction>> = LazyLock::new(all_functions);

fuzz_target!(|data: &[u8]| fuzz_one(&FUNCTIONS, data));
