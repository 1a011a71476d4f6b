# Sourced by the build and test scripts. The napi CLI always passes `--target <triple>`, so napi,
# maturin and cargo share one target/ (artifacts under target/<triple>/) only if every build names
# the same target. Naming the host here, instead of pinning a triple in .cargo/config.toml, keeps a
# plain `cargo build`, `pip install .` or `npm install` on macOS or arm64 building for that host.
if [ -z "${CARGO_BUILD_TARGET:-}" ]; then
    CARGO_BUILD_TARGET="$(rustc -vV | sed -n 's/^host: //p')"
    export CARGO_BUILD_TARGET
fi
