#!/usr/bin/env bash
# Cashier engine benchmark: release build, in-process sandbox, prints Markdown tables
# (copy them into BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
cargo run --release --locked --quiet -p paysera-sandbox --example cashier_bench
