"""The HTTP half of scripts/compose_smoke.sh: a visitor's requests through the compose proxy.

    python3 scripts/compose_smoke_client.py PORT book EMAIL PASSWORD
        signs in through allauth's form, finds the earliest free time near the company (the API's
        slot search) and books it (POST /api/v1/appointments/); prints the appointment's uid.
    python3 scripts/compose_smoke_client.py PORT hammer N
        N requests for the home page; fails on any status but 200.
    python3 scripts/compose_smoke_client.py PORT status PATH
        prints the status of GET PATH.

Standard library only (it runs on the host, outside the image). Cookies are kept by hand: the site's
cookies are `Secure` (production settings), which a cookie jar would not send over plain HTTP on the
host's loopback; TLS is the load balancer's, in front of the proxy.
"""

import http.client
import json
import sys
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode

TROIS_RIVIERES = 37067  # the demo employer's municipality (README, Demo accounts)


class Visitor:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, *, form=None, payload=None) -> tuple[int, bytes]:
        headers = {"Host": "127.0.0.1", "Accept-Language": "fr-CA"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if payload is not None:
            body = json.dumps(payload)
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, response.read()
        finally:
            connection.close()

    def get_json(self, path: str):
        status, body = self.request("GET", path)
        if status != 200:
            raise SystemExit(f"GET {path}: {status} {body[:300]!r}")
        return json.loads(body)


def sign_in(visitor: Visitor, email: str, password: str) -> None:
    status, _ = visitor.request("GET", "/compte/login/")
    if status != 200 or "csrftoken" not in visitor.cookies:
        raise SystemExit(f"login page: {status}, cookies {sorted(visitor.cookies)}")
    form = {"login": email, "password": password, "csrfmiddlewaretoken": visitor.cookies["csrftoken"]}
    status, body = visitor.request("POST", "/compte/login/", form=form)
    if status != 302 or "sessionid" not in visitor.cookies:
        raise SystemExit(f"sign-in refused: {status} {body[:300]!r}")


def book_earliest(visitor: Visitor) -> dict:
    topics = visitor.get_json("/api/v1/topics/")
    topics = topics.get("results", topics) if isinstance(topics, dict) else topics
    for topic in topics:
        query = urlencode({"topic": topic["code"], "mode": "service_point", "municipality": TROIS_RIVIERES})
        search = visitor.get_json(f"/api/v1/slots/?{query}")
        for group in search["groups"]:
            for slot in group["slots"]:
                payload = {
                    "topic": topic["code"],
                    "mode": "service_point",
                    "municipality": TROIS_RIVIERES,
                    "advisor": group["advisor"]["id"],
                    "service_point": slot["service_point"],
                    "starts_at": slot["starts_at"],
                    "key": str(uuid.uuid4()),
                }
                status, body = visitor.request("POST", "/api/v1/appointments/", payload=payload)
                if status == 201:
                    return json.loads(body)
                raise SystemExit(f"booking refused: {status} {body[:500]!r}")
    raise SystemExit("no free time for any topic near Trois-Rivières")


def main(argv: list[str]) -> None:
    port, command, *args = argv
    visitor = Visitor(int(port))
    if command == "book":
        email, password = args
        sign_in(visitor, email, password)
        appointment = book_earliest(visitor)
        print(appointment.get("uid") or appointment.get("id"), appointment.get("starts_at"))
    elif command == "hammer":
        statuses = [visitor.request("GET", "/")[0] for _ in range(int(args[0]))]
        if set(statuses) != {200}:
            raise SystemExit(f"home page statuses: {statuses}")
        print(f"{len(statuses)} × 200")
    elif command == "status":
        print(visitor.request("GET", args[0])[0])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
