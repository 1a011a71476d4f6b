# One entry point for humans and CI. `make test` on a fresh clone sets up what it needs and runs
# every suite; `make demo` runs the Scan and Pay demo against the embedded sandbox.
CARGO ?= cargo

.PHONY: test lint rust-test demo sandbox build clean

test: lint rust-test

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

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
