# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partner JSON-RPC 2.0 API (``POST /tc/partner/jsonrpc``), see docs/partner-api.md.

Our own ``type="http"`` route parses the body so that every error is a JSON-RPC
2.0 error object. Authentication: ``Authorization: Bearer tcp_...`` (a
``tc.partner.api.key``) or a gateway JWT verified against the configured JWKS,
issuer and audience (``exp``, ``iss`` and ``aud`` required; docs/architecture.md
says why this is python-jose and not OCA auth_jwt). A partner only ever sees
records it submitted; another partner's record answers as an unknown one.
"""

import datetime
import inspect
import json
import logging
import threading
import time

import requests
from jose import JWTError, jwt
from markupsafe import Markup

from odoo import SUPERUSER_ID, api, http
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
HTTP_STATUS = {
    UNAUTHORIZED: 401,
    FORBIDDEN: 403,
    RATE_LIMITED: 429,
    INTERNAL_ERROR: 500,
}
MAX_ID = 2**31 - 1  # PostgreSQL integer: a bigger JSON number is refused, not a 500
JWT_RATE_LIMIT = 60  # per minute and partner, counted in the database
JWT_ALGORITHMS = ["RS256", "ES256"]
# what a JWT must carry: a token without expiry would be valid forever
JWT_OPTIONS = {"require_exp": True, "require_iss": True, "require_aud": True}
# the kinds a partner may open (reconciliation and order-review cases are ours)
PARTNER_CASE_KINDS = (
    "complaint",
    "technical_fault",
    "provisioning_failure",
    "payment_dispute",
    "general_inquiry",
)
CASE_REFS = ("order_ref", "invoice_ref", "payment_ref", "subscription_ref")
CLOSED_REVIEW = ("approved", "rejected")
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
            claims = jwt.decode(
                token,
                _load_jwks(settings.partner_jwks),
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
        method = getattr(self, func)
        # missing or unknown names are the caller's error; a TypeError raised
        # inside the method is ours (-32603), not "invalid params"
        try:
            inspect.signature(method).bind(env, caller.partner, **params)
        except TypeError as exc:
            raise RpcError(INVALID_PARAMS, "Invalid params: %s" % exc) from None
        return method(env, caller.partner, **params)

    @staticmethod
    def _str(value, name, required=True, size=128):
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > size:
            raise RpcError(
                INVALID_PARAMS,
                "Invalid params: %s must be a non-empty string of at most %d "
                "characters" % (name, size),
            )
        return value.strip()

    @staticmethod
    def _dict(value, name):
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise RpcError(
                INVALID_PARAMS, "Invalid params: %s must be an object" % name
            )
        return value

    # -- whose records ---------------------------------------------------------------
    @staticmethod
    def _own_customers(env, partner):
        """The partner's customers: itself and its contacts, and the customers of
        the orders it submitted (never another partner's)."""
        own = env["res.partner"].search([("id", "child_of", partner.id)])
        own |= (
            env["tc.order.review"]
            .search([("tc_api_partner_id", "=", partner.id)])
            .mapped("partner_id")
        )
        return own

    @staticmethod
    def _own_orders(env, partner):
        """Order refs this partner submitted first: the same ref submitted later by
        another partner is that partner's submission, and never shows it the
        first one's records."""
        env.cr.execute(
            """
            SELECT DISTINCT r.order_ref FROM tc_order_review r
             WHERE r.tc_api_partner_id = %(p)s
               AND NOT EXISTS (
                   SELECT 1 FROM tc_order_review o
                    WHERE o.order_ref = r.order_ref AND o.id < r.id
                      AND o.tc_api_partner_id IS DISTINCT FROM %(p)s)
            """,
            {"p": partner.id},
        )
        return [row[0] for row in env.cr.fetchall()]

    def _customer(self, env, partner, customer):
        """The review's customer: one of the partner's own customers (by ``ref``,
        else ``email``), else a new customer record. A ref or email of someone
        else's customer never attaches the review to that customer, and answers
        exactly as an unknown one (a new record, without the ref)."""
        customer = self._dict(customer, "customer")
        if not customer:
            return partner
        unknown = set(customer) - {"ref", "name", "email"}
        if unknown:
            raise RpcError(
                INVALID_PARAMS,
                "Invalid params: customer has unknown keys: %s"
                % ", ".join(sorted(unknown))[:200],
            )
        ref = self._str(customer.get("ref"), "customer.ref", required=False)
        name = self._str(customer.get("name"), "customer.name", False, size=250)
        email = self._str(customer.get("email"), "customer.email", False, size=250)
        own = self._own_customers(env, partner)
        match = (
            own.filtered(lambda p: ref and p.ref == ref)[:1]
            or (own.filtered(lambda p: email and p.email == email)[:1])
        )
        if match:
            return match
        # the data plane matches customers by ref: a ref given by a partner is
        # not proof of anything, so it is not stored on the new record
        return env["res.partner"].create(
            {"name": name or ref or email or "Unknown customer", "email": email}
        )

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
        if reasons is not None and (
            not isinstance(reasons, list)
            or not all(isinstance(r, str) for r in reasons)
        ):
            raise RpcError(
                INVALID_PARAMS, "Invalid params: reasons must be a list of codes"
            )
        evidence = self._str(evidence, "evidence", required=False, size=5000)
        customer = self._dict(customer, "customer")
        Review = env["tc.order.review"]
        existing = Review.search(
            [("order_ref", "=", order_id), ("tc_api_partner_id", "=", partner.id)],
            limit=1,
        )
        if existing:
            return self._review_dict(existing)
        codes = reasons or ["other"]
        reason_recs = env["tc.order.review.reason"].search([("code", "in", codes)])
        if len(reason_recs) != len(set(codes)):
            raise RpcError(INVALID_PARAMS, "Invalid params: unknown reason code")
        parked = self._parked_submission(env, partner, order_id)
        if parked:
            return self._parked_dict(parked)
        customer = self._customer(env, partner, customer)
        # One open review per order (tc_orders: the decision releases the order by
        # its ref). An order someone else already holds for review must not be
        # told apart from an unknown one: the submission is parked as a case for
        # our people, and answers exactly as a new review does.
        others = Review.search(
            [("order_ref", "=", order_id), ("state", "not in", CLOSED_REVIEW)]
        )
        if others:
            return self._parked_dict(
                self._park(
                    env,
                    partner,
                    order_id,
                    customer,
                    others,
                    requested_plan,
                    reason_recs,
                    evidence,
                )
            )
        review = Review.create(
            {
                "order_ref": order_id,
                "partner_id": customer.id,
                "requested_plan": requested_plan,
                "reason_ids": [(6, 0, reason_recs.ids)],
                "evidence": evidence or False,
                "tc_api_partner_id": partner.id,
            }
        )
        review.ticket_id.write({"tc_api_partner_id": partner.id})
        return self._review_dict(review)

    # -- parked submissions (an order already under someone else's review) ---------
    @staticmethod
    def _parked_submission(env, partner, order_id):
        return env["helpdesk.ticket"].search(
            [
                ("tc_api_partner_id", "=", partner.id),
                ("tc_order_ref", "=", order_id),
                ("tc_api_submission_ref", "!=", False),
            ],
            limit=1,
        )

    @staticmethod
    def _parked_dict(case):
        """What a new review answers (tc.order.review's name sequence, state new):
        the partner cannot tell a parked submission from a review."""
        return {
            "order_id": case.tc_order_ref,
            "review": case.tc_api_submission_ref,
            "state": "new",
            "decision_reason": None,
            "case_id": case.id,
        }

    @staticmethod
    def _park(env, partner, order_id, customer, others, plan, reasons, evidence):
        """A case of the order-review kind for our people: the same order is under
        review as ``others`` (maybe from another partner, maybe a fraud signal)."""
        case = env["tc.event.handler"]._tc_open_case(
            "order_review",
            env._("Order %(ref)s held for review", ref=order_id),
            description=env._(
                "Submitted through the partner API while the order is already under "
                "review as %(others)s. Requested plan: %(plan)s. Reasons: "
                "%(reasons)s. Evidence: %(evidence)s",
                others=", ".join(others.mapped("name")),
                plan=plan,
                reasons=", ".join(reasons.mapped("name")),
                evidence=evidence or "-",
            ),
            partner_id=customer.id,
            tc_order_ref=order_id,
            tc_api_partner_id=partner.id,
            tc_api_submission_ref=env["ir.sequence"].next_by_code("tc.order.review"),
        )
        for review in others:
            review.message_post(
                body=env._(
                    "Order %(ref)s was also submitted by a partner through the "
                    "API: see case %(case)s.",
                    ref=order_id,
                    case=case.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return case

    def _order_review_status(self, env, partner, order_id):
        order_id = self._str(order_id, "order_id")
        review = env["tc.order.review"].search(
            [("order_ref", "=", order_id), ("tc_api_partner_id", "=", partner.id)],
            limit=1,
        )
        if review:
            return self._review_dict(review)
        parked = self._parked_submission(env, partner, order_id)
        if parked:
            return self._parked_dict(parked)
        raise RpcError(NOT_FOUND, "Not found")

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
        description = self._str(description, "description", False, size=10000)
        if not isinstance(kind, str) or kind not in PARTNER_CASE_KINDS:
            raise RpcError(
                INVALID_PARAMS,
                "Invalid params: kind must be one of %s"
                % ", ".join(PARTNER_CASE_KINDS),
            )
        case_type = env["helpdesk.ticket.type"].search(
            [("tc_code", "=", kind)], limit=1
        )
        if not case_type:
            raise RpcError(INVALID_PARAMS, "Invalid params: unknown case kind")
        refs = self._dict(refs, "refs")
        unknown = set(refs) - set(CASE_REFS)
        if unknown:
            raise RpcError(
                INVALID_PARAMS,
                "Invalid params: refs has unknown keys: %s"
                % ", ".join(sorted(unknown))[:200],
            )
        vals = {}
        for key in CASE_REFS:
            if refs.get(key) is not None:
                vals["tc_" + key] = self._str(refs[key], key)
        case = env["helpdesk.ticket"].create(
            dict(
                vals,
                name=subject,
                # the partner's text is text: escaped, never markup
                description=Markup("<p>%s</p>") % (description or subject),
                type_id=case_type.id,
                partner_id=partner.id,
                tc_api_partner_id=partner.id,
            )
        )
        return self._case_dict(case)

    def _case_status(self, env, partner, case_id):
        if (
            not isinstance(case_id, int)
            or isinstance(case_id, bool)
            or not 0 < case_id <= MAX_ID
        ):
            raise RpcError(
                INVALID_PARAMS,
                "Invalid params: case_id must be an integer in 1..%d" % MAX_ID,
            )
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
        for name, value, low, top in (
            ("limit", limit, 1, 500),
            ("offset", offset, 0, MAX_ID),
        ):
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not low <= value <= top
            ):
                raise RpcError(
                    INVALID_PARAMS,
                    "Invalid params: %s must be an integer in %d..%d"
                    % (name, low, top),
                )
        customers = self._own_customers(env, partner)
        orders = self._own_orders(env, partner)
        own = [("partner_id", "in", customers.ids)]
        if orders:
            # an order's mismatch about someone else's customer stays theirs
            own = [
                "|",
                "&",
                ("order_ref", "in", orders),
                "|",
                ("partner_id", "=", False),
                ("partner_id", "in", customers.ids),
            ] + own
        mismatches = env["tc.reconciliation.mismatch"].search(
            own + domain, limit=limit, offset=offset, order="id"
        )
        return [m._tc_partner_dict() for m in mismatches]
