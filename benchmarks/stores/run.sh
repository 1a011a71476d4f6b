#!/usr/bin/env bash
# The cashier's stores side by side: operation latency (SQLite, Postgres), spots paid per second
# with 1, 2 and 4 Postgres replicas against the single-process memory store, and polling
# requests per second against the number of replicas. Release build; a throwaway Postgres with
# fsync on (scripts/with-postgres.sh). Prints the Markdown tables of BENCHMARKS.md's "Stores
# and replicas" section.
#   STORE_ROUNDS=3 bash benchmarks/stores/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
cargo build --release --locked --quiet -p paysera-sandbox --example store_bench
PAYSERA_PG_FSYNC=on bash scripts/with-postgres.sh \
    "target/$CARGO_BUILD_TARGET/release/examples/store_bench"
