#!/usr/bin/env bash
# The Node package's whole test run, from a fresh clone with Node 20+, npm and Rust:
#   npm ci, npm run build (the addon, debug, and the TypeScript facade),
#   jest (tests/node, then once more with a globalSetup sandbox), the CommonJS and ESM import
#   checks, and tsc --noEmit over the TypeScript examples.
# Idempotent; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/cargo-env.sh
source scripts/cargo-env.sh

if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
# The package has no install script (users get prebuilt addons): build the debug addon and the
# TypeScript facade explicitly.
npm run build

npx jest --config tests/node/jest.config.js --ci
npx jest --config tests/node/global/jest.config.js --ci
node tests/node/imports/check.cjs
node tests/node/imports/check.mjs
npx tsc --project tests/node/types/tsconfig.json
echo "node: jest, CommonJS/ESM imports and the TypeScript check passed"
