"""A real local HTTP peer standing in for the ISP data-plane microservices.

Stdlib only: a ``ThreadingHTTPServer`` on 127.0.0.1 (free port) in a daemon
thread. It implements the endpoints used by
``tc_integrations.lib.api_client.DataPlaneClient``:

- ``GET /health``
- ``POST /commands``     (idempotent on ``Idempotency-Key``: a replay with the
  same body answers 409 with the first answer, another body answers 422) and
  ``POST /commands/<type>`` (the payload as body)
- ``GET /events?after=&limit=``                 paged ``{"events", "next_cursor",
  "has_more"}``
- ``GET /reconciliation/mismatches?date=&cursor=&limit=``  paged ``{"date",
  "mismatches", "next_cursor", "has_more"}`` from ``mismatches={"YYYY-MM-DD":
  [...]}``; ``peer.script_page(day, cursor, ...)`` makes one page bad on demand

Every request is recorded (``peer.requests``) so tests can assert what
actually reached the wire, and every command the service carried out is an
*effect* (``peer.effects``), so tests can count what happened at the receiver.
``DataPlanePeer(idempotent=False)`` is the non-idempotent mode: every accepted
command with a new idempotency key is a new effect (a retry of provisioning
starts a new attempt), so only the key keeps a decision from acting twice. In
the default mode a command equal to one already carried out (same type and
payload) under another key answers 200 ``already_applied`` without a new effect,
as a naturally idempotent operation would. ``peer.inject(kind, ...)`` queues
faults on commands: ``fail_before`` (503, nothing done), ``fail_after`` (done,
then 500), ``timeout_before`` (no answer in time, nothing done) and
``timeout_after`` (done, then no answer in time; ``fault_delay`` seconds). ``peer.script(...)`` queues canned answers (status,
body, headers, delay) for a method and path, to exercise error handling.
``peer.deliver_webhook(...)`` lets the data plane push a Standard Webhooks
delivery to a receiver URL; its signer is written independently of
``tc_integrations.lib.webhook`` on purpose.
"""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

HOST = "127.0.0.1"


