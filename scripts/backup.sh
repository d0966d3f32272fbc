#!/usr/bin/env bash
# Back up the database: a pg_dump custom-format archive (compressed, restorable table by table).
#
#   scripts/backup.sh [DATABASE_URL] [FILE]
#
# DATABASE_URL defaults to $DATABASE_URL (a postgres:// or postgresql:// URL); FILE to
# backups/midi-<UTC time>.dump. The archive is written under a temporary name, checked with
# pg_restore --list, then renamed: a FILE that exists is complete. pg_dump must be the server's
# major version or newer (`pg_dump --version`). Prints the archive's path.
set -euo pipefail

url="${1:-${DATABASE_URL:?set DATABASE_URL or pass the database URL}}"
file="${2:-backups/midi-$(date -u +%Y%m%dT%H%M%SZ).dump}"
case "$url" in
  postgres://*|postgresql://*) ;;
  *) echo "backup.sh: not a PostgreSQL URL: ${url%%://*}://…" >&2; exit 2 ;;
esac

mkdir -p "$(dirname "$file")"
partial="$file.partial"
trap 'rm -f "$partial"' EXIT
# One consistent snapshot; no owners or grants, so the archive restores under any role.
pg_dump --format=custom --compress=6 --no-owner --no-privileges --file="$partial" --dbname="$url"
pg_restore --list "$partial" >/dev/null
mv "$partial" "$file"
trap - EXIT
echo "$file"
