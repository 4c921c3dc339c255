#!/usr/bin/env bash
# Runs every benchmark and writes BENCHMARKS.md: plugin costs, facility
# costs per language, then
# converge times of supd against a bash floor, the Python package, the
# Ansible collection, pyinfra and idiomatic Ansible (local sandbox, over
# SSH to a Debian test-bed node, and fleets), then nodes of 200 and 1,000
# programs over SSH (supd and the floor), all in one run.
#   bash benches/run.sh            (BENCH_RUNS=5 by default; needs root for ssh/fleet)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=$(mktemp)
cargo bench -p host-harness --bench plugin 2>/dev/null | sed -n '/^| plugin call/,$p' > "$out.plugin"
cargo bench -p host-harness --bench facility 2>/dev/null | sed -n '/^| facility/,$p' > "$out.facility"
BENCH_OUT="$out.converge" cargo bench -p host-harness --bench converge
# Large nodes: supd and the floor over SSH (the other tools take minutes).
if [[ "${BENCH_ONLY:-ssh}" == *ssh* ]]; then
    BENCH_OUT="$out.large" BENCH_ONLY=ssh BENCH_SIZES=200,1000 BENCH_TOOLS=floor \
        cargo bench -p host-harness --bench converge
fi
{
    echo "# Benchmarks"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB;"
    echo "$(rustc --version); supervisor 4.3.0 from PyPI; ansible 12.3.0 (ansible-core $(target/bench/ansible-venv/bin/python -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null || echo '?'))."
    echo "Regenerate with \`bash benches/run.sh\`. What these figures mean against the project's targets: \"Against the targets\", at the end."
    echo
    echo "## Plugin"
    echo
    cat "$out.plugin"
    echo
    echo "## Facilities"
    echo
    echo "The seed's app-deploy as \`supd facility new\` scaffolds it in each language, built by \`supd facility build\`; the seed's example mapped on a warm instance."
    echo
    cat "$out.facility"
    echo
    echo "## Converge"
    echo
    cat "$out.converge"
    if [ -f "$out.large" ]; then
        echo
        echo "## Large nodes"
        echo
        cat "$out.large"
    fi
    # The hand-written reading of a run against the targets stays.
    if [ -f BENCHMARKS.md ]; then
        echo
        sed -n '/^## Against the targets/,$p' BENCHMARKS.md
    fi
} > "$out.new"
mv -- "$out.new" BENCHMARKS.md
rm -f "$out" "$out.plugin" "$out.facility" "$out.converge" "$out.large"
cat BENCHMARKS.md
