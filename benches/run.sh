#!/usr/bin/env bash
# Runs every benchmark and writes BENCHMARKS.md: plugin costs, then
# converge times of supd against a bash floor and Ansible (local sandbox,
# over SSH to a Debian test-bed node, and fleets), all in one run.
#   bash benches/run.sh            (BENCH_RUNS=5 by default; needs root for ssh/fleet)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out=$(mktemp)
cargo bench -p host-harness --bench plugin 2>/dev/null | sed -n '/^| plugin call/,$p' > "$out.plugin"
BENCH_OUT="$out.converge" cargo bench -p host-harness --bench converge
{
    echo "# Benchmarks"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB;"
    echo "$(rustc --version); supervisor 4.3.0 from PyPI; ansible 12.3.0 (ansible-core $(target/bench/ansible-venv/bin/python -c 'import ansible.release as r; print(r.__version__)' 2>/dev/null || echo '?'))."
    echo "Regenerate with \`bash benches/run.sh\`."
    echo
    echo "## Plugin"
    echo
    cat "$out.plugin"
    echo
    echo "## Converge"
    echo
    cat "$out.converge"
} > BENCHMARKS.md
rm -f "$out" "$out.plugin" "$out.converge"
cat BENCHMARKS.md
