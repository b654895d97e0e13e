#!/usr/bin/env bash
# The main job: installs what is missing, then starts Redis (a private redis-server with AOF under
# .data/, unless REDIS_URL is set), Catalog and Sales. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
exec node --conditions=herald-source src/cli/main.ts dev "$@"
