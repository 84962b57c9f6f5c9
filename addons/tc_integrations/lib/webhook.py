"""Standard Webhooks (https://www.standardwebhooks.com) signing and verification.

Pure Python, no Odoo import: the HTTP controller of ``tc_integrations`` feeds
it the request headers and the *raw* body bytes and maps a ``WebhookError`` to
an HTTP response with ``exc.status`` and ``exc.message``.

Wire shape (inbound and outbound)
---------------------------------
Headers::

    content-type:       application/json  (a ``charset=utf-8`` parameter is fine)
    webhook-id:         msg_2b9...         unique per event, same on every retry
    webhook-timestamp:  1714000000         unix seconds of *this* attempt
    webhook-signature:  v1,<b64> [v1,<b64> ...]   space-separated list

``<b64>`` is ``base64(HMAC-SHA256(key, f"{webhook-id}.{webhook-timestamp}.{body}"))``
computed over the raw body bytes. Entries with another version prefix (for
instance ``v1a,`` asymmetric signatures) are ignored. A secret is either
``whsec_<base64 key>`` (the base64 part is decoded to get the key) or any
other string, used as UTF-8 bytes.

Body: a JSON object with at least ``id`` (event id, non-empty string) and
``type`` (event type, non-empty string), for example::

    {"id": "evt_01H...", "type": "payment.succeeded",
     "correlation_id": "c0ffee...", "timestamp": "2024-05-01T10:00:00Z",
     "data": {...}}

Order of the checks done by :func:`verify` and the status each failure maps to:

==========================================  ======  ============================
check                                       status  exception
==========================================  ======  ============================
webhook-id / -timestamp / -signature absent  400    MissingHeaderError
timestamp not an integer                     400    InvalidHeaderError
content-type absent or not JSON / not UTF-8  415    UnsupportedMediaTypeError
body larger than ``max_body`` bytes          413    PayloadTooLargeError
timestamp outside +/- ``tolerance`` seconds  401    TimestampOutOfRangeError
no ``v1`` entry matches any secret           401    InvalidSignatureError
body not UTF-8 / not JSON                    400    MalformedPayloadError
JSON is not an object / no ``id`` / ``type``  422    InvalidEventError
==========================================  ======  ============================

A stale or future timestamp is a 401 (not a 400): the request is well formed
but cannot be authenticated, exactly like a bad signature, and senders treat
it as "do not retry as is" (each retry is re-signed with a fresh timestamp).
Malformed JSON is a 400 (syntax) while valid JSON that is not an event is a
422 (semantics). The JSON is parsed only *after* the signature is verified.

Replay protection is the caller's job: store the event id (see
:func:`event_meta`) under a unique constraint and ignore duplicates.
"""

import base64
import binascii
import hashlib
import hmac
import json
import secrets as _secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_MAX_BODY",
    "DEFAULT_TOLERANCE",
    "SECRET_PREFIX",
    "EventMeta",
    "InvalidEventError",
    "InvalidHeaderError",
    "InvalidSignatureError",
    "MalformedPayloadError",
    "MissingHeaderError",
    "PayloadTooLargeError",
    "TimestampOutOfRangeError",
    "UnsupportedMediaTypeError",
    "WebhookError",
    "build_headers",
    "decode_secret",
    "event_meta",
    "generate_secret",
    "sign",
    "verify",
]

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE = 300  # seconds, either side of "now"
DEFAULT_MAX_BODY = 1024 * 1024  # 1 MiB
SIGNATURE_VERSION = "v1"
CORRELATION_HEADERS = ("x-correlation-id", "correlation-id", "x-request-id")


