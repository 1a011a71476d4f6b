#!/usr/bin/env bash
# Tap-to-paid latency benchmark: release build, in-process sandbox, 200 tables, polling only
# against callbacks side by side. Prints the Markdown tables of BENCHMARKS.md's "Tap to paid"
# section and writes benchmarks/latency/latency.svg.
#   LATENCY_ROUNDS=2 LATENCY_WINDOW_S=30 bash benchmarks/latency/run.sh [OUT.svg]
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
cargo run --release --locked --quiet -p paysera-sandbox --example latency_bench -- "$@"
