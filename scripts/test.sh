#!/usr/bin/env bash
# Runs every test of Staffetta on a fresh Debian machine of the project's kind.
# Installs what the tests need when it is missing (redis-server; chromium and the npm dev
# packages for the browser tests), then runs the Rust tests (unit, integration, store
# conformance against sled AND a private Redis) and the browser tests.
# Idempotent: fast when everything is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n==> %s\n' "$*"; }

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # apt's temp dir has been seen vanishing on this kind of machine; give it its own.
  local tmp; tmp=$(mktemp -d)
  $sudo env TMPDIR="$tmp" DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env TMPDIR="$tmp" DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  rm -rf "$tmp"
}

# The tests start their own redis-server on a free loopback port; they only need the binary.
apt_install redis-server
if [ -f tests/browser/package.json ]; then
  apt_install chromium
  if [ ! -d tests/browser/node_modules ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
    log "npm ci (browser test tools)"
    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
  fi
fi

log "cargo test (workspace)"
# Without redis-server the Redis conformance run fails (it never silently skips).
cargo test --workspace --all-targets --locked

log "OpenAPI document and websocket frame schema"
scripts/validate-openapi.sh

if [ -f tests/browser/package.json ]; then
  log "browser tests (headless chromium)"
  cargo build --locked --bin staffetta
  STAFFETTA_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/staffetta" npm test --prefix tests/browser
fi
log "all tests passed"
