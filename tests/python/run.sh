#!/usr/bin/env bash
# The Python package's whole check, as CI runs it: on a fresh clone with only Python 3.11 and
# Rust, it creates .venv, installs the pinned dev requirements, builds the extension (debug) into
# it, then runs pytest, mypy.stubtest, mypy (package and README examples) and ruff.
# Idempotent: a second run reinstalls nothing and only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh

PYTHON="${PYTHON:-python3}"
VENV=.venv
REQUIREMENTS=tests/python/requirements.txt

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# shellcheck disable=SC1091
source "$VENV/bin/activate"

stamp="$VENV/.paysera-requirements"
wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    python -m pip install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
    echo "$wanted" > "$stamp"
fi

# Caches stay inside .venv (ignored by git).
export MYPY_CACHE_DIR="$VENV/.mypy_cache" RUFF_CACHE_DIR="$VENV/.ruff_cache"

echo "== maturin develop (debug)"
maturin develop --quiet

echo "== ruff"
ruff check bindings-python/python tests/python benchmarks/python
ruff format --check bindings-python/python tests/python benchmarks/python

echo "== mypy.stubtest"
python -m mypy.stubtest paysera_scanpay --allowlist tests/python/stubtest-allowlist.txt

echo "== mypy (package, strict)"
python -m mypy bindings-python/python/paysera_scanpay

echo "== mypy (README examples)"
python tests/python/readme_examples.py mypy

echo "== pytest"
python -m pytest tests/python
