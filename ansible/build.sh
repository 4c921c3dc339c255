#!/usr/bin/env bash
# Builds the collection's tarball with the components it bundles:
#   bash ansible/build.sh [OUTDIR]     (default target/ansible)
# The components come from $COMPONENTS_DIR when it holds them, else they
# are built (cargo run -p component-build). Needs ansible-galaxy on PATH
# (or $ANSIBLE_GALAXY).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/ansible}
components=${COMPONENTS_DIR:-target/components}
names=(supervisord node-script app-deploy)
for name in "${names[@]}"; do
    if [ ! -f "$components/$name.wasm" ]; then
        cargo run -q -p component-build --features cli -- "${names[@]}" >/dev/null
        components=target/components
        break
    fi
done
collection=ansible/ansible_collections/supervisord_crate/supervision
mkdir -p "$collection/plugins/plugin_utils/components" "$out"
for name in "${names[@]}"; do
    cp "$components/$name.wasm" "$collection/plugins/plugin_utils/components/"
done
"${ANSIBLE_GALAXY:-ansible-galaxy}" collection build "$collection" --output-path "$out" --force
