"""A small fake of GOV.UK Notify on 127.0.0.1, for tests, the demo and the benchmark.

    python -m tools.fake_notify [--port 6011] [--fail-ending 99] [--rate-limit 3000]

It prints the address and an API key for it. Like Notify, it checks each request's JSON
Web Token (issued by the key's service ID, ``iat`` within 30 seconds of its clock,
signed HS256 with the key's secret) and answers in Notify's shapes: POST
/v2/notifications/sms|email|letter gives the notification's id; GET
/v2/notifications/{id} and GET /v2/notifications?reference=... say its status, which
moves from created to sending to delivered (or a failure) as it ages; errors come as
``{"status_code": ..., "errors": [{"error": ..., "message": ...}]}``.

It can be told to fail messages (by destination, or destinations ending in given
digits), refuse them (400), answer slowly, rate-limit (429) or keep a wrong clock
(403): on the command line, with POST /_fake/config, or from Python. GET
/_fake/notifications lists every message taken, for tests to count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import select
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt

DEMO_SERVICE = "5c1a4c0e-7d3b-4f0e-9a53-2f6f1c3d9b10"
DEMO_SECRET = "8d0a2e7c-3b5f-4a4e-b1c6-0e9f7a2d4c55"
DEMO_KEY = f"outbound_demo-{DEMO_SERVICE}-{DEMO_SECRET}"
_MOBILE = re.compile(r"^(\+447|07|00447)\d{9}$")

def _pause(seconds: float) -> None:
    """Sleep, also under the tests' moved clock: libfaketime 0.9.10 turns Python 3.11's
    time.sleep into EINVAL (see tests/__init__.py); a relative select() waits the same."""
    try:
        time.sleep(seconds)
    except OSError:
        select.select([], [], [], seconds)



@dataclass
class Behaviour:
    """What the fake does; every field may be changed while it runs."""

    fail: dict[str, str] = field(default_factory=dict)   # destination -> final status
    fail_ending: list[str] = field(default_factory=list)  # ... ending in these: permanent
    reject: dict[str, str] = field(default_factory=dict)  # destination -> 400 message
    required: dict[str, list[str]] = field(default_factory=dict)  # template -> fields
    delay: float = 0.0                  # seconds before each answer
    rate_limit: int = 3000              # sends per rolling 60 seconds; 0: no limit
    clock_offset: float = 0.0           # the fake's clock minus the real one, seconds
    sending_after: float = 0.05         # created -> sending after this many seconds
    final_after: float = 0.2            # sending -> delivered / failed after this
    server_errors: int = 0              # answer this many sends with a 500 first
    daily_limit: int = 0                # sends allowed in all (a day's limit); 0: none


class FakeNotify:
    """The fake's state and its HTTP server (``start``/``stop``, or ``serve_forever``)."""

    def __init__(self, api_key: str = DEMO_KEY, port: int = 0,
                 behaviour: Behaviour | None = None) -> None:
        self.service_id = api_key[-73:-37]
        self.secret = api_key[-36:]
        self.api_key = api_key
        self.behaviour = behaviour or Behaviour()
        self.lock = threading.Lock()
        self.notifications: dict[str, dict[str, Any]] = {}
        self.by_reference: dict[str, str] = {}
        self.posts: list[dict[str, Any]] = []     # every accepted send, in order
        self.refusals: list[int] = []             # status codes answered with an error
        self.reads = 0                            # GET requests answered
        self._sends: deque[float] = deque()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> FakeNotify:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def configure(self, **changes: Any) -> None:
        with self.lock:
            for key, value in changes.items():
                if not hasattr(self.behaviour, key):
                    raise ValueError(f"the fake has no setting “{key}”")
                setattr(self.behaviour, key, value)

    def clock(self) -> float:
        return time.time() + self.behaviour.clock_offset

    # -- the API -----------------------------------------------------------------------

    def check_token(self, header: str | None) -> tuple[int, dict[str, Any]] | None:
        if not header or not header.startswith("Bearer "):
            return _error(401, "AuthError", "Unauthorized: authentication token must be "
                                            "provided")
        token = header[len("Bearer "):]
        try:
            claims = jwt.decode(token, options={"verify_signature": False,
                                                "verify_iat": False}, algorithms=["HS256"])
        except jwt.PyJWTError:
            return _error(403, "AuthError", "Invalid token: signature, api token not found")
        if claims.get("iss") != self.service_id:
            return _error(403, "AuthError", "Invalid token: service not found")
        try:
            jwt.decode(token, self.secret, algorithms=["HS256"],
                       options={"verify_iat": False})
        except jwt.PyJWTError:
            return _error(403, "AuthError", "Invalid token: API key not found")
        iat = claims.get("iat")
        if not isinstance(iat, int | float) or abs(self.clock() - iat) > 30:
            return _error(403, "AuthError",
                          "Error: Your system clock must be accurate to within 30 seconds")
        return None

    def send(self, kind: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        b = self.behaviour
        template = str(body.get("template_id") or "")
        if not template:
            return _error(400, "ValidationError", "template_id is a required property")
        to = {"sms": body.get("phone_number"), "email": body.get("email_address"),
              "letter": None}[kind]
        personalisation = body.get("personalisation") or {}
        if kind == "sms" and not _MOBILE.match(str(to or "").replace(" ", "")):
            return _error(400, "ValidationError", "phone_number Not a UK mobile number")
        if kind == "email" and "@" not in str(to or ""):
            return _error(400, "ValidationError", "email_address Not a valid email address")
        if kind == "letter":
            lines = [personalisation.get(f"address_line_{n}") for n in range(1, 8)]
            if sum(1 for line in lines if line) < 3:
                return _error(400, "ValidationError", "Address must be at least 3 lines")
            to = "\n".join(line for line in lines if line)
        for name in b.required.get(template, []):
            if name not in personalisation:
                return _error(400, "BadRequestError", f"Missing personalisation: {name}")
        if str(to) in b.reject:
            return _error(400, "BadRequestError", b.reject[str(to)])
        with self.lock:
            now = self.clock()
            while self._sends and self._sends[0] <= now - 60:
                self._sends.popleft()
            if b.rate_limit and len(self._sends) >= b.rate_limit:
                return _error(429, "RateLimitError", "Exceeded rate limit for key type LIVE "
                                                     f"of {b.rate_limit} requests per 60 "
                                                     "seconds")
            if b.daily_limit and len(self.posts) >= b.daily_limit:
                return _error(429, "TooManyRequestsError",
                              f"Exceeded send limits ({b.daily_limit}) for today")
            if b.server_errors > 0:
                b.server_errors -= 1
                return _error(500, "Exception", "Internal server error")
            self._sends.append(now)
            notification = {
                "id": str(uuid.uuid4()), "reference": body.get("reference"),
                "type": kind, "to": to, "template": template,
                "personalisation": personalisation, "created": now,
                "final": self._final_status(kind, str(to)),
            }
            self.notifications[notification["id"]] = notification
            if notification["reference"]:
                self.by_reference[str(notification["reference"])] = notification["id"]
            self.posts.append(notification)
        return 201, {"id": notification["id"], "reference": notification["reference"],
                     "content": {"body": f"Template {template}", "subject": None},
                     "uri": f"/v2/notifications/{notification['id']}",
                     "template": {"id": template, "version": 1,
                                  "uri": f"/v2/template/{template}"}}

    def _final_status(self, kind: str, to: str) -> str:
        b = self.behaviour
        if to in b.fail:
            return b.fail[to]
        if any(to.endswith(ending) for ending in b.fail_ending):
            return "permanent-failure"
        return "received" if kind == "letter" else "delivered"

    def view(self, notification: dict[str, Any]) -> dict[str, Any]:
        age = self.clock() - notification["created"]
        b = self.behaviour
        if age < b.sending_after:
            status = "accepted" if notification["type"] == "letter" else "created"
        elif age < b.final_after:
            status = "accepted" if notification["type"] == "letter" else "sending"
        else:
            status = notification["final"]
        kind = notification["type"]
        return {"id": notification["id"], "reference": notification["reference"],
                "type": kind, "status": status,
                "phone_number": notification["to"] if kind == "sms" else None,
                "email_address": notification["to"] if kind == "email" else None,
                "template": {"id": notification["template"], "version": 1},
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(
                    notification["created"])) + f".{int(notification['created'] % 1 * 1e6):06d}Z"}

    def get(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        if path == "/v2/notifications":
            with self.lock:
                if "reference" in query:
                    found = self.by_reference.get(query["reference"][0])
                    chosen = [self.notifications[found]] if found else []
                else:               # newest first, 250 a page, paged by older_than
                    everything = list(self.notifications.values())
                    if "older_than" in query:
                        ids = [n["id"] for n in everything]
                        older = query["older_than"][0]
                        everything = everything[:ids.index(older)] if older in ids else []
                    chosen = everything[-250:][::-1]
                views = [self.view(n) for n in chosen]
            if "status" in query:
                views = [v for v in views if v["status"] in query["status"]]
            links = {"current": "/v2/notifications"}
            if views:
                links["next"] = f"/v2/notifications?older_than={views[-1]['id']}"
            return 200, {"notifications": views, "links": links}
        match = re.fullmatch(r"/v2/notifications/([0-9a-f-]{36})", path)
        if match:
            with self.lock:
                notification = self.notifications.get(match.group(1))
                if notification is not None:
                    return 200, self.view(notification)
            return _error(404, "NoResultFound", "No result found")
        return _error(404, "NotFound", "Not found")


def _error(code: int, error: str, message: str) -> tuple[int, dict[str, Any]]:
    return code, {"status_code": code, "errors": [{"error": error, "message": message}]}


def _handler(fake: FakeNotify) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True     # else each answer waits 40 ms for an ACK

        def log_message(self, format: str, *args: Any) -> None:   # quiet
            pass

        def _answer(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            if code >= 400:              # counted before the client can read the answer
                with fake.lock:
                    fake.refusals.append(code)
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            try:
                found = json.loads(raw or b"{}")
            except ValueError:
                return {}
            return found if isinstance(found, dict) else {}

        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path == "/_fake/notifications":
                with fake.lock:
                    posts = [dict(n) for n in fake.posts]
                self._answer(200, {"notifications": posts, "refusals": list(fake.refusals)})
                return
            if fake.behaviour.delay:
                _pause(fake.behaviour.delay)
            refused = fake.check_token(self.headers.get("Authorization"))
            if refused:
                self._answer(*refused)
                return
            with fake.lock:
                fake.reads += 1
            self._answer(*fake.get(url.path, parse_qs(url.query)))

        def do_POST(self) -> None:
            url = urlparse(self.path)
            body = self._body()
            if url.path == "/_fake/config":
                try:
                    fake.configure(**body)
                except (ValueError, TypeError) as exc:
                    self._answer(400, {"error": str(exc)})
                    return
                self._answer(200, {"ok": True})
                return
            if fake.behaviour.delay:
                _pause(fake.behaviour.delay)
            refused = fake.check_token(self.headers.get("Authorization"))
            if refused:
                self._answer(*refused)
                return
            match = re.fullmatch(r"/v2/notifications/(sms|email|letter)", url.path)
            if match is None:
                self._answer(*_error(404, "NotFound", "Not found"))
                return
            self._answer(*fake.send(match.group(1), body))

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.fake_notify",
        description="A fake GOV.UK Notify on 127.0.0.1 for the demo and tests.")
    parser.add_argument("--port", type=int, default=6011, help="port (0: any free port)")
    parser.add_argument("--api-key", default=DEMO_KEY, help="the key it accepts")
    parser.add_argument("--fail-ending", action="append", default=[], metavar="DIGITS",
                        help="messages to destinations ending in these fail for good")
    parser.add_argument("--rate-limit", type=int, default=3000,
                        help="sends allowed per 60 seconds (0: no limit)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per answer")
    parser.add_argument("--final-after", type=float, default=2.0,
                        help="seconds before a message is delivered or fails")
    args = parser.parse_args(argv)
    fake = FakeNotify(args.api_key, args.port, Behaviour(
        fail_ending=args.fail_ending, rate_limit=args.rate_limit, delay=args.delay,
        final_after=args.final_after, sending_after=min(0.5, args.final_after / 2)))
    print(f"Fake GOV.UK Notify at {fake.url}", flush=True)
    print(f"API key: {args.api_key}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        fake.server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
