#!/usr/bin/env bash
# Cashier engine benchmark: release build, in-process sandbox, prints Markdown tables
# (copy them into BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo run --release --locked --quiet -p paysera-sandbox --example cashier_bench
