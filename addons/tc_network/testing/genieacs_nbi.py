"""A real local HTTP peer that behaves like the GenieACS NBI (``lib/nbi.ts``).

Stdlib only: ``ThreadingHTTPServer`` on 127.0.0.1 (free port) in a daemon thread.
Implemented endpoints, with GenieACS's status codes and reason phrases:

- ``GET /devices|/tasks|/faults?query=<json>&projection=a,b&skip=&limit=``
  -> JSON list (device parameters compared on their ``_value`` like
  GenieACS's ``query.expand``; ``$or``, ``$and``, ``$in``, ``$ne`` supported)
- ``POST /devices/<id>/tasks[?connection_request[&timeout=<ms>]]``
  with a task body: the task is stored first, then, per the device's mode:
  ``online`` -> 200 + task JSON (task executed and removed);
  ``busy`` -> 202 "Task queued but not processed";
  ``offline`` -> 202 "Device is offline" (connection request error text);
  ``cr_error`` -> 202 "Connection request error: connect ETIMEDOUT ...";
  ``fault`` -> 202 "Task faulted" and a fault document in ``/faults``;
  ``server_error`` -> 500 with the error text GenieACS's ``throwError`` sends
  (here a database error quoting the task, as MongoDB errors do);
  without ``connection_request`` -> 202 "Accepted" (queued).
  Without a body and with ``connection_request``: 200, or 504 + the
  connection request error text when the device is offline.
  Unknown device -> 404 "No such device".
- ``DELETE /tasks/<id>`` (404 "Task not found"), ``POST /tasks/<id>/retry``,
  ``DELETE /faults/<id>``.

The device id in a path is decoded exactly once (``decodeURIComponent``) and
looked up as is, like GenieACS: an id stored as ``...SR552NA084%2D0003269`` must
arrive as ``...SR552NA084%252D0003269``. An id that was not encoded (``%2D``
arrives raw, decodes to ``-``) or was encoded twice gets the real 404 and is
also recorded in ``peer.encoding_errors`` with what went wrong, so tests can
assert on it. Every request is recorded in ``peer.requests`` (raw path).
"""

import json
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, unquote, urlsplit

HOST = "127.0.0.1"
VERSION = "1.2.13"

DEVICE_TASKS = re.compile(r"^/devices/([a-zA-Z0-9\-_%]+)/tasks/?$")
TASKS = re.compile(r"^/tasks/([a-zA-Z0-9\-_%]+)(/[a-zA-Z_]*)?$")
FAULTS = re.compile(r"^/faults/([a-zA-Z0-9\-_%:]+)/?$")
COLLECTION = re.compile(r"^/([a-zA-Z0-9_]+)/?$")

MODES = ("online", "busy", "offline", "cr_error", "fault", "server_error")
CR_ERROR_TEXT = "Connection request error: connect ETIMEDOUT 10.20.30.40:7547"


def now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass
class Recorded:
    method: str
    raw_path: str
    path: str
    query: dict
    body: bytes

    def json(self):
        return json.loads(self.body.decode("utf-8"))


def _leaf(value, type_="xsd:string", writable=True):
    return {
        "_value": value,
        "_type": type_,
        "_timestamp": now_iso(),
        "_writable": writable,
    }


def make_device(
    device_id: str,
    serial: str,
    *,
    oui: str = "00236a",
    product_class: str = "SR552n",
    manufacturer: str = "Demo",
    mac: str | None = None,
    data_model: str = "igd",
    ssid: str = "TC-Home",
) -> dict:
    """A GenieACS-shaped device document (nested, ``_value`` leaves)."""
    doc = {
        "_id": device_id,
        "_deviceId": {
            "_Manufacturer": manufacturer,
            "_OUI": oui,
            "_ProductClass": product_class,
            "_SerialNumber": serial,
        },
        "_registered": now_iso(),
        "_lastInform": now_iso(),
        "_lastBoot": now_iso(),
        "_tags": [],
    }
    if data_model == "igd":
        doc["InternetGatewayDevice"] = {
            "DeviceInfo": {"SoftwareVersion": _leaf("V1.0.3", writable=False)},
            "WANDevice": {
                "1": {
                    "WANConnectionDevice": {
                        "1": {
                            "WANPPPConnection": {
                                "1": {"MACAddress": _leaf(mac or "", writable=False)}
                            }
                        }
                    }
                }
            },
            "LANDevice": {
                "1": {
                    "WLANConfiguration": {
                        "1": {
                            "SSID": _leaf(ssid),
                            "KeyPassphrase": _leaf(""),
                        }
                    }
                }
            },
        }
    else:  # TR-181 Device:2
        doc["Device"] = {
            "DeviceInfo": {"SoftwareVersion": _leaf("2.4.1", writable=False)},
            "Ethernet": {
                "Link": {"1": {"MACAddress": _leaf(mac or "", writable=False)}}
            },
            "WiFi": {
                "SSID": {"1": {"SSID": _leaf(ssid)}},
                "AccessPoint": {"1": {"Security": {"KeyPassphrase": _leaf("")}}},
            },
        }
    return doc


