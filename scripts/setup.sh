#!/usr/bin/env bash
# Installs what building and testing supervisord-crate needs, and nothing
# that is already there: the Rust wasm targets, Debian packages for the
# test bed (as root), the npm packages of the JavaScript host and the
# Python venv of the Python host and the supervisor oracle.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown wasm32-wasip2 >/dev/null
# The lints CI runs (scripts/lint.sh).
rustup component add clippy rustfmt >/dev/null 2>&1 || true

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    # The linter of scripts/lint.sh (shellcheck); dash and busybox for the scripts' own
    # tests under every POSIX shell a node may have.
    for package in debootstrap openssh-client ca-certificates systemd-container shellcheck dash busybox; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

# The JavaScript host (jco), pinned by bindings/js/package-lock.json.
if command -v npm >/dev/null && [ ! -d bindings/js/node_modules/@bytecodealliance/jco ]; then
    echo "setup: installing jco"
    (cd bindings/js && npm ci --no-audit --no-fund --loglevel=error)
fi

# The Python package's dependency (wasmtime-py), supervisor's own config
# parser (the oracle of the round-trip tests) and pytest.
if [ ! -x target/py-venv/bin/python ] || ! target/py-venv/bin/python -c 'import wasmtime, supervisor, pytest' 2>/dev/null; then
    echo "setup: making target/py-venv"
    mkdir -p target
    python3 -m venv target/py-venv
    target/py-venv/bin/pip install -q --disable-pip-version-check -r bindings/python/requirements.txt
fi

# wasmtime's wheel, so a test can install the package into a fresh venv
# with no index at all (`pip install --no-index --find-links`).
if ! ls target/wheelhouse/wasmtime-50.0.1-*.whl >/dev/null 2>&1; then
    echo "setup: downloading wasmtime's wheel into target/wheelhouse"
    target/py-venv/bin/pip download -q --disable-pip-version-check --only-binary=:all: \
        --no-deps -d target/wheelhouse wasmtime==50.0.1
fi

# ruff for scripts/lint.sh, pinned.
if [ ! -x target/lint-venv/bin/ruff ] || ! cmp -s tests/lint-tools/requirements.txt target/lint-venv/requirements.txt; then
    echo "setup: making target/lint-venv"
    python3 -m venv target/lint-venv
    target/lint-venv/bin/pip install -q --disable-pip-version-check -r tests/lint-tools/requirements.txt
    cp -- tests/lint-tools/requirements.txt target/lint-venv/requirements.txt
fi

# The configuration-management systems the plugins run in, for their tests
# and benchmarks: ansible-core and pyinfra from PyPI, pinned.
CM_PACKAGES=(ansible-core==2.19.14 pyinfra==3.10.0 pytest==8.3.3 wasmtime==50.0.1)
if [ ! -x target/cm-venv/bin/python ] || ! target/cm-venv/bin/python -c 'import ansible, pyinfra, pytest, wasmtime' 2>/dev/null; then
    echo "setup: making target/cm-venv (${CM_PACKAGES[*]})"
    python3 -m venv target/cm-venv
    target/cm-venv/bin/pip install -q --disable-pip-version-check "${CM_PACKAGES[@]}"
fi
# ansible-core's and pyinfra's wheels too: the example tests install them
# into fresh venvs with no index.
if ! ls target/wheelhouse/ansible_core-2.19.14-*.whl target/wheelhouse/pyinfra-3.10.0-*.whl >/dev/null 2>&1; then
    echo "setup: downloading ansible-core's and pyinfra's wheels into target/wheelhouse"
    target/cm-venv/bin/pip download -q --disable-pip-version-check --only-binary=:all: \
        -d target/wheelhouse ansible-core==2.19.14 pyinfra==3.10.0 wasmtime==50.0.1
fi

# The toolchains that build Python and JavaScript facilities, for the
# tests that build the seed's app-deploy in every language: componentize-py
# (PyPI) and componentize-js (npm), pinned by tests/facility-tools.
if [ ! -x target/facility-venv/bin/componentize-py ] \
    || ! target/facility-venv/bin/componentize-py --version 2>/dev/null | grep -q '0\.25\.1'; then
    echo "setup: making target/facility-venv (componentize-py)"
    python3 -m venv target/facility-venv
    target/facility-venv/bin/pip install -q --disable-pip-version-check -r tests/facility-tools/requirements.txt
fi
if command -v npm >/dev/null \
    && ! cmp -s tests/facility-tools/package-lock.json target/facility-js/package-lock.json; then
    echo "setup: installing componentize-js into target/facility-js"
    rm -rf target/facility-js
    mkdir -p target/facility-js
    cp tests/facility-tools/package.json tests/facility-tools/package-lock.json target/facility-js/
    (cd target/facility-js && npm ci --no-audit --no-fund --loglevel=error)
fi
