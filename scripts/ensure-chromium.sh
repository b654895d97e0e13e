#!/usr/bin/env bash
# Makes sure Debian's `chromium` is on PATH for the docs portal's browser test, installing the
# package only where it is missing and we may (root, or password-less sudo). It never downloads a
# browser any other way (no `playwright install`, no puppeteer download). Exit 0 = chromium ready.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "herald: chromium is missing and this is not a Debian/Ubuntu system: install Chromium with your package manager so that \`chromium\` is on PATH." >&2
  exit 1
fi
if [ "$(id -u)" = 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo)
else
  echo "herald: chromium is missing and I may not install it (not root, no password-less sudo). Run: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "herald: installing chromium (apt-get, about a minute)" >&2
if [ -z "${HERALD_APT_UPDATED:-}" ]; then
  "${sudo_cmd[@]}" apt-get update -qq >&2
fi
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
command -v chromium >/dev/null 2>&1 || { echo "herald: apt-get installed chromium but \`chromium\` is still not on PATH" >&2; exit 1; }
echo "herald: $(chromium --version 2>/dev/null | head -1)" >&2
