"""Real HTTP servers on loopback standing in for the providers' servers: a government SMS gateway
(the protocol of sms.providers.http_gateway, Idempotency-Key honoured as the real gateway must) and
Twilio's Messages API (what the official client posts, answered as Twilio answers)."""

import json
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class _Server:
    handler_class: type

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.script: list = []  # answers to give in turn: (status, json body) or a delay in seconds
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def next_answer(self):
        with self.lock:
            return self.script.pop(0) if self.script else None


class Gateway(_Server):
    """POST /send: {"to", "body", "reference", "callback_url"} with a bearer token; one text per
    Idempotency-Key (`phone` counts what reached the phone)."""

    def __init__(self, token: str = "gateway-token"):
        self.token = token
        self.phone = Counter()  # reference → texts the phone received
        self.ids: dict[str, str] = {}
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}/send"

    def _handler(self):
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = gateway.next_answer()
                if isinstance(answer, (int, float)):
                    time.sleep(answer)
                    answer = None
                payload = json.loads(body)
                key = self.headers.get("Idempotency-Key", "")
                with gateway.lock:
                    gateway.requests.append({"payload": payload, "headers": dict(self.headers)})
                    if self.headers.get("Authorization") != f"Bearer {gateway.token}":
                        answer = (401, {"error": "unauthorized"})
                    if answer is None:
                        if key not in gateway.ids:
                            gateway.ids[key] = uuid.uuid4().hex
                            gateway.phone[key] += 1
                        answer = (202, {"id": gateway.ids[key]})
                status, data = answer
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        return Handler


class TwilioApi(_Server):
    """POST /2010-04-01/Accounts/<sid>/Messages.json, form-encoded, as twilio's client sends it."""

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                answer = api.next_answer()
                with api.lock:
                    api.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
                if answer is None:
                    sid = "SM" + uuid.uuid4().hex
                    answer = (
                        201,
                        {"sid": sid, "status": "queued", "to": form.get("To"), "body": form.get("Body")},
                    )
                status, data = answer
                out = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *args):
                pass

        return Handler


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
