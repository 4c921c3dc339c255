//! The support every test shares (`test-support`), and running the `supd`
//! cargo built for these tests.

use std::path::Path;

pub use test_support::support::*;

/// Runs the `supd` built for these tests.
pub fn supd(args: &[&str]) -> Run {
    supd_at(Path::new(env!("CARGO_BIN_EXE_supd")), args)
}
