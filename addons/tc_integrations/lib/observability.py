"""Traceable logs and safe error reports: the correlation id of the work in hand on
every log line, JSON log lines on demand, and Sentry events without payloads or
secrets (issue #22). Pure Python: no Odoo import (``sentry_sdk`` is optional).

* :func:`traced` sets the correlation id (a ``ContextVar``) and the Sentry tags
  (``tc.correlation_id``, ``tc.event_id``, ``tc.command_id``, ``tc.case_id``) for
  one piece of work: a webhook request, an event job, a command job, a partner
  API request. Nested calls keep the outer id unless they name their own.
* :class:`CorrelationFilter` stamps ``record.correlation_id`` on every record a
  handler emits; :class:`TextFormatter` wraps Odoo's formatter and ends the first
  line with `` [correlation_id=<id>]`` (unless the message already says it);
  :class:`JsonFormatter` writes one JSON object per line (timestamp, level,
  logger, message, correlation_id, db, pid; ``exc_info`` when there is one).
  :func:`install_logging` puts them on the root logger's handlers (idempotent).
* :func:`sentry_config` turns ``SENTRY_DSN`` / ``SENTRY_ENVIRONMENT`` (the
  environment wins over ``sentry_dsn`` / ``sentry_environment`` of odoo.conf) into
  the options OCA ``sentry`` reads, with local variables and request bodies off.
* :func:`scrub_event` is the ``before_send`` rule: request bodies, cookies, query
  strings and local variables are dropped, breadcrumbs keep their message but not
  their data, headers and extras go through ``masking.mask_payload``, and every
  string of the event loses the known secret values, bearer tokens, webhook
  secrets, partner keys and card numbers (``masking.mask_text``).
"""

import contextlib
import contextvars
import json
import logging
import os
import re
import threading
import time

from . import masking

try:  # optional: without it, tags and captures are no-ops
    import sentry_sdk
except ImportError:  # pragma: no cover
    sentry_sdk = None

__all__ = [
    "CorrelationFilter",
    "JsonFormatter",
    "TextFormatter",
    "capture_exception",
    "capture_message",
    "clean_correlation_id",
    "current_correlation_id",
    "install_logging",
    "make_before_send",
    "scrub_event",
    "sentry_config",
    "traced",
]

_CORRELATION = contextvars.ContextVar("tc_correlation_id", default=None)
_SAFE_ID = re.compile(r"[^A-Za-z0-9._:@/+=-]")
TAG_PREFIX = "tc."
# secrets recognised by their shape, wherever they appear in an event's text
_TOKEN_PATTERNS = (
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)\bbasic\s+[A-Za-z0-9+/=]{12,}"),
    re.compile(r"\bwhsec_[A-Za-z0-9+/=_-]+"),
    re.compile(r"\btcp_[A-Za-z0-9_-]+"),
    re.compile(r"\bv1,[A-Za-z0-9+/=]{20,}"),  # a Standard Webhooks signature
)
REQUEST_DROPPED = ("data", "cookies", "query_string", "env")
# parts of an event that are Sentry's own bookkeeping (ids, runtime, SDK)
NOT_SCANNED = ("event_id", "timestamp", "start_timestamp", "contexts", "sdk")


# -- correlation id ------------------------------------------------------------------
def clean_correlation_id(value):
    """A correlation id fit for a log line and a header: at most 128 safe
    characters (anything else becomes ``_``), ``None`` when empty."""
    if value is None or value is False:
        return None
    text = _SAFE_ID.sub("_", str(value).strip())[:128]
    return text or None


def current_correlation_id():
    return _CORRELATION.get()


def _tags(correlation_id, tags):
    out = {"correlation_id": correlation_id} if correlation_id else {}
    out.update({k: v for k, v in tags.items() if v not in (None, False, "")})
    return {TAG_PREFIX + k: str(v)[:200] for k, v in out.items()}


@contextlib.contextmanager
def traced(correlation_id=None, **tags):
    """The work inside carries ``correlation_id`` (or the enclosing one) on its log
    lines and ``tags`` (``event_id=``, ``command_id=``, ``case_id=``) on its Sentry
    events. Restores the previous values on exit, also on error."""
    cid = clean_correlation_id(correlation_id) or _CORRELATION.get()
    token = _CORRELATION.set(cid)
    try:
        if sentry_sdk is None:
            yield cid
            return
        with sentry_sdk.new_scope() as scope:
            for key, value in _tags(cid, tags).items():
                scope.set_tag(key, value)
            yield cid
    finally:
        _CORRELATION.reset(token)


def capture_exception(exc, **tags):
    """Report ``exc`` (already handled by our code) to Sentry with the current
    correlation id and ``tags``; nothing when Sentry is not set up."""
    if sentry_sdk is None or not sentry_sdk.get_client().is_active():
        return None
    with traced(**tags):
        return sentry_sdk.capture_exception(exc)


def capture_message(message, level="error", **tags):
    """Report a failure that is not an exception (a refused command)."""
    if sentry_sdk is None or not sentry_sdk.get_client().is_active():
        return None
    with traced(**tags):
        return sentry_sdk.capture_message(message, level=level)


# -- logging -------------------------------------------------------------------------
class CorrelationFilter(logging.Filter):
    """Stamps ``record.correlation_id`` (``""`` outside traced work). Filters nothing."""

    def filter(self, record):
        if not getattr(record, "correlation_id", None):
            record.correlation_id = _CORRELATION.get() or ""
        return True


