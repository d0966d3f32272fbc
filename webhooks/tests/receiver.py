"""A real HTTP receiver on loopback for the webhook tests: it checks each signature as a partner
would (webhooks.signing.verify), records what it got, and answers what the test scripts (a
status per call, a delay)."""

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from webhooks import signing


class Receiver:
    def __init__(self, secret: str = "", *, statuses: list[int] | None = None, delay: float = 0.0):
        self.secret = secret
        self.statuses = list(statuses or [])  # answered in turn; then 200
        self.delay = delay
        self.received: list[dict] = []  # {"id", "type", "data", "valid", "headers"}
        self.ids = Counter()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    payload = json.loads(body)
                    valid = signing.verify(
                        secret=receiver.secret,
                        body=body,
                        timestamp=self.headers.get("Webhook-Timestamp", ""),
                        signature_header=self.headers.get("Webhook-Signature", ""),
                        now=int(time.time()),
                    )
                    receiver.received.append(
                        {
                            "id": payload["id"],
                            "type": payload["type"],
                            "data": payload["data"],
                            "body": body,
                            "valid": valid,
                            "status": status,
                            "headers": dict(self.headers),
                        }
                    )
                    if status == 200:
                        receiver.ids[payload["id"]] += 1
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def accepted(self) -> list[dict]:
        with self.lock:
            return [r for r in self.received if r["status"] == 200]
