#!/usr/bin/env bash
# Sandbox capacity benchmark: release build, in-process sandbox and core client, prints the
# Markdown table of BENCHMARKS.md's "Sandbox capacity" section.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
cargo run --release --locked --quiet -p paysera-sandbox --example sandbox_bench
