#!/usr/bin/env bash
# Installs, if missing, what building the browser app needs on a fresh machine, and defines
# `build_web`. Sourced by serve.sh and test.sh. Everything comes from crates.io, npm and
# Debian; nothing downloads prebuilt binaries from elsewhere (those hosts are closed here).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '==> %s\n' "$*"; }

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || { log "adding the wasm32 target"; rustup target add wasm32-unknown-unknown; }
}

# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_wasm_tools() {
  ensure_wasm_target
  command -v wasm-pack >/dev/null || { log "installing wasm-pack (about 1.5 min)"; cargo install wasm-pack --locked; }
  local want; want="$(wasm_bindgen_version)"
  if [ -z "$want" ]; then echo "no wasm-bindgen in Cargo.lock" >&2; exit 1; fi
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $want\$"; then
    log "installing wasm-bindgen-cli $want (about 2 min)"
    # Not --locked: its lockfile names a webpki-roots version the registry no longer serves.
    cargo install wasm-bindgen-cli --version "$want" --force
  fi
}

ensure_npm_packages() {
  # npm writes node_modules/.package-lock.json on install: older than package-lock.json (or
  # missing) means a package was added or changed since.
  local installed="$ROOT/node_modules/.package-lock.json"
  if [ ! -f "$installed" ] || [ "$ROOT/package-lock.json" -nt "$installed" ]; then
    log "installing npm packages (playwright-core and axe-core for the browser tests)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

ensure_chromium() {
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    log "installing Chromium and ChromeDriver from Debian"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

# The shipping builds of the app into www/pkg: the `wasm-release` profile (opt-level z, LTO,
# no debug info), twice: `kafkascope_web` with the lesson player (for `?lesson=` and the
# JavaScript API) and `kafkascope_play` without it (what the page loads otherwise: the lesson
# file parser is about 90 KB of the gzipped wasm). cargo and wasm-bindgen are called directly
# (not through wasm-pack) so that the name section wasm-bindgen writes for its glue can be
# left out (about 5 KB gzipped). No wasm-opt: npm's binaryen 132 made this crate's gzipped
# wasm ~10 % larger at -Oz (measured), and wasm-pack's own binaryen download fails here.
build_web() {
  ensure_wasm_tools
  local name features wasm
  for name in kafkascope_web kafkascope_play; do
    features=()
    [ "$name" = kafkascope_play ] && features=(--no-default-features)
    log "building www/pkg/$name (wasm, profile wasm-release ${features[*]})"
    (cd "$ROOT" && cargo build --quiet -p kafkascope-web --lib --target wasm32-unknown-unknown \
      --profile wasm-release "${features[@]}")
    (cd "$ROOT" && wasm-bindgen --target web --out-dir www/pkg --out-name "$name" \
      --remove-name-section --remove-producers-section \
      target/wasm32-unknown-unknown/wasm-release/kafkascope_web.wasm)
    wasm="$ROOT/www/pkg/${name}_bg.wasm"
    log "www/pkg/${name}_bg.wasm: $(wc -c <"$wasm") bytes, $(gzip -9 -c "$wasm" | wc -c) gzipped"
  done
}
