"""HTTP client for the ISP data-plane microservices (orders, billing, payments,
provisioning), pure Python + ``requests``, no Odoo import.

One attempt per call: the client never sleeps nor retries. It classifies each
failure as :class:`TransientError` (retry later with the *same* idempotency
key; ``retry_after`` carries the server's hint in seconds, or ``None``) or
:class:`PermanentError` (do not retry as is; a human or a code change is
needed). The Odoo layer (queue job / cron) owns the retry policy and backoff.
No message, ``str()`` or ``repr()`` of an error ever contains the API token.

Headers sent on every request::

    Authorization:    Bearer <token>
    X-Tenant-Id:      <tenant_id>            (only when configured)
    X-Correlation-Id: <correlation id>       (generated uuid4 hex when not given)
    Accept:           application/json
    Idempotency-Key:  <key>                  (on every command, i.e. POST /commands)

Wire shapes
-----------
``POST /commands`` (:meth:`DataPlaneClient.send_command`)::

    request  {"type": "billing.invoice.create", "payload": {...}}
    2xx      {"command_id": "cmd_123", "status": "accepted" | "completed" | ...,
              "result": {...}}                                   -> CommandResult
    409      same body as the first successful answer: the command with this
             Idempotency-Key was already applied -> CommandResult with
             already_applied=True (success). Exception: a 409 whose body has
             "status": "in_progress" (the first attempt is still running)
             is a TransientError.
    422      invalid command, or idempotency key reused with another payload
             -> PermanentError

``GET /events?after=<cursor>&limit=<n>`` (:meth:`DataPlaneClient.iter_events`,
``after`` omitted on the very first read)::

    {"events": [{"id": "evt_1", "type": "payment.succeeded",
                 "occurred_at": "2024-05-01T10:00:00Z",
                 "correlation_id": "...", "data": {...}}, ...],
     "next_cursor": "opaque-string", "has_more": true}

``GET /reconciliation/mismatches?date=YYYY-MM-DD&cursor=<cursor>&limit=<n>``
(:meth:`DataPlaneClient.reconciliation_page`, one page;
:meth:`DataPlaneClient.iter_reconciliation_mismatches`, all pages), the nightly
report of where billing, payments and provisioning disagree, for one day::

    {"date": "2024-05-01",
     "mismatches": [{"mismatch_id": "mm_1",
                     "type": "payment_without_invoice" | "invoice_without_payment"
                             | "amount_differs" | "subscription_state_differs"
                             | "provisioning_state_differs",
                     "refs": {"customer_id": "...", "order_id": "...",
                              "subscription_id": "...", "invoice_id": "...",
                              "payment_id": "...", "provisioning_job_id": "..."},
                     "expected": {"amount": "49.90", "currency": "EUR"},
                     "actual":   {"amount": "39.90", "currency": "EUR"},
                     "detail": "billing says active, provisioning says suspended",
                     "detected_at": "2024-05-02T02:00:00Z"}, ...],
     "next_cursor": "opaque-string", "has_more": false}

``mismatch_id`` is stable: the same disagreement keeps its id from one night to
the next, and a mismatch missing from a later night's report was resolved
upstream. Every ref is optional (at least one is present); ``expected`` /
``actual`` are present for money mismatches (``amount_differs``,
``payment_without_invoice``, ``invoice_without_payment``) and absent for state
mismatches, whose ``detail`` says what differs. Unknown ``type`` values may
appear (new checks upstream); they are kept as "other".

Amounts are decimal *strings* with an ISO 4217 currency (see
:func:`parse_amount`). Both iterators yield ``(items, next_cursor)`` one page
at a time, lazily: process and commit a page, then store ``next_cursor``,
then pull the next one. When a page says ``has_more: false`` the iteration
ends; a last page without ``next_cursor`` yields the cursor it was read with.
A page whose envelope is malformed raises :class:`PermanentError`; when that
page still names a usable ``next_cursor`` the error carries it as
``skip_to`` so a caller may record the bad page and go on.

``GET /health`` (:meth:`DataPlaneClient.ping`) -> any JSON object.

Error bodies are read leniently: ``{"error": {"code": "...", "message": "..."}}``,
``{"error": "...", "message": "..."}`` or ``{"detail": "..."}``.

Classification: connection errors, timeouts, 408, 425, 429 and 5xx are
transient (``Retry-After`` in seconds or HTTP-date is parsed into
``retry_after``); 3xx (redirects are not followed, so the token never goes to
another host), 409 outside ``/commands``, every other 4xx and a 2xx whose body
is not the documented JSON are permanent.
"""

