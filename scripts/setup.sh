#!/usr/bin/env bash
# Installs what Herald needs on this machine, idempotently: Node 24 (from the npm registry when the
# machine's Node is older), redis-server (and, for the tests, chromium, promtool, protoc, python3-protobuf and
# python3-redis: Debian packages, when missing and we may), and the npm dependencies (npm ci, only
# when package-lock.json changed since the last install).
# Source it (`. scripts/setup.sh [--with-browser]`) so PATH keeps Node 24 afterwards.
herald_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$herald_root/scripts/node24.sh"

herald_apt_install() {
  # $1 = command to look for, $2 = Debian package(s), space-separated.
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "herald: installing $2 (apt-get)" >&2
    if [ -z "${HERALD_APT_UPDATED:-}" ]; then
      apt-get update -qq >&2 && export HERALD_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    echo "herald: installing $2 (sudo apt-get)" >&2
    sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null
  else
    echo "herald: $1 is missing and I may not install it. Install the Debian package '$2' (or set REDIS_URL for Redis)." >&2
    return 1
  fi
}

if [ -z "${REDIS_URL:-}" ] || [ "${HERALD_NEED_REDIS_SERVER:-}" = 1 ]; then
  herald_apt_install redis-server redis-server || return 1 2>/dev/null || exit 1
fi
if [ "${1:-}" = "--with-browser" ]; then
  herald_apt_install chromium chromium || return 1 2>/dev/null || exit 1
  # promtool (Debian package prometheus): the suite checks both services' /metrics with it.
  herald_apt_install promtool prometheus || return 1 2>/dev/null || exit 1
  # The test suite's Python clients (README "Wire format") run on Debian's python3 and its packages,
  # never a pyenv shim: /usr/bin/python3 with python3-protobuf and python3-redis, plus protoc.
  herald_apt_install protoc protobuf-compiler || return 1 2>/dev/null || exit 1
  if ! /usr/bin/python3 -c 'import google.protobuf, redis' 2>/dev/null; then
    herald_apt_install herald-python3-modules-missing "python3-protobuf python3-redis" || return 1 2>/dev/null || exit 1
  fi
fi

herald_stamp="$herald_root/node_modules/.herald-install-stamp"
if [ ! -f "$herald_stamp" ] || [ "$herald_root/package-lock.json" -nt "$herald_stamp" ]; then
  echo "herald: installing npm dependencies (npm ci)" >&2
  # @asyncapi/html-template pulls in puppeteer, whose browser download cannot work offline and is not
  # needed: the docs test drives Debian's chromium. Telemetry off.
  (cd "$herald_root" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2) || return 1 2>/dev/null || exit 1
  touch "$herald_stamp"
fi
export PACT_DO_NOT_TRACK=true
unset -f herald_apt_install
