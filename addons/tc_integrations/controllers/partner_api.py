# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partner JSON-RPC 2.0 API (``POST /tc/partner/jsonrpc``), see docs/partner-api.md:
the transport. What each method does is ``tc.partner.api`` (models/tc_partner_api.py).

Our own ``type="http"`` route parses the body so that every error is a JSON-RPC
2.0 error object; it authenticates, rate-limits, checks the key's scope, calls the
model's method with the partner and maps its exceptions to JSON-RPC errors.
Authentication: ``Authorization: Bearer tcp_...`` (a ``tc.partner.api.key``) or a
gateway JWT verified against the configured JWKS, issuer and audience (``exp``,
``iss`` and ``aud`` required; docs/architecture.md says why this is python-jose and
not OCA auth_jwt). A partner only ever sees
records it submitted; another partner's record answers as an unknown one.
"""

import inspect
import json
import logging
import threading
import time

import requests
from jose import JWTError, jwt

from odoo import SUPERUSER_ID, api, http
from odoo.http import request

from ..models.tc_partner_api import InvalidParams, NotFound
from ..models.tc_partner_api_key import SCOPES, TOKEN_PREFIX, ip_allowed

_logger = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = (
    -32700,
    -32600,
    -32601,
    -32602,
)
INTERNAL_ERROR = -32603
UNAUTHORIZED, FORBIDDEN, NOT_FOUND, RATE_LIMITED = -32001, -32003, -32004, -32029
HTTP_STATUS = {
    UNAUTHORIZED: 401,
    FORBIDDEN: 403,
    RATE_LIMITED: 429,
    INTERNAL_ERROR: 500,
}
JWT_RATE_LIMIT = 60  # per minute and partner, counted in the database
JWT_ALGORITHMS = ["RS256", "ES256"]
# what a JWT must carry: a token without expiry would be valid forever
JWT_OPTIONS = {"require_exp": True, "require_iss": True, "require_aud": True}
# The gateway's JWKS, per source: (expires, fetched, jwks). A cache of this worker
# only: every node reads the same JWKS, and a key the cache does not know yet (the
# gateway rotated its keys after this worker's last fetch) makes the worker read the
# JWKS again at once, at most once per JWKS_REFETCH seconds (an attacker sending
# random ``kid`` values cannot make us hammer the gateway). So whether a token is
# accepted never depends on which node or worker answers; a key the gateway
# withdrew is refused by every worker within JWKS_TTL.
JWKS_TTL = 300
JWKS_REFETCH = 10
_jwks_cache = {}
_lock = threading.Lock()


class RpcError(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class Caller:
    def __init__(self, partner, scopes):
        self.partner = partner
        self.scopes = set(scopes)


def _kids(jwks):
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    return {k.get("kid") for k in keys or () if isinstance(k, dict)}


def _load_jwks(source, kid=None):
    """The JWKS at ``source`` (file path or URL), cached JWKS_TTL seconds; read
    again sooner when it does not have the token's ``kid``."""
    now = time.monotonic()
    with _lock:
        cached = _jwks_cache.get(source)
    if cached and cached[0] > now:
        expires, fetched, jwks = cached
        if kid is None or kid in _kids(jwks) or now - fetched < JWKS_REFETCH:
            return jwks
    if source.startswith(("http://", "https://")):
        jwks = requests.get(source, timeout=5).json()
    else:
        with open(source, encoding="utf-8") as handle:
            jwks = json.load(handle)
    with _lock:
        _jwks_cache[source] = (now + JWKS_TTL, now, jwks)
    return jwks


