#!/usr/bin/env bash
# Run the production path for real: build the image, bring up docker-compose.yml (proxy, web ×2,
# worker ×2, beat, PostgreSQL, Redis, ClamAV), wait for every health check, check the migrations ran as the
# compose file runs them, load the demo accounts, sign in as the demo employer through the proxy on
# 127.0.0.1, book an appointment, check its confirmation email was sent exactly once, store documents
# in the shared private volume and scan them from a worker, scale web to 3
# and back to 2, restart a worker while it holds tasks, back up the compose PostgreSQL and restore
# the archive into a second database, then tear everything down and check nothing is left.
# Exits non-zero at the first failure; prints each step's time. Not part of `make test` (minutes,
# and a Docker daemon): run it whenever the Dockerfile, docker-compose.yml, the settings or
# deploy/nginx.conf change. README, "Operations: Compose smoke test".
#
# Environment (all optional):
#   MIDI_HTTP_PORT    the proxy's port on 127.0.0.1 (8000)
#   EXTRA_CA_BUNDLE   a CA bundle (PEM) the build must trust, e.g. an inspecting proxy's (default:
#                     $PIP_CERT if set); passed as a build secret, never stored in the image
#   LOCAL_IMAGES      1: build every image from Debian's packages (scripts/local_images.sh); 0: pull
#                     the official ones; default: local when Docker Hub cannot be reached
#   DOCKER            the docker CLI used to build (one with BuildKit: buildx, or Docker 20.10)
#   CLAMAV_SIGNATURES test-eicar (default here: no internet) or freshclam (the official database;
#                     production's, and what the official clamav/clamav image always does)
#   KEEP_STACK=1      leave the stack running on failure, to look at it (then `docker-compose -p
#                     midismoke down -v`)
set -Eeuo pipefail  # -E: the ERR trap below also reports a failure inside a function
cd "$(dirname "$0")/.."

export COMPOSE_PROJECT_NAME=midismoke
export MIDI_HTTP_PORT="${MIDI_HTTP_PORT:-8000}"
export MIDI_IMAGE=midi-regions:smoke
# docker-compose 1.x gives up on the daemon after 60 s; on the vfs storage driver removing a
# container (scaling down, tearing down) can take longer.
export COMPOSE_HTTP_TIMEOUT="${COMPOSE_HTTP_TIMEOUT:-300}"
# BuildKit (for the build secret): the buildx plugin, or a Docker 20.10–22 CLI's built-in client.
if [ -z "${DOCKER:-}" ]; then
  DOCKER=docker
  if ! docker buildx version >/dev/null 2>&1; then
    for cli in $(type -ap docker); do
      version=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null || echo 0)
      if [ "${version%%.*}" -lt 23 ] 2>/dev/null; then DOCKER="$cli"; break; fi
    done
  fi
fi
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
EMPLOYER=employeur@entreprise.example
PASSWORD=demo-midi-2026  # every demo account's (README, Demo accounts)

started=$(date +%s)
step_started=$started
timings=()
current="start"
step() {  # step NAME: close the previous step's timing, open this one
  local now; now=$(date +%s)
  # Padded by characters, not bytes (printf's %-Ns counts the bytes of "×").
  [ "$current" = start ] || timings+=("$(printf '%s%*s %4ss' "$current" $((76 - ${#current})) '' $((now - step_started)))")
  current="$1"
  step_started=$now
  echo "== $1"
}
compose() { "${COMPOSE[@]}" "$@"; }
container() { echo "${COMPOSE_PROJECT_NAME}_$1"; }  # docker-compose 1.x names: project_service_N
manage() { compose exec -T web python manage.py "$@"; }
fail() { echo "FAILED ($current): $*" >&2; exit 1; }

workdir="$(mktemp -d)"
chmod 0777 "$workdir"  # the postgres image's user writes the backup archive here
export MIDI_ENV_FILE="$workdir/env"

