# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the partner API does (docs/partner-api.md): one private method per API
method, taking the authenticated partner (its commercial entity) first. A partner
only ever sees records it submitted; another partner's record answers as an
unknown one. controllers/partner_api.py is the transport (JSON-RPC envelope,
authentication, rate limits, scopes) and maps :class:`InvalidParams` and
:class:`NotFound` to JSON-RPC errors. Called as the superuser with an empty
context: nothing of the client's request reaches the ORM."""

import datetime

from odoo import api, models

MAX_ID = 2**31 - 1  # PostgreSQL integer: a bigger JSON number is refused, not a 500
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


class InvalidParams(Exception):
    """The call's parameters are wrong (JSON-RPC -32602); the message says which."""


class NotFound(Exception):
    """No such record of this partner (JSON-RPC -32004): unknown, or another
    partner's."""


def _str(value, name, required=True, size=128):
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > size:
        raise InvalidParams(
            "%s must be a non-empty string of at most %d characters" % (name, size)
        )
    return value.strip()


def _dict(value, name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidParams("%s must be an object" % name)
    return value


class TcPartnerApi(models.AbstractModel):
    _name = "tc.partner.api"
    _description = "Partner API methods"

    # -- whose records ---------------------------------------------------------------
    @api.model
    def _own_customers(self, partner):
        """The partner's customers: itself and its contacts, and the customers of
        the orders it submitted (never another partner's)."""
        own = self.env["res.partner"].search([("id", "child_of", partner.id)])
        own |= (
            self.env["tc.order.review"]
            .search([("tc_api_partner_id", "=", partner.id)])
            .mapped("partner_id")
        )
        return own

    @api.model
    def _own_orders(self, partner):
        """Order refs this partner submitted first: the same ref submitted later by
        another partner is that partner's submission, and never shows it the
        first one's records."""
        self.env.cr.execute(
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
        return [row[0] for row in self.env.cr.fetchall()]

    def _customer(self, partner, customer):
        """The review's customer: one of the partner's own customers (by ``ref``,
        else ``email``), else a new customer record. A ref or email of someone
        else's customer never attaches the review to that customer, and answers
        exactly as an unknown one (a new record, without the ref)."""
        customer = _dict(customer, "customer")
        if not customer:
            return partner
        unknown = set(customer) - {"ref", "name", "email"}
        if unknown:
            raise InvalidParams(
                "customer has unknown keys: %s" % ", ".join(sorted(unknown))[:200]
            )
        ref = _str(customer.get("ref"), "customer.ref", required=False)
        name = _str(customer.get("name"), "customer.name", False, size=250)
        email = _str(customer.get("email"), "customer.email", False, size=250)
        own = self._own_customers(partner)
        match = (
            own.filtered(lambda p: ref and p.ref == ref)[:1]
            or (own.filtered(lambda p: email and p.email == email)[:1])
        )
        if match:
            return match
        # the data plane matches customers by ref: a ref given by a partner is
        # not proof of anything, so it is not stored on the new record
        return self.env["res.partner"].create(
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
        partner,
        order_id,
        requested_plan,
        reasons=None,
        evidence=None,
        customer=None,
    ):
        order_id = _str(order_id, "order_id")
        requested_plan = _str(requested_plan, "requested_plan")
        if reasons is not None and (
            not isinstance(reasons, list)
            or not all(isinstance(r, str) for r in reasons)
        ):
            raise InvalidParams("reasons must be a list of codes")
        evidence = _str(evidence, "evidence", required=False, size=5000)
        customer = _dict(customer, "customer")
        Review = self.env["tc.order.review"]
        existing = Review.search(
            [("order_ref", "=", order_id), ("tc_api_partner_id", "=", partner.id)],
            limit=1,
        )
        if existing:
            return self._review_dict(existing)
        codes = reasons or ["other"]
        reason_recs = self.env["tc.order.review.reason"].search([("code", "in", codes)])
        if len(reason_recs) != len(set(codes)):
            raise InvalidParams("unknown reason code")
        parked = self._parked_submission(partner, order_id)
        if parked:
            return self._parked_dict(parked)
        customer = self._customer(partner, customer)
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
    @api.model
    def _parked_submission(self, partner, order_id):
        return self.env["helpdesk.ticket"].search(
            [
                ("tc_api_partner_id", "=", partner.id),
                ("tc_order_ref", "=", order_id),
                ("tc_api_submission_ref", "!=", False),
            ],
            limit=1,
        )

    @api.model
    def _parked_dict(self, case):
        """What a new review answers (tc.order.review's name sequence, state new):
        the partner cannot tell a parked submission from a review."""
        return {
            "order_id": case.tc_order_ref,
            "review": case.tc_api_submission_ref,
            "state": "new",
            "decision_reason": None,
            "case_id": case.id,
        }

    @api.model
    def _park(self, partner, order_id, customer, others, plan, reasons, evidence):
        """A case of the order-review kind for our people: the same order is under
        review as ``others`` (maybe from another partner, maybe a fraud signal)."""
        case = self.env["helpdesk.ticket"]._tc_open_case(
            "order_review",
            self.env._("Order %(ref)s held for review", ref=order_id),
            description=self.env._(
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
            tc_api_submission_ref=self.env["ir.sequence"].next_by_code(
                "tc.order.review"
            ),
        )
        for review in others:
            review.message_post(
                body=self.env._(
                    "Order %(ref)s was also submitted by a partner through the "
                    "API: see case %(case)s.",
                    ref=order_id,
                    case=case.display_name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return case

    def _order_review_status(self, partner, order_id):
        order_id = _str(order_id, "order_id")
        review = self.env["tc.order.review"].search(
            [("order_ref", "=", order_id), ("tc_api_partner_id", "=", partner.id)],
            limit=1,
        )
        if review:
            return self._review_dict(review)
        parked = self._parked_submission(partner, order_id)
        if parked:
            return self._parked_dict(parked)
        raise NotFound()

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
        self, partner, subject, description=None, kind="general_inquiry", refs=None
    ):
        subject = _str(subject, "subject", size=250)
        description = _str(description, "description", False, size=10000)
        if not isinstance(kind, str) or kind not in PARTNER_CASE_KINDS:
            raise InvalidParams(
                "kind must be one of %s" % ", ".join(PARTNER_CASE_KINDS)
            )
        try:
            case_type = self.env["helpdesk.ticket.type"]._tc_get(kind)
        except ValueError:
            case_type = None
        if not case_type or not case_type.active:
            raise InvalidParams("unknown case kind")
        refs = _dict(refs, "refs")
        unknown = set(refs) - set(CASE_REFS)
        if unknown:
            raise InvalidParams(
                "refs has unknown keys: %s" % ", ".join(sorted(unknown))[:200]
            )
        vals = {}
        for key in CASE_REFS:
            if refs.get(key) is not None:
                vals["tc_" + key] = _str(refs[key], key)
        # the partner's text is text: escaped, never markup
        case = self.env["helpdesk.ticket"]._tc_open_case(
            kind,
            subject,
            description=description or "",
            partner_id=partner.id,
            tc_api_partner_id=partner.id,
            **vals,
        )
        return self._case_dict(case)

    def _case_status(self, partner, case_id):
        if (
            not isinstance(case_id, int)
            or isinstance(case_id, bool)
            or not 0 < case_id <= MAX_ID
        ):
            raise InvalidParams("case_id must be an integer in 1..%d" % MAX_ID)
        case = self.env["helpdesk.ticket"].search(
            [("id", "=", case_id), ("tc_api_partner_id", "=", partner.id)], limit=1
        )
        if not case:
            raise NotFound()
        return self._case_dict(case)

    def _reconciliation_mismatches(
        self, partner, date=None, state=None, limit=100, offset=0
    ):
        """Mismatches about the partner's own business: its customers (the
        partner or its contacts) and the orders it submitted. ``date`` = those in
        that night's report; ``state`` = open / resolved_upstream."""
        domain = []
        if date is not None:
            day = _str(date, "date", size=10)
            try:
                day = datetime.date.fromisoformat(day)
            except ValueError:
                raise InvalidParams("date must be YYYY-MM-DD") from None
            domain += [("first_seen_date", "<=", day), ("last_seen_date", ">=", day)]
        if state is not None:
            if state not in ("open", "resolved_upstream"):
                raise InvalidParams("state must be open or resolved_upstream")
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
                raise InvalidParams(
                    "%s must be an integer in %d..%d" % (name, low, top)
                )
        customers = self._own_customers(partner)
        orders = self._own_orders(partner)
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
        mismatches = self.env["tc.reconciliation.mismatch"].search(
            own + domain, limit=limit, offset=offset, order="id"
        )
        return [m._tc_partner_dict() for m in mismatches]
