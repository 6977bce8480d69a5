#!/usr/bin/env bash
# Builds and serves the browser app on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d web ]; then
  echo "The browser app (web/) does not exist yet: it is issue #5." >&2
  echo "Until then, run scenarios with the CLI: cargo run -p kafkascope -- run scenarios/leader-failover.json" >&2
  exit 1
fi
echo "web/ exists but this script has not been taught to build it yet" >&2
exit 1