def closed_port():
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict  # lower-cased names
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Scripted:
    status: int
    body: object = None  # dict/list -> JSON, str/bytes -> sent as is
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    content_type: str = "application/json"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # a client that gave up (timeout test) is not an error worth printing
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "DataPlanePeer/1.0"

    def log_message(self, fmt, *args):  # keep test output quiet
        return

    def _dispatch(self):
        peer = self.server.peer
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = Recorded(
            method=self.command,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        peer._record(record)
        canned = peer._next_scripted(self.command, parts.path)
        if canned is None:
            canned = peer._handle(record)
        if canned.delay:
            time.sleep(canned.delay)
        self._reply(canned)

    def _reply(self, canned):
        body = canned.body
        if isinstance(body, dict | list):
            data = json.dumps(body).encode("utf-8")
        elif isinstance(body, str):
            data = body.encode("utf-8")
        else:
            data = body or b""
        try:
            self.send_response(canned.status)
            if data:
                self.send_header("Content-Type", canned.content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in canned.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client went away (e.g. its timeout): nothing to answer

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch


FAULTS = ("fail_before", "fail_after", "timeout_before", "timeout_after")


@dataclass
class Effect:
    """One command the service carried out."""

    command_type: str
    payload: dict
    idempotency_key: str
    command_id: str


def _error(status, code, message, headers=None):
    return Scripted(
        status, {"error": {"code": code, "message": message}}, headers or {}
    )


class DataPlanePeer:
    """Start with ``with DataPlanePeer(token=...) as peer:``; see module doc."""

    def __init__(
        self,
        token="peer-token",
        tenant_id=None,
        events=None,
        mismatches=None,
        idempotent=True,
        fault_delay=2.0,
    ):
        self.token = token
        self.idempotent = idempotent
        self.fault_delay = fault_delay
        self.effects = []  # Effect, in the order they were carried out
        self._faults = deque()  # (kind, command type or None)
        self.tenant_id = tenant_id
        self.events = list(events or [])
        # {"YYYY-MM-DD": [mismatch, ...]}
        self.mismatches = dict(mismatches or {})
        self.default_page_size = 2
        self.requests = []
        self.commands = {}  # idempotency key -> (request body, answer)
        self._scripted = defaultdict(deque)
        self._page_scripts = defaultdict(deque)  # (date, cursor) -> answers
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # -- lifecycle -----------------------------------------------------------

    def start(self):
        self._server = _Server((HOST, 0), _Handler)
        self._server.peer = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="dataplane-peer",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def port(self):
        return self._server.server_address[1]

    @property
    def base_url(self):
        return "http://%s:%d" % (HOST, self.port)

    # -- test controls -------------------------------------------------------

    def script(
        self,
        method,
        path,
        status,
        body=None,
        headers=None,
        delay=0.0,
        times=1,
        content_type="application/json",
    ):
        """Queue ``times`` canned answers for ``method path`` (before the logic)."""
        with self._lock:
            for _ in range(times):
                self._scripted[(method.upper(), path)].append(
                    Scripted(status, body, dict(headers or {}), delay, content_type)
                )

    def script_page(
        self, day, cursor, status, body=None, times=1, content_type="application/json"
    ):
        """Queue ``times`` canned answers for the mismatch report page of ``day``
        read with ``cursor`` (``None`` = the first page): a bad page on demand."""
        with self._lock:
            for _ in range(times):
                self._page_scripts[(day, cursor or "")].append(
                    Scripted(status, body, {}, 0.0, content_type)
                )

    def inject(self, kind, times=1, command_type=None):
        """Queue ``times`` faults of ``kind`` (one of ``FAULTS``) for the next
        commands (of ``command_type`` only, when given), in order."""
        if kind not in FAULTS:
            raise ValueError("fault must be one of %s, not %r" % (FAULTS, kind))
        with self._lock:
            self._faults.extend([(kind, command_type)] * times)

    def effects_of(self, command_type):
        with self._lock:
            return [e for e in self.effects if e.command_type == command_type]

    def _take_fault(self, command_type):
        with self._lock:
            for fault in self._faults:
                if fault[1] in (None, command_type):
                    self._faults.remove(fault)
                    return fault[0]
        return None

    def requests_to(self, path, method=None):
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path == path and (method is None or r.method == method)
            ]

    def _record(self, record):
        with self._lock:
            self.requests.append(record)

    def _next_scripted(self, method, path):
        with self._lock:
            queue = self._scripted.get((method, path))
            return queue.popleft() if queue else None

    # -- the fake service ----------------------------------------------------

    def _handle(self, req):
        if req.headers.get("authorization") != "Bearer " + self.token:
            return _error(401, "unauthorized", "missing or invalid bearer token")
        if self.tenant_id and req.headers.get("x-tenant-id") != self.tenant_id:
            return _error(403, "forbidden", "unknown tenant")
        route = {
            ("GET", "/health"): self._health,
            ("POST", "/commands"): self._commands,
            ("GET", "/events"): self._events,
            ("GET", "/reconciliation/mismatches"): self._mismatches,
        }.get((req.method, req.path))
        if route is None and req.method == "POST" and req.path.startswith("/commands/"):
            route = self._typed_command
        if route is None:
            return _error(404, "not_found", "no route %s %s" % (req.method, req.path))
        return route(req)

    def _health(self, req):
        return Scripted(200, {"status": "ok"})

    def _typed_command(self, req):
        """``POST /commands/<type>`` with the payload as the body (the path style
        of data planes that route by command type)."""
        segment = req.path[len("/commands/") :]
        if not segment or "/" in segment:  # one path segment, %-encoded
            return _error(404, "not_found", "no route %s %s" % (req.method, req.path))
        command_type = unquote(segment)
        try:
            payload = req.json()
        except ValueError:
            return _error(400, "bad_json", "body is not JSON")
        return self._commands(req, {"type": command_type, "payload": payload})

    def _commands(self, req, body=None):
        key = req.headers.get("idempotency-key")
        if not key:
            return _error(400, "idempotency_key_required", "Idempotency-Key missing")
        if body is None:
            try:
                body = req.json()
            except ValueError:
                return _error(400, "bad_json", "body is not JSON")
        if (
            not isinstance(body, dict)
            or not body.get("type")
            or not isinstance(body.get("payload"), dict)
        ):
            return _error(422, "invalid_command", "need type and payload")
        fault = self._take_fault(body["type"])
        if fault == "fail_before":
            return _error(503, "unavailable", "injected: failed before any effect")
        if fault == "timeout_before":
            return Scripted(
                503,
                {"error": {"code": "timeout", "message": "injected"}},
                delay=self.fault_delay,
            )
        answer = self._apply(key, body)
        if fault == "fail_after":
            return _error(500, "internal", "injected: failed after the effect")
        if fault == "timeout_after":
            return Scripted(answer.status, answer.body, delay=self.fault_delay)
        return answer

    def _apply(self, key, body):
        """Carry out the command once per idempotency key (and, in the
        idempotent mode, once per type and payload)."""
        with self._lock:
            known = self.commands.get(key)
            if known is not None:
                first_body, answer = known
                if first_body != body:
                    return _error(
                        422, "idempotency_key_reused", "key used with another payload"
                    )
                return Scripted(409, answer)
            if self.idempotent:
                for first_body, answer in self.commands.values():
                    if first_body == body:
                        self.commands[key] = (body, answer)
                        return Scripted(200, dict(answer, already_applied=True))
            answer = {
                "command_id": "cmd_%d" % (len(self.commands) + 1),
                "status": "completed",
                "result": {"type": body["type"], "echo": body["payload"]},
            }
            self.commands[key] = (body, answer)
            self.effects.append(
                Effect(body["type"], body["payload"], key, answer["command_id"])
            )
        return Scripted(201, answer)

    def _page(self, items, cursor, limit):
        start = 0
        if cursor:
            if not cursor.startswith("c") or not cursor[1:].isdigit():
                return None
            start = int(cursor[1:])
        end = min(start + limit, len(items))
        return items[start:end], "c%d" % end, end < len(items)

    @staticmethod
    def _limit(req, default):
        raw = req.query.get("limit")
        if raw is None:
            return default
        if not raw.isdigit() or not 1 <= int(raw) <= 1000:
            return None
        return int(raw)

    def _events(self, req):
        limit = self._limit(req, self.default_page_size)
        if limit is None:
            return _error(400, "bad_limit", "limit must be 1..1000")
        page = self._page(self.events, req.query.get("after"), limit)
        if page is None:
            return _error(400, "bad_cursor", "unknown cursor")
        items, next_cursor, has_more = page
        return Scripted(
            200, {"events": items, "next_cursor": next_cursor, "has_more": has_more}
        )

    def _mismatches(self, req):
        day = req.query.get("date")
        try:
            date.fromisoformat(day or "")
        except ValueError:
            return _error(400, "bad_date", "date must be YYYY-MM-DD")
        with self._lock:
            canned = self._page_scripts.get((day, req.query.get("cursor") or ""))
            if canned:
                return canned.popleft()
        limit = self._limit(req, self.default_page_size)
        if limit is None:
            return _error(400, "bad_limit", "limit must be 1..1000")
        page = self._page(self.mismatches.get(day, []), req.query.get("cursor"), limit)
        if page is None:
            return _error(400, "bad_cursor", "unknown cursor")
        items, next_cursor, has_more = page
        return Scripted(
            200,
            {
                "date": day,
                "mismatches": items,
                "next_cursor": next_cursor,
                "has_more": has_more,
            },
        )

    # -- outbound webhooks ---------------------------------------------------

    @staticmethod
    def webhook_signature(secret, msg_id, timestamp, body):
        """``v1,<b64>`` per standardwebhooks.com (independent implementation)."""
        if secret.startswith("whsec_"):
            key = base64.b64decode(secret.split("_", 1)[1])
        else:
            key = secret.encode()
        mac = hmac.new(
            key, b"%s.%d.%s" % (msg_id.encode(), timestamp, body), hashlib.sha256
        )
        return "v1," + base64.b64encode(mac.digest()).decode()

    def deliver_webhook(
        self,
        url,
        event,
        secrets,
        msg_id="msg_peer_1",
        timestamp=None,
        body=None,
        extra_headers=None,
    ):
        """POST a signed event to ``url``; returns ``(status, parsed JSON or text)``.

        ``body`` overrides the serialised ``event`` *after* signing (tampering).
        """
        assert urlsplit(url).hostname == HOST, "only 127.0.0.1 is a valid target"
        raw = json.dumps(event, separators=(",", ":")).encode()
        timestamp = int(time.time()) if timestamp is None else timestamp
        if isinstance(secrets, str):
            secrets = [secrets]
        signature = " ".join(
            self.webhook_signature(s, msg_id, timestamp, raw) for s in secrets
        )
        headers = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
        }
        headers.update(extra_headers or {})
        request = urllib.request.Request(
            url, data=raw if body is None else body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, data = exc.code, exc.read()
        try:
            return status, json.loads(data)
        except ValueError:
            return status, data.decode("utf-8", "replace")