class TextFormatter(logging.Formatter):
    """Odoo's line, its first line ended with ``[correlation_id=<id>]``."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def format(self, record):
        line = self.inner.format(record)
        cid = getattr(record, "correlation_id", "")
        if not cid:
            return line
        mark = "[correlation_id=%s]" % cid
        first, sep, rest = line.partition("\n")
        if mark in first:
            return line
        return "%s %s%s%s" % (first.rstrip(), mark, sep, rest)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp (UTC, ISO 8601), level, logger,
    message, correlation_id, db, pid, and exc_info when there is one."""

    def format(self, record):
        created = time.gmtime(record.created)
        entry = {
            "timestamp": "%s.%03dZ"
            % (time.strftime("%Y-%m-%dT%H:%M:%S", created), record.msecs),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": getattr(record, "correlation_id", "") or None,
            "db": _dbname(record),
            "pid": record.process,
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def _dbname(record):
    name = getattr(record, "dbname", None)
    if not name:
        name = getattr(threading.current_thread(), "dbname", None)
    return name if name and name != "?" else None


def install_logging(json_lines=False, logger=None):
    """Put the filter and our formatter on every handler of ``logger`` (root).
    Safe to call more than once; returns the number of handlers changed."""
    logger = logger or logging.getLogger()
    changed = 0
    for handler in logger.handlers:
        if not any(isinstance(f, CorrelationFilter) for f in handler.filters):
            handler.addFilter(CorrelationFilter())
        current = handler.formatter
        if json_lines:
            if not isinstance(current, JsonFormatter):
                handler.setFormatter(JsonFormatter())
                changed += 1
        elif not isinstance(current, TextFormatter | JsonFormatter):
            handler.setFormatter(TextFormatter(current or logging.Formatter()))
            changed += 1
    return changed


def truthy(value):
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def setting(config, environ, key):
    """``KEY`` of the environment when non-empty, else ``key`` of odoo.conf."""
    environ = os.environ if environ is None else environ
    value = str(environ.get(key.upper()) or "").strip()
    if value:
        return value
    value = config.get(key)
    return "" if value is None or value is False else str(value).strip()


# -- Sentry --------------------------------------------------------------------------
def sentry_config(config, environ=None):
    """The ``sentry_*`` options for OCA ``sentry`` (to write into odoo.conf's
    options before it starts): ``SENTRY_DSN`` and ``SENTRY_ENVIRONMENT`` win over
    the file; a DSN from the environment enables Sentry. Whatever the file says,
    no local variables and no request bodies are collected."""
    out = {
        "sentry_include_local_variables": False,
        "sentry_max_request_body_size": "never",
        "sentry_send_default_pii": False,
    }
    environ = os.environ if environ is None else environ
    dsn = str(environ.get("SENTRY_DSN") or "").strip()
    if dsn:
        out["sentry_dsn"] = dsn
        out["sentry_enabled"] = True
    env_name = str(environ.get("SENTRY_ENVIRONMENT") or "").strip()
    if env_name:
        out["sentry_environment"] = env_name
    return out


def _redactor(secrets):
    known = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def redact(text):
        for secret in known:
            if secret in text:
                text = text.replace(secret, masking.MASK)
        for pattern in _TOKEN_PATTERNS:
            text = pattern.sub(masking.MASK, text)
        return masking.mask_text(text)

    return redact


def _walk_strings(obj, redact):
    if isinstance(obj, dict):
        return {k: _walk_strings(v, redact) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_walk_strings(v, redact) for v in obj]
    if isinstance(obj, str):
        return redact(obj)
    return obj


def _frames(event):
    for key in ("exception", "threads"):
        for value in (event.get(key) or {}).get("values") or []:
            yield from ((value.get("stacktrace") or {}).get("frames") or [])


def scrub_event(event, secrets=()):
    """The event as Sentry may receive it (see the module docstring). ``secrets``:
    the configured secret values to cut out of any text."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in REQUEST_DROPPED:
            request.pop(key, None)
        if isinstance(request.get("url"), str):
            request["url"] = request["url"].split("?", 1)[0]
        if isinstance(request.get("headers"), dict):
            request["headers"] = masking.mask_payload(request["headers"])
    for frame in _frames(event):
        frame.pop("vars", None)
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    for crumb in values or []:
        if isinstance(crumb, dict):
            crumb.pop("data", None)
    if isinstance(event.get("extra"), dict):
        event["extra"] = masking.mask_payload(event["extra"])
    redact = _redactor(secrets)
    return {
        key: value if key in NOT_SCANNED else _walk_strings(value, redact)
        for key, value in event.items()
    }


def make_before_send(original=None, secrets=lambda: ()):
    """A ``before_send`` running ``original`` (OCA's: ignored exceptions, Odoo
    context) and then :func:`scrub_event` with ``secrets()``. A failure of the
    scrubbing drops the event: better no report than a leaked secret."""

    def before_send(event, hint):
        if original is not None:
            event = original(event, hint)
            if event is None:
                return None
        try:
            return scrub_event(event, secrets())
        except Exception:  # noqa: BLE001 - never send what could not be scrubbed
            logging.getLogger(__name__).info("sentry event dropped: scrubbing failed")
            return None

    before_send.tc_scrubbing = True
    return before_send
