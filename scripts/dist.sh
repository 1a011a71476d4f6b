#!/usr/bin/env bash
# `make dist`: builds into dist/ everything a release publishes from this host, and checks it.
#   dist/python/  the sdist, and an abi3 (cp39-abi3) manylinux2014 x86_64 wheel (glibc 2.17,
#                 linked by zig), checked with auditwheel and abi3audit
#   dist/npm/     the main package (no install or build script; platform packages as
#                 optionalDependencies) and the linux-x64-gnu platform package with a release
#                 addon (glibc 2.17, linked by zig), both checked with publint and attw
#
#   bash scripts/dist.sh [python|npm|npm-pack]...     (default: python npm)
#
# `npm-pack` only packs: it puts every bindings-node/npm/<platform>/ that has an addon in
# $NAPI_ARTIFACTS (default: target/npm/addon) into dist/npm. The release workflow builds the
# addons on their own runners and calls it with the artifacts it downloaded.
# It runs on Linux with glibc (x86_64 here); the other platforms' wheels and addons are built by
# .github/workflows/release-*.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh

TOOLS=target/dist-tools
NAPI_ARTIFACTS="${NAPI_ARTIFACTS:-target/npm/addon}"
STAGE=target/npm/stage

say() { printf '== %s\n' "$*"; }

# napi, publint and attw are the repository's npm dev tools.
[ -d node_modules/@napi-rs/cli ] || npm ci --no-audit --no-fund

tools() {
    # Pinned release tools, in their own venv: maturin, zig (PyPI's ziglang), cargo-zigbuild,
    # auditwheel, abi3audit.
    local wanted stamp="$TOOLS/.paysera-requirements"
    wanted="$(sha256sum scripts/dist-requirements.txt | cut -d' ' -f1)"
    if [ ! -x "$TOOLS/bin/python" ]; then
        "${PYTHON:-python3}" -m venv "$TOOLS"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
        "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check -r scripts/dist-requirements.txt
        echo "$wanted" > "$stamp"
    fi
    # napi's --cross-compile and cargo-zigbuild look for `zig` on PATH.
    ln -sf "$("$TOOLS/bin/python" -c 'import ziglang, os; print(os.path.dirname(ziglang.__file__))')/zig" \
        "$TOOLS/bin/zig"
    PATH="$PWD/$TOOLS/bin:$PATH"
    export PATH
}

python_dist() {
    say "python: sdist and manylinux2014 abi3 wheel"
    rm -rf dist/python
    maturin sdist --out dist/python
    maturin build --release --locked --zig --compatibility manylinux2014 \
        --target "$CARGO_BUILD_TARGET" --out dist/python
    local wheel
    wheel="$(ls dist/python/*.whl)"
    say "auditwheel show"
    auditwheel show "$wheel" | tee target/auditwheel.txt
    # auditwheel names the most compatible policy the wheel satisfies: 2.17 is manylinux2014.
    grep -q "manylinux_2_17_$(uname -m)" target/auditwheel.txt \
        || { echo "dist: $wheel is not manylinux2014 (glibc 2.17) compatible" >&2; exit 1; }
    case "$wheel" in
        *-cp39-abi3-*manylinux_2_17_"$(uname -m)"*.whl) ;;
        *) echo "dist: unexpected wheel tag: $wheel" >&2; exit 1 ;;
    esac
    say "abi3audit"
    abi3audit --strict --summary "$wheel"
}

npm_addon() {
    say "npm: release addon for linux-x64-gnu (glibc 2.17)"
    rm -rf "$NAPI_ARTIFACTS"
    # `.2.17` is cargo-zigbuild's glibc version suffix; cargo itself builds the plain triple.
    npx napi build -x --release --platform --target "$CARGO_BUILD_TARGET.2.17" \
        --manifest-path bindings-node/Cargo.toml --package-json-path package.json \
        --output-dir "$NAPI_ARTIFACTS" --js index.js --dts index.d.ts
}

npm_pack() {
    say "npm: pack the main package and the platform packages"
    # napi's generated loader and types are the same for every profile and platform; the
    # facade compiles against them.
    mkdir -p bindings-node/native
    cp "$NAPI_ARTIFACTS/index.js" "$NAPI_ARTIFACTS/index.d.ts" bindings-node/native/
    npm run --silent build:ts
    rm -rf dist/npm "$STAGE"
    mkdir -p dist/npm "$STAGE"
    local packed=0 dir platform addon
    for dir in bindings-node/npm/*/; do
        platform="$(basename "$dir")"
        addon="$NAPI_ARTIFACTS/paysera-scanpay.$platform.node"
        [ -f "$addon" ] || continue
        mkdir -p "$STAGE/$platform"
        cp "$dir/package.json" "$dir/README.md" LICENSE-MIT LICENSE-APACHE "$addon" "$STAGE/$platform/"
        npm pack --silent --pack-destination dist/npm "$STAGE/$platform" >/dev/null
        packed=$((packed + 1))
    done
    [ "$packed" -gt 0 ] || { echo "dist: no addon in $NAPI_ARTIFACTS; run \`scripts/dist.sh npm\`" >&2; exit 1; }

    # The main package: what package.json's `files` lists (the facade, napi's loader and types,
    # the bin), and the README; no addon, scripts or dev tools.
    local main="$STAGE/main" entry
    mkdir -p "$main"
    cp README.md "$main/"
    for entry in $(node -p "require('./package.json').files.join(' ')"); do
        mkdir -p "$main/$(dirname "$entry")"
        cp -r "$entry" "$main/$entry"
    done
    node scripts/npm-main-package.js package.json bindings-node/npm > "$main/package.json"
    npm pack --silent --pack-destination dist/npm "$main" >/dev/null

    say "publint and attw"
    for dir in "$STAGE"/*/; do
        npx publint run --strict "$dir"
        # Type resolution under every module mode (node10, node16 CJS/ESM, bundler). A platform
        # package holds only its addon: attw reports that it has no types, and passes.
        npx attw --pack "$dir"
    done
    ls -l dist/npm
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(python npm)
for step in "${steps[@]}"; do
    case "$step" in
        python) tools; python_dist ;;
        npm) tools; npm_addon; npm_pack ;;
        npm-pack) npm_pack ;;
        *) echo "dist: unknown step '$step' (python, npm, npm-pack)" >&2; exit 2 ;;
    esac
done