cat > "$MIDI_ENV_FILE" <<ENV
DEBUG=0
SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')
ALLOWED_HOSTS=127.0.0.1,localhost
CSRF_TRUSTED_ORIGINS=http://127.0.0.1:${MIDI_HTTP_PORT}
SITE_URL=http://127.0.0.1:${MIDI_HTTP_PORT}
SECURE_SSL_REDIRECT=0
SECURE_HSTS_SECONDS=0
BEHIND_PROXY=1
FORWARDED_ALLOW_IPS=*
WEB_CONCURRENCY=2
LOG_LEVEL=INFO
ENV

teardown() {
  local status=$?
  if [ $status -ne 0 ]; then
    echo "---- last log lines (exit $status, step: $current)" >&2
    compose logs --no-color --tail=30 >&2 || true
    if [ -n "${KEEP_STACK:-}" ]; then echo "stack kept (KEEP_STACK)" >&2; exit $status; fi
  fi
  compose down --volumes --remove-orphans --timeout 20 >/dev/null 2>&1 || true
  rm -rf "$workdir"
  exit $status
}
trap teardown EXIT
trap 'echo "FAILED at line $LINENO ($current): $BASH_COMMAND" >&2' ERR

step "images (base, PostgreSQL, Redis, nginx, ClamAV)"
if [ -z "${LOCAL_IMAGES:-}" ]; then
  if timeout 60 "$DOCKER" pull -q postgres:15 >/dev/null 2>&1; then LOCAL_IMAGES=0; else LOCAL_IMAGES=1; fi
fi
if [ "$LOCAL_IMAGES" = 1 ]; then
  DOCKER="$DOCKER" bash scripts/local_images.sh >/dev/null
  export BASE_IMAGE=midi-local/python:3.11-bookworm POSTGRES_IMAGE=midi-local/postgres:15 \
    REDIS_IMAGE=midi-local/redis:7 NGINX_IMAGE=midi-local/nginx:1.22 CLAMAV_IMAGE=midi-local/clamav:bookworm
  echo "local images from Debian's packages (no registry): $BASE_IMAGE, $POSTGRES_IMAGE, $REDIS_IMAGE, $NGINX_IMAGE, $CLAMAV_IMAGE"
else
  "$DOCKER" pull -q python:3.11-slim-bookworm >/dev/null
fi
# The EICAR test signature only, unless told otherwise: the official database needs the internet
# (and a gigabyte of memory). Debian's image honours it; the official image always runs freshclam.
export CLAMAV_SIGNATURES="${CLAMAV_SIGNATURES:-test-eicar}"
echo "ClamAV signatures: $CLAMAV_SIGNATURES"

step "build the app image"
build=(build --network host --tag "$MIDI_IMAGE" --build-arg "BASE_IMAGE=${BASE_IMAGE:-python:3.11-slim-bookworm}")
ca="${EXTRA_CA_BUNDLE:-${PIP_CERT:-}}"
[ -n "$ca" ] && build+=(--secret "id=extra_ca,src=$ca")
DOCKER_BUILDKIT=1 "$DOCKER" "${build[@]}" . >"$workdir/build.log" 2>&1 || { tail -40 "$workdir/build.log"; fail "docker build"; }
size=$("$DOCKER" image inspect --format '{{.Size}}' "$MIDI_IMAGE")
echo "image $MIDI_IMAGE: $((size / 1000000)) MB"
[ "$("$DOCKER" image inspect --format '{{.Config.User}}' "$MIDI_IMAGE")" = midi ] || fail "the image does not run as midi"
# The CA bundle was a secret of the build stage: no layer or history line of the final image has it.
! "$DOCKER" history --no-trunc "$MIDI_IMAGE" | grep -q extra_ca || fail "the extra CA is in the image's history"
# One container for every check (each one copies the whole image on the vfs storage driver): no
# extra CA file, no compiler or Python headers; built, not left to the first start: the
# translations compiled, the static files collected (with their manifest); no pip at run time.
"$DOCKER" run --rm --entrypoint sh "$MIDI_IMAGE" -c '
  test ! -e /tmp/ca.pem && test ! -e /run/secrets/extra_ca || { echo "the extra CA bundle is in the image"; exit 1; }
  for t in gcc cc make; do command -v $t && { echo "compiler: $t"; exit 1; }; done
  ls /usr/include/python3*/Python.h 2>/dev/null && { echo "Python headers"; exit 1; }
  test -s /app/locale/fr_CA/LC_MESSAGES/django.mo || { echo "translations not compiled"; exit 1; }
  test -s /app/staticfiles/staticfiles.json || { echo "static files not collected"; exit 1; }
  ! python -m pip --version >/dev/null 2>&1 || { echo "pip is in the image"; exit 1; }' \
  || fail "the final image"
