#!/usr/bin/env bash
# Node benchmarks (see BENCHMARKS.md): builds the addon in release mode, then runs bench.js.
# Needs `npm ci` (or `npm install`) to have been run once. Leaves the release addon in place;
# `npm run build` (or tests/node/run.sh) goes back to the debug build.
#   bash benchmarks/node/run.sh [--vs-rust]   # --vs-rust: only getSpot against the Rust client
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
[ -d node_modules ] || npm ci --no-audit --no-fund --ignore-scripts
npm run build:release
if [[ " $* " == *" --vs-rust "* ]]; then
    cargo build --release --locked --quiet -p paysera-sandbox --example round_trip
    export PAYSERA_ROUND_TRIP_EXE="$PWD/target/$CARGO_BUILD_TARGET/release/examples/round_trip"
fi
node benchmarks/node/bench.js "$@"
