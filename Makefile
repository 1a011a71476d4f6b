# One entry point for humans and CI. `make test` on a fresh clone sets up what it needs and runs
# every suite; `make demo` runs the Scan and Pay demo against the embedded sandbox.
CARGO ?= cargo
# Every build names the host triple, so cargo, maturin and napi share one target/ (see
# scripts/cargo-env.sh); no triple is pinned for plain cargo builds.
CARGO_BUILD_TARGET ?= $(shell rustc -vV | sed -n 's/^host: //p')
export CARGO_BUILD_TARGET

.PHONY: test lint rust-test python-test node-test demo sandbox build clean

# Bindings first: maturin and napi builds, then cargo test reuses what it can (TOOLCHAIN.md).
test: lint python-test node-test rust-test

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

node-test:
	bash tests/node/run.sh

python-test:
	bash tests/python/run.sh

rust-test:
	$(CARGO) test --workspace --locked

demo:
	$(CARGO) run --quiet --locked -p paysera-scanpay-cli -- demo

sandbox:
	$(CARGO) run --quiet --locked -p paysera-sandbox -- --port 8080

build:
	$(CARGO) build --workspace --locked

clean:
	$(CARGO) clean