echo "runs as midi; no compiler, headers, pip or extra CA; django.mo and staticfiles.json built in"


step "up: proxy, web ×2, worker ×2, beat, postgres, redis, clamav"
compose up -d --scale web=2 --scale worker=2 >"$workdir/up.log" 2>&1 || { cat "$workdir/up.log"; fail "compose up"; }

wait_healthy() {  # every running container of the project healthy (those with a check), within $1 s
  local deadline=$(($(date +%s) + $1)) unhealthy
  while :; do
    unhealthy=$("$DOCKER" ps --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
      --format '{{.Names}} {{.Status}}' | grep -E 'health: starting|unhealthy' || true)
    [ -z "$unhealthy" ] && return 0
    [ "$(date +%s)" -ge "$deadline" ] && fail "not healthy after $1 s: $unhealthy"
    sleep 3
  done
}
step "health checks"
wait_healthy 300
"$DOCKER" ps --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" --format '{{.Names}}\t{{.Status}}' | sort
for expected in web:2 worker:2 beat:1 proxy:1 postgres:1 redis:1 clamav:1; do
  service=${expected%:*}
  n=$("$DOCKER" ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
    --filter "label=com.docker.compose.service=$service" --filter health=healthy | wc -l)
  [ "$n" -eq "${expected#*:}" ] || fail "$n healthy $service containers, not ${expected#*:}"
done

step "migrations (the migrate service) and the network"
[ "$("$DOCKER" inspect --format '{{.State.ExitCode}}' "$(container migrate_1)")" = 0 ] || fail "migrate exited non-zero"
manage migrate --check >/dev/null || fail "unapplied migrations"
regions=$(manage shell -c 'from midi_regions.models import AdministrativeRegion as R; print(R.objects.count())' | tail -1)
[ "$regions" = 17 ] || fail "$regions regions, not 17: seed_network did not run"
manage seed_network --demo-users >/dev/null

step "sign in as the demo employer and book (through nginx)"
read -r appointment starts_at < <(python3 scripts/compose_smoke_client.py "$MIDI_HTTP_PORT" book "$EMPLOYER" "$PASSWORD")
echo "booked $appointment at $starts_at"
python3 scripts/compose_smoke_client.py "$MIDI_HTTP_PORT" hammer 20 >/dev/null
sleep 1
replicas=$(compose logs --no-color proxy | grep -oE 'upstream=[0-9.]+:8000' | sort -u | wc -l)
[ "$replicas" -ge 2 ] || fail "the proxy reached $replicas web replica(s), not both"
echo "the proxy spread the requests over $replicas web replicas"

step "confirmation email sent once"
count_emails() { compose logs --no-color worker web | grep -c "| To: .*$EMPLOYER" || true; }
deadline=$(($(date +%s) + 60))
until [ "$(count_emails)" -ge 1 ]; do
  [ "$(date +%s)" -ge "$deadline" ] && fail "no confirmation email to $EMPLOYER in 60 s"
  sleep 2
