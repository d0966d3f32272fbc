#!/usr/bin/env bash
# Build, from Debian's packages, the images docker-compose.yml needs where no public image registry
# can be reached (this project's build machines; an air-gapped network):
#   midi-local/debian:bookworm        debootstrap --variant=minbase, imported (docker import)
#   midi-local/python:3.11-bookworm   the Dockerfile's BASE_IMAGE (Debian bookworm's python3 is 3.11)
#   midi-local/postgres:15, midi-local/redis:7, midi-local/nginx:1.22, midi-local/clamav:bookworm
#                                     the compose services' images
# Then: POSTGRES_IMAGE=midi-local/postgres:15 REDIS_IMAGE=midi-local/redis:7 NGINX_IMAGE=midi-local/nginx:1.22
# CLAMAV_IMAGE=midi-local/clamav:bookworm
# (scripts/compose_smoke.sh sets them). Needs root (debootstrap) and a Docker daemon. An image that
# exists is kept: REBUILD=1 builds them all again (security updates).
#
#   scripts/local_images.sh [DEBIAN_MIRROR]   # default: the first mirror in apt's sources
set -euo pipefail
cd "$(dirname "$0")/.."

# BuildKit when the CLI has it (the buildx plugin, or Docker 20.10–22's built-in client): metadata
# steps then copy no layer, which matters on the vfs storage driver.
if [ -z "${DOCKER:-}" ]; then
  DOCKER=docker
  if ! docker buildx version >/dev/null 2>&1; then
    for cli in $(type -ap docker); do
      version=$("$cli" version --format '{{.Client.Version}}' 2>/dev/null || echo 0)
      if [ "${version%%.*}" -lt 23 ] 2>/dev/null; then DOCKER="$cli"; break; fi
    done
  fi
fi
version=$("$DOCKER" version --format '{{.Client.Version}}' 2>/dev/null || echo 0)
if "$DOCKER" buildx version >/dev/null 2>&1 || [ "${version%%.*}" -lt 23 ] 2>/dev/null; then
  export DOCKER_BUILDKIT=1
fi
mirror="${1:-$(grep -rhE '^[[:space:]]*(URIs:|deb[[:space:]])' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
  | grep -oE 'https?://[^ ]+/debian/?( |$)' | tr -d ' ' | head -1 || true)}"
mirror="${mirror:-http://deb.debian.org/debian}"
base=midi-local/debian:bookworm

exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1 && [ -z "${REBUILD:-}" ]; }

if ! exists "$base"; then
  root="$(mktemp -d)"
  chmod 0755 "$root"  # the image's / (mktemp makes it 0700: no other user could reach anything)
  trap 'rm -rf "$root"' EXIT
  debootstrap --variant=minbase bookworm "$root" "$mirror"
  cat > "$root/etc/apt/sources.list" <<SOURCES
deb ${mirror%/} bookworm main
deb ${mirror%/} bookworm-updates main
deb ${mirror%/}-security bookworm-security main
SOURCES
  # No package caches, documentation or translated messages of the system's tools in the image;
  # nor in the packages the Dockerfiles add (dpkg excludes, and each `apt-get clean`s).
  find "$root"/var/cache/apt "$root"/var/lib/apt/lists -type f -delete
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  printf 'path-exclude /usr/share/%s/*\n' doc man info locale > "$root/etc/dpkg/dpkg.cfg.d/01-nodoc"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$root/etc/apt/apt.conf.d/01-norecommends"
  # docker import keeps no environment: the PATH of Debian's images (which the Dockerfiles extend).
  tar -C "$root" -c . | "$DOCKER" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$base"
  rm -rf "$root"
  trap - EXIT
fi

for spec in python:3.11-bookworm postgres:15 redis:7 nginx:1.22 clamav:bookworm; do
  name="${spec%%:*}"
  exists "midi-local/$spec" && continue
  "$DOCKER" build --network host --build-arg DEBIAN_IMAGE="$base" -t "midi-local/$spec" \
    -f "deploy/local-images/$name.Dockerfile" deploy/local-images
done
"$DOCKER" image ls 'midi-local/*'
