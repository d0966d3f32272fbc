#!/bin/sh
# Signatures, then clamd in the foreground.
#   CLAMAV_SIGNATURES=freshclam (default, production): the first start downloads the official
#     database (freshclam; needs database.clamav.net, or a mirror set in /etc/clamav/freshclam.conf)
#     and fails if it cannot; then freshclam runs as a daemon, checking FRESHCLAM_CHECKS times a day
#     (12), and clamd reloads what it fetches.
#   CLAMAV_SIGNATURES=test-eicar (tests, and scripts/compose_smoke.sh on machines without internet):
#     a database of ONE signature, the EICAR test file's ("Midi.Test.EICAR", reported as
#     Midi.Test.EICAR.UNOFFICIAL), as tests/clamd.py builds it. It proves the path works; it
#     detects nothing real, and says so in the log.
set -eu
database=/var/lib/clamav
case "${CLAMAV_SIGNATURES:-freshclam}" in
  test-eicar)
    # .ndb: Name:TargetType(0 = any file):Offset(* = anywhere):the 68 bytes of EICAR, in hex.
    rm -f "$database"/*.cvd "$database"/*.cld
    echo "Midi.Test.EICAR:0:*:58354f2150254041505b345c505a58353428505e2937434329377d2445494341522d5354414e444152442d414e544956495255532d544553542d46494c452124482b482a" \
      > "$database/midi-test.ndb"
    echo "clamav-entrypoint: WARNING: test signature database (EICAR only): no real malware is detected" >&2
    ;;
  freshclam)
    rm -f "$database/midi-test.ndb"
    if ! ls "$database"/*.cvd "$database"/*.cld >/dev/null 2>&1; then
      echo "clamav-entrypoint: no signatures yet: freshclam (a few minutes)" >&2
      freshclam --foreground --stdout
    fi
    freshclam --daemon --checks="${FRESHCLAM_CHECKS:-12}" --daemon-notify=/etc/clamav/clamd.conf
    ;;
  *)
    echo "clamav-entrypoint: CLAMAV_SIGNATURES is freshclam or test-eicar" >&2
    exit 1
    ;;
esac
if [ "${1:-}" = "clamd" ]; then
  shift
  exec clamd --foreground "$@"
fi
exec "$@"
