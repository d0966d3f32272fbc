"""docker-compose.yml scales out: `docker compose up --scale web=2 --scale worker=2` behind the
proxy, one beat. The tests check the file's structure (and deploy/nginx.conf's and the
Dockerfile's essentials); scripts/compose_smoke.sh runs the stack for real, where a Docker daemon
is (README, Operations)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
NGINX = (ROOT / "deploy" / "nginx.conf").read_text()


def test_web_and_worker_can_be_scaled():
    for name in ("web", "worker"):
        service = SERVICES[name]
        assert "container_name" not in service  # a fixed name allows one container only
        assert "ports" not in service, f"{name} publishes a host port: a second replica could not start"
        assert "healthcheck" in service


def test_the_proxy_publishes_the_site_and_reaches_every_web_replica():
    proxy = SERVICES["proxy"]
    assert proxy["image"].endswith(":-nginx:1.28-alpine}")  # NGINX_IMAGE, else the official image
    assert proxy["ports"] == ["127.0.0.1:${MIDI_HTTP_PORT:-8000}:8000"]  # loopback only
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "healthcheck" in proxy
    mounted = [v.split(":")[0] for v in proxy["volumes"]]
    assert "./deploy/nginx.conf" in mounted
    # Every replica, re-resolved: a variable proxy_pass resolves at run time (any nginx version).
    assert re.search(r"set \$web_replicas web:8000;\s+proxy_pass http://\$web_replicas;", NGINX)
    assert "resolver 127.0.0.11" in NGINX  # Docker's DNS
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"):
        assert f"proxy_set_header {header} " in NGINX


def test_one_beat():
    beat = SERVICES["beat"]
    assert beat.get("deploy", {}).get("replicas", 1) == 1
    assert [name for name, s in SERVICES.items() if "beat" in " ".join(s.get("command", []))] == ["beat"]


def test_migrations_run_once_before_web_worker_and_beat():
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "migrate" in " ".join(SERVICES["migrate"]["command"])


def test_every_long_running_service_has_a_health_check():
    for name in ("postgres", "redis", "clamav", "web", "proxy", "worker", "beat"):
        assert "healthcheck" in SERVICES[name] and not SERVICES[name]["healthcheck"].get("disable"), name


def test_the_app_image_is_built_on_a_replaceable_base_with_the_host_network():
    app = SERVICES["web"]
    assert app["build"]["network"] == "host"
    assert app["build"]["args"]["BASE_IMAGE"] == "${BASE_IMAGE:-python:3.11-slim-bookworm}"
    assert all(SERVICES[name]["image"] == app["image"] for name in ("migrate", "worker", "beat"))


def test_the_image_installs_the_lock_and_runs_unprivileged():
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert "--require-hashes" in dockerfile and "requirements/lock.txt" in dockerfile
    assert "USER midi" in final_stage and "HEALTHCHECK" in final_stage
    # The extra CA bundle is a build secret of the build stage: never copied into the final image.
    assert "--mount=type=secret,id=extra_ca" in dockerfile and "extra_ca" not in final_stage
    assert "pip install" not in final_stage
    # The final stage adds one shared library (libmagic1, for core.uploads): no compiler, no headers.
    installed = re.findall(r"apt-get install -y --no-install-recommends ([^\\&\n]+)", final_stage)
    assert [packages.split() for packages in installed] == [["libmagic1"]]


def test_documents_are_shared_by_web_and_workers_scanned_by_clamav_and_sent_by_the_proxy():
    for name in ("web", "worker", "beat", "migrate"):
        service = SERVICES[name]
        assert "documents:/app/var/private" in service["volumes"], name
        environment = service["environment"]
        assert environment["DOCUMENT_STORAGE_DIR"] == "/app/var/private"
        assert environment["DOCUMENT_ACCEL_REDIRECT_PREFIX"] == "/_documents/"
        assert environment["DOCUMENT_FILE_MODE"] == "644"  # nginx's workers read them
        assert environment["CLAMD_URL"] == "tcp://clamav:3310"
    assert "documents:/srv/documents:ro" in SERVICES["proxy"]["volumes"]
    assert re.search(r"location /_documents/ \{\s+internal;\s+alias /srv/documents/;", NGINX)
    clamav = SERVICES["clamav"]
    assert clamav["image"] == "${CLAMAV_IMAGE:-clamav/clamav:1.4}"
    assert "ports" not in clamav and "healthcheck" in clamav
    assert "./deploy/clamd.conf:/etc/clamav/clamd.conf:ro" in clamav["volumes"]
    clamd_conf = (ROOT / "deploy" / "clamd.conf").read_text()
    assert "TCPSocket 3310" in clamd_conf
    assert "StreamMaxLength 12M" in clamd_conf  # above UPLOAD_MAX_BYTES (10 MiB)
