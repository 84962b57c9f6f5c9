"""A real local HTTP server standing in for a Sentry ingest endpoint.

Stdlib only: a ``ThreadingHTTPServer`` on 127.0.0.1 (free port) in a daemon thread.
``receiver.dsn`` is a DSN pointing at it; the SDK posts envelopes to
``/api/<project>/envelope/`` (gzip or brotli encoded). Each envelope is parsed
(header line, then item header + payload pairs) and kept: ``receiver.events``
are the ``event`` items (dicts), ``receiver.raw`` the decoded bodies as text, to
check what did NOT reach the wire.
"""

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

try:  # the SDK compresses with brotli when it is installed
    import brotli
except ImportError:
    brotli = None

HOST = "127.0.0.1"


def _decode(body, encoding):
    encoding = (encoding or "").lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        return brotli.decompress(body)
    return body


def _line(data, pos):
    end = data.find(b"\n", pos)
    end = len(data) if end < 0 else end
    return data[pos:end], end + 1


def parse_envelope(data):
    """``(header, [(item_header, payload), ...])`` of a Sentry envelope: a header
    line, then per item a header line and a payload (``length`` bytes when the
    item header says so, else one line)."""
    line, pos = _line(data, 0)
    header = json.loads(line or b"{}")
    items = []
    while pos < len(data):
        line, pos = _line(data, pos)
        if not line.strip():
            continue
        item_header = json.loads(line)
        length = item_header.get("length")
        if length is None:
            raw, pos = _line(data, pos)
        else:
            raw, pos = data[pos : pos + length], pos + length + 1
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw
        items.append((item_header, payload))
    return header, items


class SentryReceiver:
    def __init__(self, project_id=42, public_key="tcpublickey"):
        self.project_id = project_id
        self.public_key = public_key
        self.envelopes = []
        self.raw = []
        self.paths = []
        self._lock = threading.Lock()
        self._server = None

    @property
    def dsn(self):
        host, port = self._server.server_address[:2]
        return "http://%s@%s:%d/%d" % (self.public_key, host, port, self.project_id)

    @property
    def events(self):
        with self._lock:
            return [
                payload
                for _header, items in self.envelopes
                for item_header, payload in items
                if item_header.get("type") == "event" and isinstance(payload, dict)
            ]

    def start(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = _decode(
                    self.rfile.read(length), self.headers.get("Content-Encoding")
                )
                with receiver._lock:
                    receiver.paths.append(self.path)
                    receiver.raw.append(body.decode("utf-8", "replace"))
                    receiver.envelopes.append(parse_envelope(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *_args):
                pass

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
