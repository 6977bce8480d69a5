#!/usr/bin/env bash
# Runs every check and test of the project, installing on a fresh machine whatever it needs
# (wasm target, wasm-pack, wasm-bindgen-cli, Chromium, npm packages).
# Used by `.ci/run` and by developers: `./scripts/test.sh`.
set -euo pipefail
source "$(dirname "$0")/web-tools.sh"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "toolchain components"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
ensure_wasm_tools
ensure_chromium
ensure_npm_packages

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings (native, and the web and wasm benchmark crates for wasm32)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p kafkascope-web -p kafkascope-bench-wasm --target wasm32-unknown-unknown --all-targets -- -D warnings
# The page's build without the lesson player (`kafkascope_play`, see build_web).
cargo clippy -p kafkascope-web --target wasm32-unknown-unknown --no-default-features -- -D warnings

step "cargo test (unit, integration, randomized fault-schedule seeds in every coordinator mode, CLI, web model)"
cargo test --workspace

step "wasm tests in headless Chromium"
wasm-pack test --headless --chrome web

step "end-to-end tests in Chromium (the served page)"
build_web
node --test tests/e2e/