def _get_path(doc, path):
    node = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None, False
        node = node[part]
    return node, True


def _set_path(doc, path, value, type_=None):
    node = doc
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    leaf = node.get(parts[-1])
    if isinstance(leaf, dict) and "_value" in leaf:
        leaf["_value"] = value
        leaf["_timestamp"] = now_iso()
        if type_:
            leaf["_type"] = type_
    else:
        node[parts[-1]] = _leaf(value, type_ or "xsd:string")


def _compare(node, found, cond):
    value = node.get("_value") if isinstance(node, dict) and "_value" in node else node
    if isinstance(cond, dict) and any(k.startswith("$") for k in cond):
        for op, arg in cond.items():
            if op == "$in" and value not in arg:
                return False
            if op == "$ne" and value == arg:
                return False
            if op == "$exists" and bool(found) != bool(arg):
                return False
        return True
    return found and value == cond


def matches(doc, query) -> bool:
    for key, cond in (query or {}).items():
        if key == "$or":
            if not any(matches(doc, sub) for sub in cond):
                return False
        elif key == "$and":
            if not all(matches(doc, sub) for sub in cond):
                return False
        else:
            node, found = _get_path(doc, key)
            if not _compare(node, found, cond):
                return False
    return True


def project(doc, projection):
    if not projection:
        return doc
    out = {"_id": doc.get("_id")}
    for path in projection:
        node, found = _get_path(doc, path)
        if not found:
            continue
        target = out
        parts = path.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = node
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (timeout tests) is not worth a traceback


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "GenieACS-NBI-peer/1.0"

    def log_message(self, fmt, *args):  # keep test output quiet
        return

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def _dispatch(self):
        peer = self.server.peer
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = {
            k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()
        }
        record = Recorded(self.command, self.path, parts.path, query, body)
        with peer.lock:
            peer.requests.append(record)
        if peer.delay:
            peer.stopping.wait(peer.delay)
        status, reason, payload = peer.handle(record)
        self._reply(status, reason, payload)

    def _reply(self, status, reason, payload):
        if isinstance(payload, (dict, list)):
            data = json.dumps(payload).encode("utf-8")
            ctype = "application/json"
        else:
            data = (payload or "").encode("utf-8")
            ctype = "text/plain"
        try:
            self.send_response(status, reason)
            self.send_header("GenieACS-Version", VERSION)
            if data:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data and self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client went away (e.g. its timeout): nothing to answer


