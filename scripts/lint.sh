#!/usr/bin/env bash
# The lints CI runs before the tests (scripts/setup.sh installs them):
# rustfmt and clippy over the workspace, ruff over the Python of the hosts,
# the SDK and the bindings, shellcheck over every shell file. Fix what it
# finds with `cargo fmt`, `target/lint-venv/bin/ruff format` and
# `ruff check --fix`.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
step() {
    echo "lint: $*"
    "$@" || status=1
}
# A lint whose tool is missing is skipped with the reason, like a test
# (scripts/test.sh counts it; with CI=true a skip fails).
have() {
    if "$@" >/dev/null 2>&1; then
        return 0
    fi
    echo "SKIPPED lint: $1 is missing (scripts/setup.sh installs it)"
    mkdir -p target
    echo "lint: $1 is missing" >> target/skipped-tests.txt
    return 1
}
if have cargo fmt --version; then
    step cargo fmt --all --check
fi
if have cargo clippy --version; then
    step cargo clippy --locked --workspace --all-targets --quiet -- -D warnings
fi
python_dirs=(python ansible bindings sdk/python node-script/src tests)
if have target/lint-venv/bin/ruff --version; then
    step target/lint-venv/bin/ruff check "${python_dirs[@]}"
    step target/lint-venv/bin/ruff format --check "${python_dirs[@]}"
fi
if have shellcheck --version; then
    # The node scripts are POSIX sh with no #! line (they are sent, not
    # run); facts.sh loops over words the compiler fills in (`for l in
    # @LOCATIONS@`).
    step shellcheck -s sh node-script/src/script/prelude.sh node-script/src/alive.sh
    step shellcheck -s sh -e SC2043 node-script/src/facts/facts.sh
    mapfile -t scripts < <(git ls-files -- '*.sh' .ci/run | grep -v '^node-script/src/')
    step shellcheck "${scripts[@]}"
fi
exit "$status"