class WebhookError(Exception):
    """Base class: ``status`` is the HTTP status to answer with."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status

    def __str__(self):
        return "%s (HTTP %s)" % (self.message, self.status)


class MissingHeaderError(WebhookError):
    status = 400


class InvalidHeaderError(WebhookError):
    status = 400


class InvalidSignatureError(WebhookError):
    status = 401


class TimestampOutOfRangeError(WebhookError):
    status = 401


class PayloadTooLargeError(WebhookError):
    status = 413


class UnsupportedMediaTypeError(WebhookError):
    status = 415


class MalformedPayloadError(WebhookError):
    status = 400


class InvalidEventError(WebhookError):
    status = 422


@dataclass(frozen=True)
class EventMeta:
    """What the caller needs to deduplicate and trace an inbound event."""

    event_id: str
    event_type: str
    correlation_id: str | None
    webhook_id: str | None


# --------------------------------------------------------------------------
# secrets and signing
# --------------------------------------------------------------------------


def generate_secret(nbytes=32):
    """A fresh ``whsec_<base64>`` secret (for outbound endpoints)."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(nbytes)).decode()


def decode_secret(secret):
    """Key bytes of ``secret``: ``whsec_<base64>`` is decoded, else UTF-8.

    A misconfigured secret is a server-side problem, so it raises
    ``ValueError`` (not a ``WebhookError``), without echoing the secret.
    """
    if isinstance(secret, bytes | bytearray):
        key = bytes(secret)
    elif isinstance(secret, str):
        if secret.startswith(SECRET_PREFIX):
            try:
                key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
            except (binascii.Error, ValueError):
                raise ValueError(
                    "webhook secret starts with 'whsec_' but the rest is not base64"
                ) from None
        else:
            key = secret.encode("utf-8")
    else:
        raise TypeError("webhook secret must be str or bytes")
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def _to_bytes(body):
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise TypeError("body must be bytes or str")


def _signature(key, msg_id, timestamp, body):
    signed = ("%s.%s." % (msg_id, timestamp)).encode("utf-8") + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign(secret, msg_id, timestamp, body):
    """Return the ``v1,<base64>`` signature of ``body`` (bytes or str)."""
    return "%s,%s" % (
        SIGNATURE_VERSION,
        _signature(decode_secret(secret), msg_id, int(timestamp), _to_bytes(body)),
    )


def build_headers(secrets, body, msg_id=None, timestamp=None):
    """Headers for an outbound webhook signed with every secret in ``secrets``.

    ``secrets`` may be a single secret or a list (during a rotation sign with
    both, the receiver accepts either). ``msg_id`` defaults to a random
    ``msg_<hex>``; keep the same id across retries of one event.
    """
    if isinstance(secrets, str | bytes):
        secrets = [secrets]
    msg_id = msg_id or "msg_" + _secrets.token_hex(16)
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    body = _to_bytes(body)
    signature = " ".join(sign(s, msg_id, timestamp, body) for s in secrets)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


# --------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------


def _lower_headers(headers):
    """Case-insensitive view of a dict / werkzeug ``Headers`` / list of pairs."""
    items = headers.items() if hasattr(headers, "items") else headers
    out = {}
    for name, value in items:
        out.setdefault(str(name).strip().lower(), value)
    return out


def _check_content_type(value):
    if not value:
        raise UnsupportedMediaTypeError("content-type header is missing")
    mime, *params = [part.strip() for part in str(value).split(";")]
    if mime.lower() != "application/json":
        raise UnsupportedMediaTypeError(
            "content-type must be application/json, got %r" % mime[:100]
        )
    for param in params:
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset":
            charset = val.strip().strip('"').lower()
            if charset not in ("utf-8", "utf8"):
                raise UnsupportedMediaTypeError(
                    "charset must be utf-8, got %r" % charset[:40]
                )


def _parse_timestamp(value):
    value = str(value).strip()
    # isascii(): str.isdigit() accepts "¹" and other digits int() refuses (found by fuzzing)
    if not (value.isascii() and value.isdigit()) or len(value) > 12:
        raise InvalidHeaderError("webhook-timestamp must be integer unix seconds")
    return int(value)


def _reject_constant(name):
    raise ValueError("non-standard JSON constant %s" % name)


