#!/usr/bin/env bash
# Node benchmarks (see BENCHMARKS.md): builds the addon in release mode, then runs bench.js.
# Needs `npm ci` (or `npm install`) to have been run once. Leaves the release addon in place;
# `npm run build` (or tests/node/run.sh) goes back to the debug build.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
[ -d node_modules ] || npm ci --no-audit --no-fund --ignore-scripts
npm run build:release
node benchmarks/node/bench.js