class TcPartnerApi(http.Controller):
    @http.route(
        "/tc/partner/jsonrpc",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def tc_partner_jsonrpc(self, **_kw):
        # superuser with an empty context: nothing of the client's session or
        # request (lang, context keys) reaches the ORM calls below
        env = api.Environment(request.env.cr, SUPERUSER_ID, {})
        rpc_id = None
        try:
            length = request.httprequest.content_length
            if length is not None and length > MAX_BODY:
                raise RpcError(
                    INVALID_REQUEST, "request is larger than %d bytes" % MAX_BODY
                )
            caller = self._authenticate(env)
            raw = request.httprequest.get_data() if length else b""
            if len(raw) > MAX_BODY:
                raise RpcError(
                    INVALID_REQUEST, "request is larger than %d bytes" % MAX_BODY
                )
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                raise RpcError(PARSE_ERROR, "Parse error") from None
            if isinstance(body, dict) and isinstance(body.get("id"), str | int):
                rpc_id = body["id"]
            method, params = self._validate(body)
            try:
                # the call's writes go together or not at all (the rate count
                # above stays counted)
                with env.cr.savepoint():
                    result = self._call(env, caller, method, params)
            except RpcError:
                raise
            except InvalidParams as exc:
                raise RpcError(INVALID_PARAMS, "Invalid params: %s" % exc) from None
            except NotFound:
                raise RpcError(NOT_FOUND, "Not found") from None
            except Exception:
                # a bug or a database error: nothing of it reaches the partner
                _logger.exception("partner API: %s failed", method[:80])
                raise RpcError(INTERNAL_ERROR, "Internal error") from None
        except RpcError as exc:
            error = {"code": exc.code, "message": exc.message}
            if exc.data is not None:
                error["data"] = exc.data
            headers = [("Retry-After", "60")] if exc.code == RATE_LIMITED else None
            return request.make_json_response(
                {"jsonrpc": "2.0", "id": rpc_id, "error": error},
                status=HTTP_STATUS.get(exc.code, 200),
                headers=headers,
            )
        return request.make_json_response(
            {"jsonrpc": "2.0", "id": rpc_id, "result": result}
        )

    # -- envelope -------------------------------------------------------------------
    @staticmethod
    def _validate(body):
        if not isinstance(body, dict):
            raise RpcError(
                INVALID_REQUEST, "Invalid Request: batches are not supported"
            )
        if body.get("jsonrpc") != "2.0" or not isinstance(body.get("method"), str):
            raise RpcError(INVALID_REQUEST, "Invalid Request")
        if (
            "id" not in body
            or not isinstance(body["id"], str | int)
            or isinstance(body["id"], bool)
        ):
            raise RpcError(
                INVALID_REQUEST, "Invalid Request: id must be a string or number"
            )
        params = body.get("params", {})
        if not isinstance(params, dict):
            raise RpcError(INVALID_PARAMS, "Invalid params: use named parameters")
        return body["method"], params

    # -- authentication ----------------------------------------------------------------
    def _authenticate(self, env):
        auth = request.httprequest.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise RpcError(
                UNAUTHORIZED, "Unauthorized: send Authorization: Bearer <key>"
            )
        if token.startswith(TOKEN_PREFIX):
            key = env["tc.partner.api.key"]._tc_authenticate(token)
            if not key:
                raise RpcError(UNAUTHORIZED, "Unauthorized: unknown or revoked key")
            if not ip_allowed(key.ip_allowlist, request.httprequest.remote_addr):
                raise RpcError(
                    FORBIDDEN, "Forbidden: this address may not use this key"
                )
            if not key._tc_consume_rate():
                raise RpcError(
                    RATE_LIMITED,
                    "Too many requests: limit %d per minute" % key.rate_limit,
                )
            return Caller(key.partner_id.commercial_partner_id, key.scopes.split())
        return self._authenticate_jwt(env, token)

    def _authenticate_jwt(self, env, token):
        settings = env["tc.settings"]._get()
        if not settings.partner_jwt_configured:
            raise RpcError(UNAUTHORIZED, "Unauthorized: unknown key")
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            claims = jwt.decode(
                token,
                _load_jwks(settings.partner_jwks, kid),
                algorithms=JWT_ALGORITHMS,
                audience=settings.partner_jwt_audience,
                issuer=settings.partner_jwt_issuer,
                options=JWT_OPTIONS,
            )
        except (JWTError, OSError, ValueError, requests.RequestException):
            raise RpcError(UNAUTHORIZED, "Unauthorized: invalid token") from None
        ref = claims.get("tc_partner_ref")
        # references are not unique in Odoo: a second partner given the same ref
        # (by hand or by an import) must not receive this partner's calls
        partner = (
            env["res.partner"].search(
                [("ref", "=", ref), ("parent_id", "=", False)], limit=2
            )
            if isinstance(ref, str) and ref
            else None
        )
        if not partner or len(partner) != 1:
            raise RpcError(FORBIDDEN, "Forbidden: token names no known partner")
        count = env["tc.partner.api.rate"]._tc_consume(partner, int(time.time() // 60))
        if count > JWT_RATE_LIMIT:
            raise RpcError(RATE_LIMITED, "Too many requests")
        scopes = str(claims.get("scope") or "").split()
        return Caller(partner.commercial_partner_id, [s for s in scopes if s in SCOPES])

    # -- methods -----------------------------------------------------------------------
    # JSON-RPC method -> (scope the key needs, method of tc.partner.api)
    METHODS = {
        "order.submit_for_review": ("orders", "_order_submit_for_review"),
        "order.review_status": ("orders", "_order_review_status"),
        "case.open": ("cases", "_case_open"),
        "case.status": ("cases", "_case_status"),
        "reconciliation.mismatches": ("reconciliation", "_reconciliation_mismatches"),
    }

    def _call(self, env, caller, method, params):
        entry = self.METHODS.get(method)
        if not entry:
            raise RpcError(METHOD_NOT_FOUND, "Method not found: %s" % method[:80])
        scope, func = entry
        if scope not in caller.scopes:
            raise RpcError(FORBIDDEN, "Forbidden: this key lacks the %r scope" % scope)
        method = getattr(env["tc.partner.api"], func)
        # missing or unknown names are the caller's error; a TypeError raised
        # inside the method is ours (-32603), not "invalid params"
        try:
            inspect.signature(method).bind(caller.partner, **params)
        except TypeError as exc:
            raise RpcError(INVALID_PARAMS, "Invalid params: %s" % exc) from None
        return method(caller.partner, **params)