import email.utils
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, urlsplit

import requests

from . import masking

_logger = logging.getLogger(__name__)

COMMAND_PATH_STYLES = ("body", "type")
"""``body``: POST {base}/commands with the type in the body; ``type``: POST
{base}/commands/{type} with the payload as the body."""

__all__ = [
    "CommandResult",
    "DataPlaneClient",
    "DataPlaneConfigError",
    "DataPlaneError",
    "PermanentError",
    "TransientError",
    "parse_amount",
    "parse_retry_after",
]

USER_AGENT = "tc-ops-dataplane-client/1.0"
TRANSIENT_STATUSES = frozenset({408, 425, 429})
_HEADER_VALUE = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXCERPT = 300


class DataPlaneError(Exception):
    """Base class. ``status`` is the HTTP status (``None`` when none came back)."""

    retryable = False

    def __init__(
        self,
        message,
        *,
        status=None,
        retry_after=None,
        correlation_id=None,
        error_code=None,
        method=None,
        path=None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.correlation_id = correlation_id
        self.error_code = error_code
        self.method = method
        self.path = path
        self.skip_to = None  # a malformed page's usable next cursor, if any
        self.last_page = False  # the malformed page said it was the last one

    def __str__(self):
        return self.message


class TransientError(DataPlaneError):
    """Retry later (same idempotency key); ``retry_after`` is a hint in seconds."""

    retryable = True


class PermanentError(DataPlaneError):
    """Retrying the same request will fail the same way."""


class DataPlaneConfigError(PermanentError, ValueError):
    """Bad client configuration or arguments (URL scheme, token, key...)."""


@dataclass(frozen=True)
class CommandResult:
    """Outcome of :meth:`DataPlaneClient.send_command`."""

    http_status: int
    command_id: str | None
    status: str | None
    result: dict | None
    already_applied: bool
    idempotency_key: str
    correlation_id: str
    raw: dict = field(default_factory=dict, repr=False)


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date).

    Returns a float >= 0, or ``None`` when absent or unreadable.
    """
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def parse_amount(money):
    """``{"amount": "49.90", "currency": "EUR"}`` -> ``(Decimal("49.90"), "EUR")``."""
    if not isinstance(money, dict):
        raise ValueError("money must be an object with amount and currency")
    try:
        amount = Decimal(str(money["amount"]))
    except (KeyError, InvalidOperation):
        raise ValueError("money.amount must be a decimal string") from None
    if not amount.is_finite():
        raise ValueError("money.amount must be finite")
    currency = money.get("currency")
    if not isinstance(currency, str) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise ValueError("money.currency must be an ISO 4217 code")
    return amount, currency


def _json_default(obj):
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    raise TypeError("%s is not JSON serialisable" % type(obj).__name__)


def _check_header_value(name, value, max_len=255):
    if not isinstance(value, str) or not value or len(value) > max_len:
        raise DataPlaneConfigError(
            "%s must be a non-empty string of at most %d characters" % (name, max_len)
        )
    if not _HEADER_VALUE.match(value):
        # never echo the value: it may be the token
        raise DataPlaneConfigError(
            "%s must be printable ASCII without leading/trailing spaces" % name
        )
    return value


class DataPlaneClient:
    """Client of the data-plane REST API (see the module docstring)."""

    def __init__(
        self, base_url, token, tenant_id=None, timeout=10, session=None, verify=True
    ):
        if not isinstance(base_url, str) or not base_url.strip():
            raise DataPlaneConfigError("base_url is required")
        parts = urlsplit(base_url.strip())
        if parts.scheme.lower() not in ("http", "https"):
            raise DataPlaneConfigError(
                "base_url must use http or https, not %r" % (parts.scheme or "")[:20]
            )
        if not parts.hostname:
            raise DataPlaneConfigError("base_url has no host")
        if parts.username or parts.password:
            raise DataPlaneConfigError(
                "base_url must not embed credentials; pass the token instead"
            )
        if parts.query or parts.fragment:
            raise DataPlaneConfigError("base_url must not have a query or fragment")
        self.base_url = base_url.strip().rstrip("/")
        self._token = _check_header_value("token", token, max_len=8192)
        self.tenant_id = (
            _check_header_value("tenant_id", str(tenant_id))
            if tenant_id not in (None, "", False)
            else None
        )
        if isinstance(timeout, tuple | list):
            if len(timeout) != 2 or any(t <= 0 for t in timeout):
                raise DataPlaneConfigError("timeout must be (connect, read) > 0")
            timeout = tuple(float(t) for t in timeout)
        elif not isinstance(timeout, int | float) or timeout <= 0:
            raise DataPlaneConfigError("timeout must be a positive number of seconds")
        self.timeout = timeout
        self.verify = verify
        self._own_session = session is None
        self.session = session if session is not None else requests.Session()

    def __repr__(self):
        return "<DataPlaneClient %s tenant=%s>" % (self.base_url, self.tenant_id)

    # -- lifecycle ---------------------------------------------------------

    def close(self):
        if self._own_session:
            self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- plumbing ----------------------------------------------------------

    def _scrub(self, text):
        text = str(text)
        if self._token and self._token in text:
            text = text.replace(self._token, masking.MASK)
        return masking.mask_text(text)

    def _error(self, cls, message, **kwargs):
        return cls(self._scrub(message), **kwargs)

    def _headers(self, correlation_id, idempotency_key=None, has_body=False):
        headers = {
            "Authorization": "Bearer " + self._token,
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            "X-Correlation-Id": correlation_id,
        }
        if self.tenant_id:
            headers["X-Tenant-Id"] = self.tenant_id
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        if has_body:
            headers["Content-Type"] = "application/json"
        return headers

    @staticmethod
    def _new_correlation_id(correlation_id):
        if correlation_id in (None, ""):
            return uuid.uuid4().hex
        return _check_header_value("correlation_id", str(correlation_id))

    def _describe_body(self, response):
        """(error_code, short text) from an error response body, masked."""
        code, text = None, None
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            err = body.get("error")
            if isinstance(err, dict):
                code = err.get("code")
                text = err.get("message") or err.get("detail")
            elif isinstance(err, str):
                code = err
            text = text or body.get("message") or body.get("detail")
            if not isinstance(text, str) and text is not None:
                text = json.dumps(masking.mask_payload(text), default=str)
        elif response.text:
            text = " ".join(response.text.split())
        if text:
            text = str(text)[:_EXCERPT]
        return (str(code)[:100] if code else None), text

    def _status_error(self, response, method, path, correlation_id):
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        code, text = self._describe_body(response)
        reason = response.reason or ""
        message = "%s %s failed: HTTP %s %s" % (method, path, status, reason)
        message = message.rstrip()
        if code:
            message += " [%s]" % code
        if text:
            message += ": %s" % text
        if 300 <= status < 400:
            cls = PermanentError
            message += " (redirects are not followed; check base_url)"
        elif status in TRANSIENT_STATUSES or status >= 500:
            cls = TransientError
            if retry_after is not None:
                message += " (retry after %gs)" % retry_after
        else:
            cls = PermanentError
            if status in (401, 403):
                message += " (check the API token and tenant)"
        message += " [correlation_id=%s]" % correlation_id
        return self._error(
            cls,
            message,
            status=status,
            retry_after=retry_after,
            correlation_id=correlation_id,
            error_code=code,
            method=method,
            path=path,
        )

    def _send(
        self,
        method,
        path,
        *,
        params=None,
        body=None,
        correlation_id,
        idempotency_key=None,
        accept=(),
    ):
        """One HTTP exchange. Returns ``(response, json_body)`` for 2xx and for
        the statuses in ``accept``; raises a ``DataPlaneError`` otherwise."""
        url = self.base_url + path
        data = None
        if body is not None:
            data = json.dumps(body, default=_json_default).encode("utf-8")
        headers = self._headers(correlation_id, idempotency_key, data is not None)
        common = {
            "correlation_id": correlation_id,
            "method": method,
            "path": path,
        }
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                verify=self.verify,
            )
        except requests.Timeout as exc:
            raise self._error(
                TransientError,
                "%s %s timed out after %ss (%s) [correlation_id=%s]"
                % (method, path, self.timeout, type(exc).__name__, correlation_id),
                **common,
            ) from None
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidHeader,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
        ) as exc:
            raise self._error(
                PermanentError,
                "%s %s: invalid request (%s) [correlation_id=%s]"
                % (method, path, type(exc).__name__, correlation_id),
                **common,
            ) from None
        except requests.RequestException as exc:
            raise self._error(
                TransientError,
                "%s %s: cannot reach %s (%s: %s) [correlation_id=%s]"
                % (
                    method,
                    path,
                    self.base_url,
                    type(exc).__name__,
                    str(exc)[:_EXCERPT],
                    correlation_id,
                ),
                **common,
            ) from None
        _logger.debug(
            "data-plane %s %s -> %s in %.3fs [correlation_id=%s]",
            method,
            path,
            response.status_code,
            time.monotonic() - started,
            correlation_id,
        )
        status = response.status_code
        if not (200 <= status < 300 or status in accept):
            raise self._status_error(response, method, path, correlation_id)
        if status == 204 or not response.content:
            return response, {}
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise self._error(
                PermanentError,
                "%s %s: HTTP %s but the body is not a JSON object [correlation_id=%s]"
                % (method, path, status, correlation_id),
                status=status,
                **common,
            )
        return response, payload

    def _protocol_error(self, message, status, method, path, correlation_id):
        return self._error(
            PermanentError,
            "%s %s: %s [correlation_id=%s]" % (method, path, message, correlation_id),
            status=status,
            correlation_id=correlation_id,
            method=method,
            path=path,
        )

    def _page(self, path, items_key, params, cursor_param, cursor, correlation_id):
        """One page: ``(items, next_cursor, has_more)``; raises on a bad envelope
        (with ``skip_to`` set when the page names a usable next cursor)."""
        query = dict(params)
        if cursor not in (None, ""):
            query[cursor_param] = cursor
        response, page = self._send(
            "GET", path, params=query, correlation_id=correlation_id
        )
        status = response.status_code
        has_more = page.get("has_more", False)
        next_cursor = page.get("next_cursor")
        problem = None
        if not isinstance(has_more, bool):
            problem = "has_more must be a boolean"
        elif next_cursor is not None and (
            not isinstance(next_cursor, str | int) or isinstance(next_cursor, bool)
        ):
            problem = "next_cursor must be a string"
        else:
            next_cursor = None if next_cursor in (None, "") else str(next_cursor)
            if has_more and (next_cursor is None or next_cursor == cursor):
                problem = "has_more is true but next_cursor did not advance"
        items = page.get(items_key)
        if problem is None and not isinstance(items, list):
            error = self._protocol_error(
                "page has no %r list" % items_key, status, "GET", path, correlation_id
            )
            # the envelope still says where the next page is: the page can be skipped
            error.skip_to = next_cursor if has_more else None
            error.last_page = not has_more
            raise error
        if problem is not None:
            raise self._protocol_error(problem, status, "GET", path, correlation_id)
        if next_cursor is None:
            next_cursor = cursor
        return items, next_cursor, has_more

    def _pages(self, path, items_key, params, cursor_param, cursor, correlation_id):
        while True:
            items, next_cursor, has_more = self._page(
                path, items_key, params, cursor_param, cursor, correlation_id
            )
            yield items, next_cursor
            if not has_more:
                return
            cursor = next_cursor

    # -- public API ----------------------------------------------------------

    def ping(self, correlation_id=None):
        """``GET /health``; returns its JSON object (raises like any call)."""
        correlation_id = self._new_correlation_id(correlation_id)
        return self._send("GET", "/health", correlation_id=correlation_id)[1]

    def send_command(
        self,
        command_type,
        payload,
        idempotency_key,
        correlation_id=None,
        path_style="body",
    ):
        """``POST /commands`` once; returns a :class:`CommandResult`.

        ``path_style`` (data planes differ): ``"body"`` posts ``{"type", "payload"}``
        to ``/commands``; ``"type"`` posts the payload itself to
        ``/commands/<type>`` (the type URL-encoded as one path segment).

        A 409 (already applied with this ``idempotency_key``) is a success with
        ``already_applied=True``. Retry a ``TransientError`` with the same key.
        """
        if not isinstance(command_type, str) or not command_type.strip():
            raise DataPlaneConfigError("command_type must be a non-empty string")
        if not isinstance(payload, dict):
            raise DataPlaneConfigError("payload must be a dict")
        if path_style not in COMMAND_PATH_STYLES:
            raise DataPlaneConfigError(
                "command path style must be one of %s, not %r"
                % (", ".join(COMMAND_PATH_STYLES), path_style)
            )
        idempotency_key = _check_header_value("idempotency_key", idempotency_key)
        correlation_id = self._new_correlation_id(correlation_id)
        if path_style == "type":
            path = "/commands/" + quote(command_type, safe="")
            request_body = payload
        else:
            path = "/commands"
            request_body = {"type": command_type, "payload": payload}
        response, body = self._send(
            "POST",
            path,
            body=request_body,
            correlation_id=correlation_id,
            idempotency_key=idempotency_key,
            accept=(409,),
        )
        status = response.status_code
        already_applied = status == 409
        if already_applied and str(body.get("status", "")).lower() in (
            "in_progress",
            "processing",
            "pending",
        ):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise self._error(
                TransientError,
                "POST %s: HTTP 409, command with this idempotency key is still "
                "in progress [correlation_id=%s]" % (path, correlation_id),
                status=status,
                retry_after=retry_after,
                correlation_id=correlation_id,
                method="POST",
                path=path,
            )
        result = body.get("result")
        command_id = body.get("command_id")
        cmd_status = body.get("status")
        return CommandResult(
            http_status=status,
            command_id=str(command_id) if command_id is not None else None,
            status=str(cmd_status) if cmd_status is not None else None,
            result=result if isinstance(result, dict) else None,
            already_applied=already_applied,
            idempotency_key=idempotency_key,
            correlation_id=correlation_id,
            raw=body,
        )

    def iter_events(self, after=None, limit=100, correlation_id=None):
        """Yield ``(events, next_cursor)`` per page of ``GET /events``.

        Store ``next_cursor`` only after the page's events are committed; pass
        it back as ``after`` next time. ``after=None`` reads from the start.
        """
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise DataPlaneConfigError("limit must be an integer in 1..1000")
        correlation_id = self._new_correlation_id(correlation_id)
        return self._pages(
            "/events",
            "events",
            {"limit": limit},
            "after",
            after,
            correlation_id,
        )

    def _mismatch_params(self, date, limit):
        if isinstance(date, datetime):
            date = date.date()
        day = date.isoformat() if hasattr(date, "isoformat") else str(date)
        if not _DATE.match(day):
            raise DataPlaneConfigError("date must be a date or 'YYYY-MM-DD'")
        try:
            datetime.strptime(day, "%Y-%m-%d")
        except ValueError:
            raise DataPlaneConfigError("date %r is not a valid day" % day) from None
        params = {"date": day}
        if limit is not None:
            if not isinstance(limit, int) or not 1 <= limit <= 1000:
                raise DataPlaneConfigError("limit must be an integer in 1..1000")
            params["limit"] = limit
        return params

    def reconciliation_page(self, date, cursor=None, limit=None, correlation_id=None):
        """One page of ``GET /reconciliation/mismatches``:
        ``(mismatches, next_cursor, has_more)``."""
        params = self._mismatch_params(date, limit)
        correlation_id = self._new_correlation_id(correlation_id)
        return self._page(
            "/reconciliation/mismatches",
            "mismatches",
            params,
            "cursor",
            cursor,
            correlation_id,
        )

    def iter_reconciliation_mismatches(
        self, date, cursor=None, limit=None, correlation_id=None
    ):
        """Yield ``(mismatches, next_cursor)`` per page of
        ``GET /reconciliation/mismatches`` for ``date`` (``date`` or
        ``"YYYY-MM-DD"``)."""
        params = self._mismatch_params(date, limit)
        correlation_id = self._new_correlation_id(correlation_id)
        return self._pages(
            "/reconciliation/mismatches",
            "mismatches",
            params,
            "cursor",
            cursor,
            correlation_id,
        )
