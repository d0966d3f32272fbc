#!/usr/bin/env bash
# Restore a backup.sh archive into a database, replacing what it holds.
#
#   scripts/restore.sh FILE TARGET_DATABASE_URL
#
# The target is named explicitly (never taken from $DATABASE_URL): restoring drops and recreates
# every table of the archive in it. It must exist (createdb, or the cloud console); it may be
# empty or an older copy. One transaction: if anything fails, the target is left as it was.
# Afterwards: `manage.py migrate` (an archive older than the code), then start web, worker, beat.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 FILE TARGET_DATABASE_URL" >&2
  exit 2
fi
file="$1"
url="$2"
case "$url" in
  postgres://*|postgresql://*) ;;
  *) echo "restore.sh: not a PostgreSQL URL: ${url%%://*}://…" >&2; exit 2 ;;
esac

pg_restore --list "$file" >/dev/null
pg_restore --clean --if-exists --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname="$url" "$file"
echo "restored $file"
