#!/usr/bin/env bash
# Browser tests (tests/browser) drive Debian's Chromium with Playwright; Playwright's own browser
# download is not used. Installs the `chromium` package when it is missing (root only).
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "ensure_chromium: CHROMIUM_PATH=$CHROMIUM_PATH is not an executable file." >&2
  exit 1
fi
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "ensure_chromium: installing Debian's chromium package…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  if [ -x /usr/bin/chromium ]; then
    exit 0
  fi
  echo "ensure_chromium: apt-get finished but /usr/bin/chromium is still missing." >&2
  exit 1
fi

cat >&2 <<'MSG'
ensure_chromium: Chromium is not installed, and installing it needs root. Run:
    sudo apt-get update && sudo apt-get install -y chromium
or point CHROMIUM_PATH at a Chromium or Chrome binary. Without it the browser tests
(tests/browser) skip locally and fail when REQUIRE_SERVICES=1.
MSG
exit 1
