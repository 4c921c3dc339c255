#!/usr/bin/env bash
# Installs what building and testing supervisord-crate needs, and nothing
# that is already there: the Rust wasm targets, Debian packages for the
# test bed (as root), the npm packages of the JavaScript host and the
# Python venv of the Python host and the supervisor oracle.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target add wasm32-unknown-unknown wasm32-wasip2 >/dev/null

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    missing=()
    for package in debootstrap openssh-client ca-certificates; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "setup: installing ${missing[*]}"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi
