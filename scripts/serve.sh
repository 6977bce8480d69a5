#!/usr/bin/env bash
# Builds the browser app (installing what is missing) and serves it on http://127.0.0.1:8080.
# PORT=9000 ./scripts/serve.sh serves elsewhere.
set -euo pipefail
source "$(dirname "$0")/web-tools.sh"
build_web
PORT="${PORT:-8080}"
log "serving $ROOT on http://127.0.0.1:$PORT (Ctrl-C stops)"
cd "$ROOT" && exec python3 -m http.server "$PORT" --bind 127.0.0.1
