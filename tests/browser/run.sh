#!/usr/bin/env bash
# The dashboard and phone pages in a real browser: Debian's Chromium driven by playwright-core
# (an npm devDependency; it cannot download browsers here, so it is pointed at the system one).
# Standalone and idempotent: installs Chromium when missing, node_modules when missing, builds the
# Node package (debug addon + TypeScript facade) only when it is missing or older than its sources,
# then runs tests/browser/dashboard.test.js. Screenshots and perf.json land in target/browser/.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh

if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  $sudo apt-get update
  $sudo apt-get install -y chromium
fi

missing=""
for dep in playwright-core @napi-rs/cli typescript; do
  [ -d "node_modules/$dep" ] || missing=1
done
if [ -n "$missing" ]; then
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi

addon="$(ls bindings-node/native/*.node 2>/dev/null | head -n1 || true)"
if [ -z "$addon" ] || [ ! -f bindings-node/dist/index.js ] || [ ! -f bindings-node/dist/testing.js ] \
  || [ -n "$(find core/src sandbox/src bindings-node/src bindings-node/ts Cargo.lock -newer "$addon" -print -quit)" ]; then
  npm run build
fi

mkdir -p target/browser
node tests/browser/dashboard.test.js
