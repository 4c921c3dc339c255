//! A test that cannot run here says why, once, where `scripts/test.sh`
//! counts it (`target/skipped-tests.txt`); with `CI=true`, where setup has
//! installed everything, it fails instead.

use std::io::Write;

use crate::support::workspace;

/// Records that `what` cannot run here and why; panics when CI=true.
pub fn skip(what: &str, reason: &str) {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{what}: cannot run in CI: {reason}");
    }
    eprintln!("SKIPPED {what}: {reason}");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(workspace().join("target/skipped-tests.txt"))
    {
        let _ = writeln!(file, "{what}: {reason}");
    }
}