done
sleep 5  # a duplicate, if there were one, would arrive meanwhile
[ "$(count_emails)" -eq 1 ] || fail "$(count_emails) emails to $EMPLOYER, not 1"
compose logs --no-color worker web | python3 -c '
import email.header, re, sys
lines = [re.sub(r"^\S+\s+\| ", "", line.rstrip("\n")) for line in sys.stdin]
for i, line in enumerate(lines):
    if line.startswith("To: ") and sys.argv[1] in line:
        # The headers of that message: its Subject (folded) is above the From and To lines.
        start = max(j for j in range(i) if lines[j].startswith("Subject:"))
        end = next(j for j in range(start + 1, i + 1) if not lines[j][:1].isspace())
        folded = " ".join(part.strip() for part in lines[start:end])
        print("confirmation email:", str(email.header.make_header(email.header.decode_header(folded[8:].strip()))))
        break' "$EMPLOYER"

step "documents: stored by web, scanned from a worker by clamav, readable by nginx"
# No page takes documents yet (core.uploads, core.antivirus, core.downloads are the groundwork of
# issue 22): this checks what compose gives them. A PDF is stored through core.uploads in a web
# container; a worker (another container, the same volume) streams it and the EICAR test file to
# clamd; the proxy's nginx workers can read the stored file; /_documents/ is internal.
key=$(compose exec -T web python manage.py shell -c '
from django.core.files.base import ContentFile
from core.uploads import store_upload
pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
stored = store_upload(ContentFile(pdf, name="attestation.pdf"))
assert stored.content_type == "application/pdf", stored.content_type
print(stored.key)' | tail -1)
verdicts=$(compose exec -T worker python manage.py shell -c "
from django.core.files.base import ContentFile
from core.antivirus import scan_stored, ping_scanner
from core.uploads import private_storage, delete_stored
ping_scanner()
eicar = private_storage().save('smoke/eicar', ContentFile(b'X5O!P%@AP[4\\\\PZX54(P^)7CC)7}\$' + b'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!\$H+H*'))
clean, infected = scan_stored('$key'), scan_stored(eicar)
print(clean.infected, infected.infected, infected.signature)
delete_stored(eicar)" | tail -1)
echo "scans (clean PDF, EICAR): $verdicts"
# The test database's name for it, or the official database's (Eicar-Signature, Win.Test.EICAR_HDB-1).
[[ "$verdicts" =~ ^"False True "(Midi.Test.EICAR.UNOFFICIAL|.*EICAR.*|Eicar.*)$ ]] || fail "clamd's verdicts: $verdicts"
mode=$(compose exec -T proxy stat -c %a "/srv/documents/$key" | tr -d '\r')
[ "$mode" = 644 ] || fail "stored with mode $mode, not 644 (DOCUMENT_FILE_MODE)"
nginx_uid=$(compose exec -T proxy sh -c 'for p in /proc/[0-9]*; do
  case "$(tr "\0" " " < $p/cmdline 2>/dev/null)" in
    "nginx: worker process"*) awk "/^Uid:/ {print \$2}" $p/status; break ;;
  esac
done' | tr -d '\r')
[ -n "$nginx_uid" ] && [ "$nginx_uid" != 0 ] || fail "no unprivileged nginx worker found (uid '$nginx_uid')"
compose exec -T --user "$nginx_uid" proxy head -c 8 "/srv/documents/$key" | grep -q '%PDF-1.4' \
  || fail "nginx's workers (uid $nginx_uid) cannot read the stored document"
echo "stored $key: mode $mode, read by nginx's workers (uid $nginx_uid); /_documents/ is internal (404)"
status=$(python3 scripts/compose_smoke_client.py "$MIDI_HTTP_PORT" status "/_documents/$key")
[ "$status" = 404 ] || fail "/_documents/ answered $status to a visitor, not 404 (internal)"

step "scale web to 3"
compose up -d --no-recreate --scale web=3 --scale worker=2 >"$workdir/scale.log" 2>&1 \
  || { cat "$workdir/scale.log"; fail "scale web to 3"; }
wait_healthy 180
sleep 11  # the proxy re-resolves "web" every 10 s
python3 scripts/compose_smoke_client.py "$MIDI_HTTP_PORT" hammer 30 >/dev/null
replicas=$(compose logs --no-color --tail=40 proxy | grep -oE 'upstream=[0-9.]+:8000' | sort -u | wc -l)
[ "$replicas" -eq 3 ] || fail "the proxy reached $replicas web replicas, not 3"

step "scale web back to 2 (no failed request)"
compose up -d --no-recreate --scale web=2 --scale worker=2 >"$workdir/scale.log" 2>&1 \
  || { cat "$workdir/scale.log"; fail "scale web back to 2"; }
python3 scripts/compose_smoke_client.py "$MIDI_HTTP_PORT" hammer 30 >/dev/null  # within the DNS TTL too
n=$("$DOCKER" ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
  --filter "label=com.docker.compose.service=web" | wc -l)
[ "$n" -eq 2 ] || fail "$n web containers, not 2"

step "restart a worker holding tasks"
# Twenty tasks due in 8 s: the workers take them at once and hold them until then. Restarting one
# (SIGTERM: Celery's warm shutdown) gives its tasks back to Redis; every one must still run once.
ids=$(manage shell -c '
from core.tasks import echo
print(",".join(echo.apply_async(args=[str(i)], countdown=8).id for i in range(20)))' | tail -1)
sleep 3
"$DOCKER" restart --time 30 "$(container worker_1)" >/dev/null
results=$(manage shell -c "
from celery.result import AsyncResult
values = sorted(int(AsyncResult(i).get(timeout=120)['value']) for i in '$ids'.split(','))
print(values == list(range(20)))" | tail -1)
[ "$results" = True ] || fail "not every task ran after the worker restart: $results"
wait_healthy 120

step "backup and restore round trip (compose PostgreSQL)"
url=postgres://midi:midi@postgres:5432
compose run --rm --no-deps -T -v "$PWD/scripts:/scripts:ro" -v "$workdir:/backups" --entrypoint bash \
  postgres /scripts/backup.sh "$url/midi" /backups/smoke.dump >"$workdir/backup.log" 2>&1 \
  || { cat "$workdir/backup.log"; fail "backup.sh"; }
echo "backup: $(du -h "$workdir/smoke.dump" | cut -f1) archive"
compose exec -T postgres createdb -U midi midi_restored
compose run --rm --no-deps -T -v "$PWD/scripts:/scripts:ro" -v "$workdir:/backups" --entrypoint bash \
  postgres /scripts/restore.sh /backups/smoke.dump "$url/midi_restored" >"$workdir/restore.log" 2>&1 \
  || { cat "$workdir/restore.log"; fail "restore.sh"; }
counts() {
  compose exec -T postgres psql -U midi -d "$1" -tAc "SELECT (SELECT count(*) FROM appointments_appointment)
    || ' ' || (SELECT count(*) FROM accounts_user) || ' ' || (SELECT count(*) FROM django_migrations)"
}
[ "$(counts midi)" = "$(counts midi_restored)" ] || fail "restored $(counts midi_restored), backed up $(counts midi)"
echo "appointments, users, migrations: $(counts midi_restored) in both"

step "no error in the logs"
# JSON lines at ERROR or CRITICAL, or a traceback, from the app's containers (a 500, a task that
# failed, gunicorn's own errors); clamd's, nginx's and PostgreSQL's error lines too.
errors=$(compose logs --no-color web worker beat migrate proxy clamav postgres \
  | grep -E '"level": "(ERROR|CRITICAL)"|Traceback|\[(error|crit|alert|emerg)\]|ERROR: |FATAL: ' || true)
[ -z "$errors" ] || fail "errors in the logs:
$errors"

step "tear down"
compose down --volumes --remove-orphans --timeout 20 >"$workdir/down.log" 2>&1 \
  || { cat "$workdir/down.log"; fail "compose down"; }
for kind in "ps -a" "volume ls" "network ls"; do
  # shellcheck disable=SC2086
  left=$("$DOCKER" $kind -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
  [ -z "$left" ] || fail "left behind ($kind): $left"
done

step done
echo
echo "compose smoke test passed — timings:"
printf '  %s\n' "${timings[@]}"
printf '  %-76s %4ss\n' total $(($(date +%s) - started))
