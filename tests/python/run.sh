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

# Windows' default event loop (ProactorEventLoop) has no add_reader: there a waiter thread
# hands finished work to the loop. Run the asyncio tests again on loops whose add_reader raises
# NotImplementedError; each test checks that the fallback carried all of it. A fallback that
# never delivers hangs the loop's cleanup too: the thread timeout method ends the run with every
# thread's stack instead.
echo "== pytest (event_loop tests, on loops without add_reader)"
PAYSERA_TEST_NO_ADD_READER=1 python -m pytest tests/python -m event_loop -o timeout_method=thread

# Only the host target is installed: the portable-wakeup feature builds the non-unix wake-up
# code on this host, so that it keeps compiling and linting clean.
echo "== cargo check + clippy (bindings-python, portable-wakeup)"
cargo check -p paysera-scanpay-python --features portable-wakeup --locked
cargo clippy -p paysera-scanpay-python --all-targets --features portable-wakeup --locked -- -D warnings
