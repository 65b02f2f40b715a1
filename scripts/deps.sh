#!/usr/bin/env bash
# Installs the Debian 12 packages kouan needs to build, test and run its demo.
# Idempotent: when every package is installed already it changes nothing.
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config clang libclang-rt-14-dev
    libzmq3-dev libpq-dev postgresql libxml2-dev libssl-dev libinih-dev check
    clang-format curl libcurl4-openssl-dev libmicrohttpd-dev libjansson-dev
    chromium nodejs npm fonts-wqy-microhei
)
# (the browser test: Chromium, Node and npm for playwright-core, and a CJK
# font so that the pages' Chinese shows in its screenshots)

missing=()
for p in "${PACKAGES[@]}"; do
    # a Node.js from NodeSource carries its own npm, and conflicts with Debian's
    [ "$p" = npm ] && command -v npm >/dev/null && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
