#!/usr/bin/env bash
# Installs what `make dist` put in dist/ the way users do, with no cargo or rustc on PATH, and
# runs the smoke flow from a temporary directory outside the source tree:
#   - the wheel into a fresh venv;
#   - the npm main and linux-x64-gnu tarballs into a fresh npm project (CommonJS and ESM);
#   - without the platform package, the Node loader names the package it looked for;
#   - without Rust, the sdist says it needs Rust >= 1.88; with Rust, it builds a working wheel.
# Sizes and install/import times are measured by benchmarks/packaging/run.sh, not here.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh
ROOT="$PWD"

# A PATH as a user without Rust has it: node and npm are in /usr/bin, rustup's tools are not.
NO_RUST_PATH=/usr/local/bin:/usr/bin:/bin
for tool in cargo rustc; do
    if PATH="$NO_RUST_PATH" command -v "$tool" >/dev/null; then
        echo "dist test: $tool is on $NO_RUST_PATH, so this would not prove an install without Rust" >&2
        exit 1
    fi
done
PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
WHEEL="$(ls "$ROOT"/dist/python/paysera_scanpay-*-cp39-abi3-*.whl)"
SDIST="$(ls "$ROOT"/dist/python/paysera_scanpay-*.tar.gz)"
MAIN_TGZ="$(ls "$ROOT"/dist/npm/paysera-scanpay-[0-9]*.tgz)"
GNU_TGZ="$(ls "$ROOT"/dist/npm/paysera-scanpay-linux-x64-gnu-*.tgz)"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp tests/dist/smoke.py tests/dist/smoke.cjs tests/dist/smoke.mjs core/tests/data/vectors.json "$WORK/"
no_rust() { env PATH="$NO_RUST_PATH" CARGO_BUILD_TARGET= "$@"; }

echo "== python: the wheel into a fresh venv"
no_rust "$PYTHON" -m venv "$WORK/venv"
no_rust "$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index "$WHEEL"
(cd "$WORK" && no_rust "$WORK/venv/bin/python" smoke.py vectors.json)
(cd "$WORK" && no_rust "$WORK/venv/bin/python" -m paysera_scanpay sandbox --help > py-help.txt)
grep -q -- '--mac-key' "$WORK/py-help.txt"

echo "== npm: the main and linux-x64-gnu tarballs into a fresh project"
mkdir "$WORK/shop"
(cd "$WORK/shop" && no_rust npm init -y >/dev/null &&
    no_rust npm install --no-audit --no-fund --loglevel=error "$MAIN_TGZ" "$GNU_TGZ" &&
    cp ../smoke.cjs ../smoke.mjs . && no_rust node smoke.cjs ../vectors.json && no_rust node smoke.mjs &&
    no_rust npx --no-install paysera-scanpay sandbox --help > ../npx-help.txt)
grep -q -- '--mac-key' "$WORK/npx-help.txt"

echo "== npm: without its platform package, the loader says what it looked for"
mkdir "$WORK/bare"
(cd "$WORK/bare" && no_rust npm init -y >/dev/null &&
    no_rust npm install --no-audit --no-fund --loglevel=error --omit=optional "$MAIN_TGZ")
if (cd "$WORK/bare" && no_rust node -e "require('paysera-scanpay')") 2> "$WORK/bare.err"; then
    echo "dist test: paysera-scanpay loaded without its platform package" >&2
    exit 1
fi
for expected in 'paysera-scanpay-linux-x64-gnu' 'Rust >= 1.88' 'npm install && npm run build:release'; do
    grep -qF "$expected" "$WORK/bare.err" || {
        echo "dist test: the loader's error does not mention '$expected':" >&2
        cat "$WORK/bare.err" >&2
        exit 1
    }
done

echo "== python: the sdist without Rust says what it needs"
no_rust "$PYTHON" -m venv "$WORK/venv-sdist"
if no_rust "$WORK/venv-sdist/bin/python" -m pip install --disable-pip-version-check "$SDIST" \
    > "$WORK/sdist.log" 2>&1; then
    echo "dist test: the sdist installed without Rust?" >&2
    exit 1
fi
grep -qF 'paysera-scanpay needs Rust >= 1.88 to build from source' "$WORK/sdist.log" || {
    echo "dist test: pip's output does not say that Rust >= 1.88 is needed:" >&2
    cat "$WORK/sdist.log" >&2
    exit 1
}

echo "== python: the sdist builds a working wheel where Rust is"
# Linked by zig into the shared target/, as `make dist` built the wheel, so registry crates can be
# reused; the workspace crates unpacked from the sdist build afresh from its files alone.
PATH="$ROOT/target/dist-tools/bin:$PATH" "$WORK/venv-sdist/bin/python" -m pip wheel --quiet \
    --disable-pip-version-check --no-deps --wheel-dir "$WORK/from-sdist" "$SDIST" \
    --config-settings=build-args="--zig --compatibility manylinux2014 --target-dir=$ROOT/target"
no_rust "$WORK/venv-sdist/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    "$WORK"/from-sdist/*.whl
(cd "$WORK" && no_rust "$WORK/venv-sdist/bin/python" smoke.py vectors.json)

echo "dist: wheel, sdist and npm tarballs installed without Rust and passed the smoke flow"
