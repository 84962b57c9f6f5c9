# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partner JSON-RPC 2.0 API (``POST /tc/partner/jsonrpc``), see docs/partner-api.md.

Our own ``type="http"`` route parses the body so that every error is a JSON-RPC
2.0 error object. Authentication: ``Authorization: Bearer tcp_...`` (a
``tc.partner.api.key``) or a gateway JWT verified against the configured JWKS,
issuer and audience. A partner only ever sees records it submitted.
"""

import datetime
import json
import logging
import threading
import time

import requests
from jose import JWTError, jwt

from odoo import SUPERUSER_ID, http
from odoo.http import request

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
HTTP_STATUS = {UNAUTHORIZED: 401, FORBIDDEN: 403, RATE_LIMITED: 429}
JWT_RATE_LIMIT = 60  # per minute and partner, in memory per worker
_jwks_cache = {}
_jwt_windows = {}
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


def _load_jwks(source):
    with _lock:
        cached = _jwks_cache.get(source)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    if source.startswith(("http://", "https://")):
        jwks = requests.get(source, timeout=5).json()
    else:
        with open(source, encoding="utf-8") as handle:
            jwks = json.load(handle)
    with _lock:
        _jwks_cache[source] = (time.monotonic() + 300, jwks)
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
        env = request.env(user=SUPERUSER_ID)
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
            result = self._call(env, caller, method, params)
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
        settings = env["tc.settings"].get()
        if not settings.partner_jwt_configured:
            raise RpcError(UNAUTHORIZED, "Unauthorized: unknown key")
        try:
            claims = jwt.decode(
                token,
                _load_jwks(settings.partner_jwks),
                algorithms=["RS256", "ES256"],
                audience=settings.partner_jwt_audience,
                issuer=settings.partner_jwt_issuer,
            )
        except (JWTError, OSError, ValueError, requests.RequestException):
            raise RpcError(UNAUTHORIZED, "Unauthorized: invalid token") from None
        ref = claims.get("tc_partner_ref")
        partner = (
            env["res.partner"].search([("ref", "=", ref)], limit=1) if ref else None
        )
        if not partner:
            raise RpcError(FORBIDDEN, "Forbidden: token names no known partner")
        window = int(time.time() // 60)
        with _lock:
            count = _jwt_windows.get((partner.id, window), 0) + 1
            _jwt_windows.clear() if len(_jwt_windows) > 10000 else None
            _jwt_windows[(partner.id, window)] = count
        if count > JWT_RATE_LIMIT:
            raise RpcError(RATE_LIMITED, "Too many requests")
        scopes = str(claims.get("scope") or "").split()
        return Caller(partner.commercial_partner_id, [s for s in scopes if s in SCOPES])

    # -- methods -----------------------------------------------------------------------
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
        try:
            return getattr(self, func)(env, caller.partner, **params)
        except TypeError as exc:
            raise RpcError(INVALID_PARAMS, "Invalid params: %s" % exc) from None

    @staticmethod
    def _str(value, name, required=True, size=128):
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > size:
            raise RpcError(
                INVALID_PARAMS, "Invalid params: %s must be a non-empty string" % name
            )
        return value.strip()

    def _review_dict(self, review):
        return {
            "order_id": review.order_ref,
            "review": review.name,
            "state": review.state,
            "decision_reason": review.decision_reason or None,
            "case_id": review.ticket_id.id or None,
        }

    def _order_submit_for_review(
        self,
        env,
        partner,
        order_id,
        requested_plan,
        reasons=None,
        evidence=None,
        customer=None,
    ):
        order_id = self._str(order_id, "order_id")
        requested_plan = self._str(requested_plan, "requested_plan")
        Review = env["tc.order.review"]
        existing = Review.search(
            [("order_ref", "=", order_id), ("tc_api_partner_id", "=", partner.id)],
            limit=1,
        )
        if existing:
            return self._review_dict(existing)
        if Review.search_count([("order_ref", "=", order_id)]):
            raise RpcError(
                INVALID_PARAMS, "Invalid params: order_id is already under review"
            )
        if reasons is not None and (
            not isinstance(reasons, list)
            or not all(isinstance(r, str) for r in reasons)
        ):
            raise RpcError(
                INVALID_PARAMS, "Invalid params: reasons must be a list of codes"
            )
        codes = reasons or ["other"]
        reason_recs = env["tc.order.review.reason"].search([("code", "in", codes)])
        if len(reason_recs) != len(set(codes)):
            raise RpcError(INVALID_PARAMS, "Invalid params: unknown reason code")
        customer = customer if isinstance(customer, dict) else {}
        review = Review.create(
            {
                "order_ref": order_id,
                "partner_id": env["tc.event.handler"]
                ._customer({"customer": customer})
                .id
                if customer
                else partner.id,
                "requested_plan": requested_plan,
                "reason_ids": [(6, 0, reason_recs.ids)],
                "evidence": str(evidence)[:5000] if evidence else False,
                "tc_api_partner_id": partner.id,
            }
        )
        review.ticket_id.write({"tc_api_partner_id": partner.id})
        return self._review_dict(review)

    def _order_review_status(self, env, partner, order_id):
        order_id = self._str(order_id, "order_id")
        review = env["tc.order.review"].search(
            [("order_ref", "=", order_id), ("tc_api_partner_id", "=", partner.id)],
            limit=1,
        )
        if not review:
            raise RpcError(NOT_FOUND, "Not found")
        return self._review_dict(review)

    def _case_dict(self, case):
        return {
            "case_id": case.id,
            "number": case.number,
            "subject": case.name,
            "stage": case.stage_id.name,
            "closed": bool(case.stage_id.closed),
            "kind": case.type_id.tc_code or None,
        }

    def _case_open(
        self, env, partner, subject, description=None, kind="general_inquiry", refs=None
    ):
        subject = self._str(subject, "subject", size=250)
        case_type = env["helpdesk.ticket.type"].search(
            [("tc_code", "=", kind)], limit=1
        )
        if not case_type or kind in ("reconciliation_mismatch", "order_review"):
            raise RpcError(INVALID_PARAMS, "Invalid params: unknown case kind")
        vals = {}
        for key in ("order_ref", "invoice_ref", "payment_ref", "subscription_ref"):
            value = (refs or {}).get(key) if isinstance(refs, dict) else None
            if value is not None:
                vals["tc_" + key] = self._str(value, key)
        case = env["helpdesk.ticket"].create(
            dict(
                vals,
                name=subject,
                description="<p>%s</p>" % (description or subject),
                type_id=case_type.id,
                partner_id=partner.id,
                tc_api_partner_id=partner.id,
            )
        )
        return self._case_dict(case)

    def _case_status(self, env, partner, case_id):
        if not isinstance(case_id, int) or isinstance(case_id, bool):
            raise RpcError(INVALID_PARAMS, "Invalid params: case_id must be an integer")
        case = env["helpdesk.ticket"].search(
            [("id", "=", case_id), ("tc_api_partner_id", "=", partner.id)], limit=1
        )
        if not case:
            raise RpcError(NOT_FOUND, "Not found")
        return self._case_dict(case)

    def _reconciliation_mismatches(
        self, env, partner, date=None, state=None, limit=100, offset=0
    ):
        """Mismatches about the partner's own business: its customers (the
        partner or its contacts) and the orders it submitted. ``date`` = those in
        that night's report; ``state`` = open / resolved_upstream."""
        domain = []
        if date is not None:
            day = self._str(date, "date", size=10)
            try:
                day = datetime.date.fromisoformat(day)
            except ValueError:
                raise RpcError(
                    INVALID_PARAMS, "Invalid params: date must be YYYY-MM-DD"
                ) from None
            domain += [("first_seen_date", "<=", day), ("last_seen_date", ">=", day)]
        if state is not None:
            if state not in ("open", "resolved_upstream"):
                raise RpcError(
                    INVALID_PARAMS,
                    "Invalid params: state must be open or resolved_upstream",
                )
            domain.append(("state", "=", state))
        for name, value, top in (("limit", limit, 500), ("offset", offset, None)):
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or value < (1 if name == "limit" else 0)
                or (top and value > top)
            ):
                raise RpcError(
                    INVALID_PARAMS,
                    "Invalid params: %s must be an integer%s"
                    % (name, " in 1..%d" % top if top else " >= 0"),
                )
        orders = (
            env["tc.order.review"]
            .search_fetch([("tc_api_partner_id", "=", partner.id)], ["order_ref"])
            .mapped("order_ref")
        )
        own = [("partner_id", "child_of", partner.id)]
        if orders:
            own = ["|", ("order_ref", "in", orders)] + own
        mismatches = env["tc.reconciliation.mismatch"].search(
            own + domain, limit=limit, offset=offset, order="id"
        )
        return [m._tc_partner_dict() for m in mismatches]
