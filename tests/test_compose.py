"""docker-compose.yml scales out: `docker compose up --scale web=2 --scale worker=2` behind the
proxy, one beat. Docker is not available where the tests run: the file's structure is checked
(and deploy/nginx.conf's essentials), not a running stack."""

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
    assert proxy["image"].startswith("nginx:")
    assert "8000:8000" in proxy["ports"]
    assert proxy["depends_on"]["web"]["condition"] == "service_healthy"
    assert "healthcheck" in proxy
    mounted = [v.split(":")[0] for v in proxy["volumes"]]
    assert "./deploy/nginx.conf" in mounted
    assert re.search(r"server web:8000 resolve;", NGINX)  # every replica, re-resolved
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
