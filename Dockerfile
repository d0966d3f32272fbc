# Production image: gunicorn serves Django, WhiteNoise serves the collected static files; the same
# image runs the Celery worker and beat (docker-compose.yml). Needs BuildKit (Docker 23+: the default;
# Docker 20.10: DOCKER_BUILDKIT=1).
#
#   docker build -t midi-regions .
#   # no public registry (air-gapped, or scripts/local_images.sh): any Debian bookworm image with python3.11
#   docker build --build-arg BASE_IMAGE=midi-local/python:3.11-bookworm -t midi-regions .
#   # an inspecting TLS proxy between the build and PyPI: trust its CA for this build only
#   docker build --secret id=extra_ca,src=/usr/local/share/ca-certificates/proxy.crt -t midi-regions .
#
# The extra CA bundle is a build secret: mounted for the `pip install` step of the build stage only,
# never written to a layer, absent from the final image and from its history.
ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---- build: the virtualenv, compiled translations, collected static files ----
FROM ${BASE_IMAGE} AS build
ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PATH=/opt/venv/bin:$PATH
RUN python3 -m venv /opt/venv
WORKDIR /app
# The locked runtime dependencies (requirements/lock.txt, `make lock`): exact versions, every file
# checked against its hash, wheels only (nothing compiled, so no compiler in any stage).
COPY requirements/lock.txt requirements/lock.txt
RUN --mount=type=secret,id=extra_ca \
    ca=$(python -c 'import pip._vendor.certifi as c; print(c.where())'); \
    if [ -s /run/secrets/extra_ca ]; then \
      cat "$ca" /run/secrets/extra_ca > /tmp/ca.pem && ca=/tmp/ca.pem; \
    fi; \
    pip install --cert "$ca" --require-hashes --only-binary :all: --no-compile -r requirements/lock.txt \
 && rm -f /tmp/ca.pem \
 && python -m compileall -q -j 0 /opt/venv/lib
COPY . .
RUN python scripts/compile_messages.py \
 && DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput \
 && python -m compileall -q -j 0 -x '/(tests|bench)/' . \
 && python -m pip uninstall --yes --quiet pip setuptools

# ---- final: the virtualenv and the application, no pip cache, no build tools ----
FROM ${BASE_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PATH=/opt/venv/bin:$PATH
# libmagic reads uploaded documents' types (core.uploads, python-magic): the only system package added.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmagic1 \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && useradd --system --uid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin midi
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
# var/: the Prometheus multiprocess folder, beat's schedule and the private documents (var/private,
# a volume in compose); the only place the app writes.
RUN install -d -o midi -g midi /app/var /app/var/private
WORKDIR /app
USER midi
EXPOSE 8000
# Liveness of gunicorn (compose's web service checks readiness, /readyz, instead). The worker and
# beat containers override it (docker-compose.yml).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "midi_regions.wsgi:application", "-c", "gunicorn.conf.py"]
