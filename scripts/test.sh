#!/usr/bin/env bash
# Runs every check and test of the project. Installs what it needs on a fresh machine.
# Used by `.ci/run` and by developers: `./scripts/test.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

step "cargo test (unit, integration, 1,000 randomized fault-schedule seeds, CLI)"
cargo test --workspace
