#!/usr/bin/env bash
# Random exploration with the lifecycle walk, outside CI's landing gate:
# walks new random seeds (10 transitions each, every step of the fourth a
# crash point) against a real supervisord on a sandbox node, and prints
# each seed and how it ended. A failing seed belongs in SEEDS of
# tests/all/lifecycle/mod.rs once fixed.
#   bash scripts/explore-lifecycle.sh [RUNS]     (default: 5)
set -uo pipefail
cd "$(dirname "$0")/.." || exit
runs=${1:-5}
failed=()
for _ in $(seq "$runs"); do
    seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
    log=$(mktemp "${TMPDIR:-/tmp}/lifecycle-$seed.XXXXXX")
    if SUPD_LIFECYCLE_SEEDS=$seed \
        cargo test -q -p host-harness --test all -- lifecycle_walk_1 >"$log" 2>&1; then
        echo "seed $seed: ok"
        rm -f "$log"
    else
        echo "seed $seed: FAILED (log: $log)"
        failed+=("$seed")
    fi
done
echo "tried $runs seeds, ${#failed[@]} failed${failed:+: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
