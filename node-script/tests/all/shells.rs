//! The facts and apply scripts under every POSIX shell a node may have:
//! Debian's `dash`, `bash --posix`, and BusyBox `ash` (Alpine's `/bin/sh`).
//! Each runs this whole test binary again with `SUPD_TEST_SHELL` set, so
//! every script test of the crate runs under each shell.

use std::process::Command;

use test_support::support::installed;

/// The shells, as `SUPD_TEST_SHELL` takes them.
const SHELLS: [&str; 3] = ["dash", "bash --posix", "busybox ash"];

/// Says why a shell is left out; in CI (where scripts/setup.sh installs
/// them) that is a failure.
fn skip(shell: &str, reason: &str) {
    test_support::skip::skip(&format!("node-script under {shell}"), reason);
}

#[test]
fn every_script_test_passes_under_dash_bash_posix_and_busybox_ash() {
    if std::env::var_os("SUPD_TEST_SHELL").is_some() {
        return; // one of the runs below
    }
    for shell in SHELLS {
        let program = shell.split_whitespace().next().unwrap();
        if !installed(program) {
            skip(
                shell,
                &format!("{program} is not installed (scripts/setup.sh installs it as root)"),
            );
            continue;
        }
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--skip", "shells::", "--test-threads", "2"])
            .env("SUPD_TEST_SHELL", shell)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "the scripts' tests under {shell}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let passed = stdout
            .lines()
            .find_map(|line| line.strip_prefix("test result: ok. "))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        assert!(passed >= 20, "{shell}: {passed} tests ran:\n{stdout}");
    }
}
