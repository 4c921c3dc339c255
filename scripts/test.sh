#!/usr/bin/env bash
# Runs every test: installs what is missing (scripts/setup.sh), then the
# lints (scripts/lint.sh), then the whole workspace's tests. Tests that
# need root, debootstrap or sshd skip with a printed reason when those are
# missing; with CI=true a skip fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p target
rm -f target/skipped-tests.txt
status=0
# The lints first (a failure fails the run, after the tests have run too).
bash scripts/lint.sh || status=$?
cargo test --locked --no-fail-fast "$@" || status=$?
skipped=0
if [ -f target/skipped-tests.txt ]; then
    skipped=$(wc -l < target/skipped-tests.txt)
    echo "skipped tests ($skipped):"
    sed 's/^/  /' target/skipped-tests.txt
fi
echo "skipped: $skipped"
if [ "$skipped" != 0 ] && [ "${CI:-}" = true ]; then
    echo "CI must skip nothing" >&2
    status=1
fi
exit "$status"
