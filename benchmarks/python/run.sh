#!/usr/bin/env bash
# Python benchmarks: an optimised build in its own venv (under target/, so the debug test venv is
# untouched), then bench.py. `--write` also updates BENCHMARKS.md's Python section.
#   bash benchmarks/python/run.sh [--write] [--json]
#   bash benchmarks/python/run.sh --vs-rust   # only Client.get_spot against the Rust client
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh

PYTHON="${PYTHON:-python3}"
VENV=target/python-bench-venv
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"
stamp="$VENV/.paysera-requirements"
wanted="$(sha256sum tests/python/requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    python -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt
    echo "$wanted" > "$stamp"
fi
# A wheel, not an editable install: the debug extension that tests/python/run.sh leaves in the
# source tree must not shadow the release one.
rm -rf target/python-bench-wheels
maturin build --release --quiet --out target/python-bench-wheels
python -m pip install --quiet --force-reinstall --no-deps target/python-bench-wheels/*.whl
if [[ " $* " == *" --vs-rust "* ]]; then
    cargo build --release --locked --quiet -p paysera-sandbox --example round_trip
    export PAYSERA_ROUND_TRIP_EXE="$PWD/target/$CARGO_BUILD_TARGET/release/examples/round_trip"
fi
cd target  # import the installed wheel, not bindings-python/python
python ../benchmarks/python/bench.py "$@"