class GenieAcsNbiPeer:
    """``with GenieAcsNbiPeer() as nbi: nbi.add_device(...); nbi.url``"""

    def __init__(self):
        self.devices: dict[str, dict] = {}
        self.modes: dict[str, str] = {}
        self.tasks: dict[str, dict] = {}
        self.faults: dict[str, dict] = {}
        self.requests: list[Recorded] = []
        self.encoding_errors: list[str] = []
        self.delay = 0.0
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._server = None
        self._thread = None

    # -- lifecycle
    def start(self):
        self._server = _Server((HOST, 0), _Handler)
        self._server.peer = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="genieacs-nbi-peer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self.stopping.set()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
        if self._thread:
            self._thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}"

    # -- scenario set-up
    def add_device(self, device_id, serial, *, mode="online", **kw) -> dict:
        doc = make_device(device_id, serial, **kw)
        with self.lock:
            self.devices[device_id] = doc
            self.modes[device_id] = mode
        return doc

    def set_mode(self, device_id, mode):
        assert mode in MODES, mode
        with self.lock:
            self.modes[device_id] = mode

    def reset(self):
        with self.lock:
            self.devices.clear()
            self.modes.clear()
            self.tasks.clear()
            self.faults.clear()
            self.requests.clear()
            self.encoding_errors.clear()
            self.delay = 0.0

    def task_requests(self):
        return [r for r in self.requests if r.method == "POST" and "/tasks" in r.path]

    # -- request handling (returns status, reason, payload)
    def handle(self, rec: Recorded):
        with self.lock:
            if m := DEVICE_TASKS.match(rec.path):
                if rec.method != "POST":
                    return 405, None, "405 Method Not Allowed"
                return self._post_task(m.group(1), rec)
            if m := TASKS.match(rec.path):
                return self._task_action(unquote(m.group(1)), m.group(2), rec)
            if m := FAULTS.match(rec.path):
                if rec.method != "DELETE":
                    return 405, None, "405 Method Not Allowed"
                fault_id = unquote(m.group(1))
                self.faults.pop(fault_id, None)
                return 200, None, ""
            if m := COLLECTION.match(rec.path):
                if rec.method not in ("GET", "HEAD"):
                    return 405, None, "405 Method Not Allowed"
                return self._query(m.group(1), rec)
            return 404, None, "404 Not Found"

    def _query(self, name, rec):
        source = {"devices": self.devices, "tasks": self.tasks, "faults": self.faults}
        if name not in source:
            return 404, None, "404 Not Found"
        try:
            q = json.loads(rec.query["query"]) if rec.query.get("query") else {}
        except ValueError as exc:
            return 400, None, f"SyntaxError: {exc}"
        projection = [
            p.strip() for p in rec.query.get("projection", "").split(",") if p.strip()
        ]
        docs = [project(d, projection) for d in source[name].values() if matches(d, q)]
        skip = int(rec.query.get("skip") or 0)
        limit = int(rec.query.get("limit") or 0)
        docs = docs[skip:]
        if limit:
            docs = docs[:limit]
        return 200, None, json.loads(json.dumps(docs))

    def _check_encoding(self, segment: str):
        """Decode once like decodeURIComponent; record misuse for the tests."""
        device_id = unquote(segment)
        if device_id in self.devices:
            return device_id
        if unquote(device_id) in self.devices and device_id not in self.devices:
            self.encoding_errors.append(f"device id URL-encoded twice: {segment}")
            return None
        for known in self.devices:
            # raw "%2D" decoded to "-", or already normalised to "-" on the way
            # (requests re-quotes paths and turns %2D into -)
            if "%" in known and (segment == known or unquote(known) == device_id):
                self.encoding_errors.append(
                    f"device id not URL-encoded: {segment} (stored id {known} must "
                    f"be sent as {quote(known, safe='')})"
                )
        return None

    def _post_task(self, segment, rec):
        device_id = self._check_encoding(segment)
        if device_id is None:
            return 404, None, "No such device"
        mode = self.modes.get(device_id, "online")
        cr = "connection_request" in rec.query
        if not rec.body:
            if not cr:
                return 400, None, ""
            if mode in ("offline", "cr_error"):
                text = "Device is offline" if mode == "offline" else CR_ERROR_TEXT
                return 504, text, text
            return 200, None, ""
        try:
            task = json.loads(rec.body.decode("utf-8"))
        except ValueError as exc:
            return 400, None, f"SyntaxError: {exc}"
        task["device"] = device_id
        if mode == "server_error":
            return (
                500,
                None,
                f"MongoServerError: E11000 duplicate key: {json.dumps(task)}",
            )
        task["_id"] = secrets.token_hex(12)
        task["timestamp"] = now_iso()
        self.tasks[task["_id"]] = task  # GenieACS stores the task first
        if not cr:
            return 202, None, task
        if mode == "busy":
            return 202, "Task queued but not processed", task
        if mode == "offline":
            return 202, "Device is offline", task
        if mode == "cr_error":
            return 202, CR_ERROR_TEXT, task
        if mode == "fault":
            channel = f"task_{task['_id']}"
            self.faults[f"{device_id}:{channel}"] = {
                "_id": f"{device_id}:{channel}",
                "device": device_id,
                "channel": channel,
                "code": "cwmp.9007",
                "message": "Invalid parameter value",
                "detail": {
                    "faultCode": "9007",
                    "faultString": "Invalid parameter value",
                },
                "retries": 0,
                "timestamp": now_iso(),
                "provisions": "[]",
            }
            return 202, "Task faulted", task
        self._execute(device_id, task)
        del self.tasks[task["_id"]]
        return 200, None, task

    def _execute(self, device_id, task):
        doc = self.devices[device_id]
        name = task.get("name")
        if name == "setParameterValues":
            for item in task.get("parameterValues", []):
                _set_path(doc, item[0], item[1], item[2] if len(item) > 2 else None)
        elif name == "reboot":
            doc["_lastBoot"] = now_iso()
        elif name == "factoryReset":
            doc["_lastBoot"] = now_iso()
        doc["_lastInform"] = now_iso()

    def _task_action(self, task_id, action, rec):
        if not action or action == "/":
            if rec.method != "DELETE":
                return 405, None, "405 Method Not Allowed"
            task = self.tasks.pop(task_id, None)
            if task is None:
                return 404, None, "Task not found"
            self.faults.pop(f"{task['device']}:task_{task_id}", None)
            return 200, None, ""
        if action == "/retry":
            if rec.method != "POST":
                return 405, None, "405 Method Not Allowed"
            task = self.tasks.get(task_id)
            if task:
                self.faults.pop(f"{task['device']}:task_{task_id}", None)
            return 200, None, ""
        return 404, None, ""