def _parse_event(raw_body):
    try:
        text = raw_body.decode("utf-8")
        payload = json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise MalformedPayloadError("body is not valid UTF-8") from None
    except (ValueError, RecursionError) as exc:
        raise MalformedPayloadError("body is not valid JSON: %s" % exc) from None
    if not isinstance(payload, dict):
        raise InvalidEventError(
            "payload must be a JSON object, got %s" % type(payload).__name__
        )
    for field in ("id", "type"):
        value = payload.get(field)
        if not isinstance(value, str) or not value.strip():
            raise InvalidEventError(
                "payload field %r must be a non-empty string" % field
            )
    return payload


def verify(
    headers,
    raw_body,
    secrets,
    now=None,
    tolerance=DEFAULT_TOLERANCE,
    max_body=DEFAULT_MAX_BODY,
):
    """Authenticate a Standard Webhooks request and return its JSON payload.

    ``headers``: mapping (any case) or list of pairs; ``raw_body``: the exact
    bytes received; ``secrets``: one secret or an iterable of them (all are
    tried, for rotation); ``now``: unix seconds, defaults to ``time.time()``.
    Raises a :class:`WebhookError` subclass (see the module docstring).
    """
    if isinstance(secrets, str | bytes):
        secrets = [secrets]
    keys = [decode_secret(s) for s in secrets]
    if not keys:
        raise ValueError("no webhook secret configured")
    if not isinstance(raw_body, bytes | bytearray | memoryview):
        raise TypeError("raw_body must be the raw request bytes")
    raw_body = bytes(raw_body)

    hdrs = _lower_headers(headers)
    missing = [
        name
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
        if not str(hdrs.get(name) or "").strip()
    ]
    if missing:
        raise MissingHeaderError("missing header(s): %s" % ", ".join(missing))
    msg_id = str(hdrs["webhook-id"]).strip()
    timestamp = _parse_timestamp(hdrs["webhook-timestamp"])

    _check_content_type(hdrs.get("content-type"))
    if max_body is not None and len(raw_body) > max_body:
        raise PayloadTooLargeError(
            "body is %d bytes, the limit is %d" % (len(raw_body), max_body)
        )

    now = int(time.time() if now is None else now)
    if timestamp < now - tolerance:
        raise TimestampOutOfRangeError(
            "webhook-timestamp is %ds old (tolerance %ds)"
            % (now - timestamp, tolerance)
        )
    if timestamp > now + tolerance:
        raise TimestampOutOfRangeError(
            "webhook-timestamp is %ds in the future (tolerance %ds)"
            % (timestamp - now, tolerance)
        )

    candidates = []
    for entry in str(hdrs["webhook-signature"]).split():
        version, _, value = entry.partition(",")
        if version == SIGNATURE_VERSION and value:
            candidates.append(value.encode("ascii", "replace"))
    if not candidates:
        raise InvalidSignatureError("webhook-signature has no v1 signature")

    matched = False
    for key in keys:
        expected = _signature(key, msg_id, timestamp, raw_body).encode("ascii")
        for candidate in candidates:
            # no early exit: the time taken does not depend on which matched
            matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise InvalidSignatureError("no webhook signature matches")

    return _parse_event(raw_body)


def event_meta(payload, headers=None):
    """Event id, type and correlation id of a verified payload.

    The correlation id is ``payload["correlation_id"]`` or, failing that,
    ``payload["data"]["correlation_id"]`` or one of the ``x-correlation-id``,
    ``correlation-id``, ``x-request-id`` headers. ``webhook_id`` is the
    ``webhook-id`` header (stable across retries of one delivery).
    """
    hdrs = _lower_headers(headers) if headers is not None else {}
    correlation_id = payload.get("correlation_id")
    data = payload.get("data")
    if not correlation_id and isinstance(data, Mapping):
        correlation_id = data.get("correlation_id")
    if not correlation_id:
        correlation_id = next(
            (hdrs[h] for h in CORRELATION_HEADERS if str(hdrs.get(h) or "").strip()),
            None,
        )
    return EventMeta(
        event_id=str(payload["id"]),
        event_type=str(payload["type"]),
        correlation_id=str(correlation_id).strip() if correlation_id else None,
        webhook_id=str(hdrs["webhook-id"]).strip() if hdrs.get("webhook-id") else None,
    )
