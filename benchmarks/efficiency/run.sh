#!/usr/bin/env bash
# Efficiency against the limit: the cashier engine's throughput (200 tables or EFFICIENCY_TABLES,
# budget lifted) as a share of the sandbox's capacity measured in the same run. Release build; prints
# the Markdown tables of BENCHMARKS.md's "Efficiency against the limit" section. The Python and
# Node round trips against the Rust client's: benchmarks/python/run.sh --vs-rust and
# benchmarks/node/run.sh --vs-rust.
#   EFFICIENCY_ROUNDS=5 EFFICIENCY_TABLES=200 bash benchmarks/efficiency/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
cargo run --release --locked --quiet -p paysera-sandbox --example efficiency_bench
