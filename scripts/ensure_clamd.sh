#!/usr/bin/env bash
# Document scanning tests (core/tests/test_antivirus.py) start Debian's clamd with a signature
# database built on the spot (the official one cannot be downloaded here). Installs the
# `clamav-daemon` package when clamd is missing (root only).
set -euo pipefail

CLAMD="${CLAMD_PATH:-/usr/sbin/clamd}"

if [ -x "$CLAMD" ] || command -v clamd >/dev/null 2>&1; then
  exit 0
fi
if [ -n "${CLAMD_PATH:-}" ]; then
  echo "ensure_clamd: CLAMD_PATH=$CLAMD_PATH is not an executable file." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "ensure_clamd: installing Debian's clamav-daemon package…" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Another apt run may hold the lock for a while: wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends clamav-daemon >/dev/null
  # The package's own service (and freshclam) are not used: the tests start their own clamd.
  if [ -x /usr/sbin/clamd ]; then
    exit 0
  fi
  echo "ensure_clamd: apt-get finished but /usr/sbin/clamd is still missing." >&2
  exit 1
fi

cat >&2 <<'MSG'
ensure_clamd: clamd is not installed, and installing it needs root. Run:
    sudo apt-get update && sudo apt-get install -y clamav-daemon
or point CLAMD_PATH at a clamd binary. Without it the scanning tests (core/tests/test_antivirus.py)
skip locally and fail when REQUIRE_SERVICES=1.
MSG
exit 1
