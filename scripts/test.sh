#!/usr/bin/env bash
# The whole test suite: installs what is missing (Node 24, redis-server, chromium, promtool, npm packages),
# type-checks, then runs every test with vitest against real redis-server, buf, Pact and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
HERALD_NEED_REDIS_SERVER=1 . scripts/setup.sh --with-browser
echo "herald: type-checking (tsc --strict)" >&2
npx tsc -p tsconfig.json
exec npx vitest run "$@"
