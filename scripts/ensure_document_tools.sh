#!/usr/bin/env bash
# Uploaded documents need Debian's libmagic1 (python-magic reads each file's type: core.uploads),
# and their tests start Debian's clamd (core/tests/test_antivirus.py, tests/clamd.py) with a
# signature database built on the spot (the official one cannot be downloaded here). Installs
# `libmagic1` and `clamav-daemon` when they are missing (root only).
set -euo pipefail

CLAMD="${CLAMD_PATH:-/usr/sbin/clamd}"

has_libmagic() { ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1'; }
has_clamd() { [ -x "$CLAMD" ] || { [ -z "${CLAMD_PATH:-}" ] && command -v clamd >/dev/null 2>&1; }; }

missing=()
has_libmagic || missing+=(libmagic1)
has_clamd || missing+=(clamav-daemon)
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ -n "${CLAMD_PATH:-}" ] && ! has_clamd; then
  echo "ensure_document_tools: CLAMD_PATH=$CLAMD_PATH is not an executable file." >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  echo "ensure_document_tools: installing Debian's ${missing[*]}…" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Another apt run may hold the lock for a while: wait for it rather than fail.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package's own clamd service and freshclam are not used here: the tests start their own.
  if has_libmagic && has_clamd; then
    exit 0
  fi
  echo "ensure_document_tools: apt-get finished but libmagic1 or clamd is still missing." >&2
  exit 1
fi

cat >&2 <<MSG
ensure_document_tools: ${missing[*]} not installed, and installing needs root. Run:
    sudo apt-get update && sudo apt-get install -y ${missing[*]}
(or point CLAMD_PATH at a clamd binary). Without clamd the scanning tests skip locally and fail
when REQUIRE_SERVICES=1; without libmagic1 no upload can be checked.
MSG
exit 1
