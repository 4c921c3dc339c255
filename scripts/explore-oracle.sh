#!/usr/bin/env bash
# Random exploration with the supervisor-parser oracle, outside CI's
# landing gate: runs it with new random seeds and prints each seed and how
# it ended. A failing seed belongs in SEEDS of tests/all/oracle.rs (and its
# input in REGRESSIONS) once fixed.
#   bash scripts/explore-oracle.sh [RUNS] [CASES]     (defaults: 10, 5000)
set -uo pipefail
cd "$(dirname "$0")/.." || exit
runs=${1:-10}
cases=${2:-5000}
failed=()
for _ in $(seq "$runs"); do
    seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
    log=$(mktemp -t "oracle-$seed.XXXXXX.log") || exit
    if SUPD_ORACLE_SEEDS=$seed SUPD_ORACLE_CASES=$cases \
        cargo test -q -p host-harness --test all -- oracle >"$log" 2>&1; then
        echo "seed $seed: ok"
        rm -f -- "$log"
    else
        echo "seed $seed: FAILED (log: $log)"
        failed+=("$seed")
    fi
done
echo "tried $runs seeds, ${#failed[@]} failed${failed:+: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
