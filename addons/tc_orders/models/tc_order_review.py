# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Order reviews: external orders held for a human decision (claim, release,
decide), the reasons they are held for, and the case each review opens."""

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .tc_client_values import check_client_values
from .tc_trust import is_trusted, trusted

STATES = [
    ("new", "New"),
    ("in_review", "In review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("needs_info", "Needs info"),
]
DECISIONS = {"approved", "rejected", "needs_info"}
# what the orders service held the order for: the decision is about exactly this
ORDER_FIELDS = {"order_ref", "partner_id", "requested_plan", "reason_ids", "evidence"}
# relations only mail's own methods change (their write commands would add
# messages, followers or activities as a field value)
SYSTEM_RELATIONS = (
    "message_ids",
    "website_message_ids",
    "message_follower_ids",
    "message_partner_ids",
    "activity_ids",
    "rating_ids",
)


class TcOrderReviewReason(models.Model):
    _name = "tc.order.review.reason"
    _description = "Why an order is held for review"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, index=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The reason code must be unique.")
    ]


class TcOrderReview(models.Model):
    """An external order held for a human decision. The order lives in the orders
    service (``order_ref``); the decision goes back to it as a command, built by
    tc_integrations from ``_tc_on_review_decided``. Reviews are created by the
    orders service (OrderNeedsReview) and the partner API, never by people: a
    person-made review of any order_ref would let its maker release that order."""

    _name = "tc.order.review"
    _description = "Order review"
    _inherit = ["mail.thread", "mail.activity.mixin", "tc.state.machine.mixin"]
    _order = "sla_deadline, id"
    _tc_initial_state = "new"
    _tc_sequence = "tc.order.review"
    _tc_system_relations = SYSTEM_RELATIONS
    _tc_transitions = {
        "new": {"in_review"},
        "in_review": {"approved", "rejected", "needs_info", "new"},
        "needs_info": {"in_review", "new"},
        "approved": set(),
        "rejected": set(),
    }

    name = fields.Char(readonly=True, copy=False, default="/")
    order_ref = fields.Char("Order ref", required=True, index=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, tracking=True
    )
    location_id = fields.Many2one(
        "res.partner",
        "Service location",
        domain="[('type', '=', 'service_location'), "
        "('commercial_partner_id', '=', partner_id)]",
    )
    requested_plan = fields.Char("Requested plan", required=True)
    reason_ids = fields.Many2many(
        "tc.order.review.reason", string="Held because", required=True
    )
    evidence = fields.Text()
    state = fields.Selection(
        STATES,
        default="new",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    reviewer_id = fields.Many2one(
        "res.users",
        "Claimed by",
        readonly=True,
        copy=False,
        tracking=True,
        index="btree_not_null",
    )
    claimed_at = fields.Datetime(readonly=True, copy=False)
    decision_reason = fields.Text(readonly=True, copy=False, tracking=True)
    decided_by_id = fields.Many2one(
        "res.users", "Decided by", readonly=True, copy=False
    )
    decided_at = fields.Datetime(readonly=True, copy=False)
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", readonly=True, copy=False, index="btree_not_null"
    )
    # SLA of the linked case: one SLA engine (tc_care), not a second one here
    sla_status = fields.Selection(related="ticket_id.tc_sla_status", store=True)
    sla_deadline = fields.Datetime(
        related="ticket_id.tc_sla_deadline", store=True, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._tc_new_record_vals(vals)
        reviews = super().create(vals_list)
        reviews._tc_create_cases()
        return reviews

    def write(self, vals):
        if not (is_trusted() or self.env.su):
            protected = {"state", "reviewer_id", "decided_by_id", "decided_at"}
            if protected & set(vals):
                raise UserError(
                    self.env._(
                        "Use Claim, Release and the decision buttons to move an "
                        "order review."
                    )
                )
            # the case, the partner that sent it, the decision: set by TC Ops
            check_client_values(self, vals, self._tc_system_relations)
            frozen = ORDER_FIELDS & set(vals)
            if frozen:
                raise UserError(
                    self.env._(
                        "%(fields)s of an order review come from the order and "
                        "cannot be changed: the decision is about that order.",
                        fields=", ".join(sorted(frozen)),
                    )
                )
            decided = self.filtered(lambda r: r.state in ("approved", "rejected"))
            if decided:
                raise UserError(
                    self.env._(
                        "%(names)s: a decided order review cannot be changed.",
                        names=", ".join(decided.mapped("name")),
                    )
                )
        return super().write(vals)

    def _tc_check_reviewer(self):
        """Claim, Release and the decisions are order reviewers' buttons."""
        if not (
            self.env.su or self.env.user.has_group("tc_orders.group_order_reviewer")
        ):
            raise AccessError(
                self.env._("Only order reviewers can claim or decide order reviews.")
            )

    def _tc_create_cases(self):
        """Each review opens its order-review case (tc_care's case API)."""
        Ticket = self.env["helpdesk.ticket"]
        for review in self.filtered(lambda r: not r.ticket_id):
            ticket = Ticket._tc_open_case(
                "order_review",
                self.env._("Order %(ref)s held for review", ref=review.order_ref),
                ", ".join(review.reason_ids.mapped("name")),
                partner_id=review.partner_id.id,
                tc_location_id=review.location_id.id,
                tc_order_ref=review.order_ref,
            )
            with trusted():
                review.ticket_id = ticket

    # -- claim / release -------------------------------------------------------------
    def _lock(self):
        """Row lock so two reviewers claiming at once cannot both win."""
        if not self.ids:
            return
        try:
            self.env.cr.execute(
                "SELECT id FROM tc_order_review WHERE id IN %s FOR UPDATE NOWAIT",
                (tuple(self.ids),),
            )
        except psycopg2.errors.LockNotAvailable as exc:
            raise UserError(
                self.env._("Someone is claiming this review right now; try again.")
            ) from exc
        self.invalidate_recordset(["reviewer_id", "state"])

    def action_claim(self):
        self._tc_check_reviewer()
        self._lock()
        for review in self:
            if review.reviewer_id and review.reviewer_id != self.env.user:
                raise UserError(
                    self.env._(
                        "%(name)s is already being reviewed by %(user)s.",
                        name=review.name,
                        user=review.reviewer_id.name,
                    )
                )
            if review.state not in ("new", "needs_info", "in_review"):
                raise UserError(
                    self.env._("%(name)s is already decided.", name=review.name)
                )
        for review in self.filtered(lambda r: r.state != "in_review"):
            review._set_state("in_review")
        with trusted():
            self.write(
                {"reviewer_id": self.env.uid, "claimed_at": fields.Datetime.now()}
            )
        self.ticket_id.sudo().write({"user_id": self.env.uid})
        return True

    def action_release(self):
        self._tc_check_reviewer()
        supervisor = self.env.user.has_group("tc_care.group_supervisor")
        for review in self:
            if review.reviewer_id != self.env.user and not supervisor:
                raise UserError(
                    self.env._(
                        "Only %(user)s or a supervisor can release %(name)s.",
                        user=review.reviewer_id.name or "-",
                        name=review.name,
                    )
                )
        for review in self.filtered(lambda r: r.state == "in_review"):
            review._set_state("new")
        with trusted():
            self.write({"reviewer_id": False, "claimed_at": False})
        return True

    # -- decisions -------------------------------------------------------------------
    def action_decide(self, decision, reason):
        """Decide the reviews of ``self``: approved, rejected or needs_info, with a
        reason. The claimer decides their review; a supervisor may decide in bulk.
        The decide wizard's Confirm calls it; over RPC its arguments are checked
        the same way."""
        self._tc_check_reviewer()
        if not isinstance(decision, str) or decision not in DECISIONS:
            raise UserError(self.env._("Unknown decision: %s", decision))
        if not isinstance(reason, str) or not reason.strip():
            raise UserError(self.env._("A decision needs a reason."))
        supervisor = self.env.user.has_group("tc_care.group_supervisor")
        if len(self) > 1 and not supervisor:
            raise UserError(
                self.env._("Only a supervisor can decide several reviews at once.")
            )
        self._lock()
        for review in self:
            if (
                review.reviewer_id
                and review.reviewer_id != self.env.user
                and not supervisor
            ):
                raise UserError(
                    self.env._(
                        "%(name)s is claimed by %(user)s.",
                        name=review.name,
                        user=review.reviewer_id.name,
                    )
                )
            if review.state in ("new", "needs_info") and supervisor:
                review._set_state("in_review")
            elif review.state != "in_review":
                review._set_state(decision)  # raises the clear transition error
        self._set_state(decision)
        now = fields.Datetime.now()
        with trusted():
            self.write(
                {
                    "decision_reason": reason,
                    "decided_by_id": self.env.uid,
                    "decided_at": now,
                    "reviewer_id": self.env.uid if decision != "needs_info" else False,
                }
            )
        label = dict(STATES)[decision]
        for review in self:
            body = self.env._(
                "Order %(ref)s: %(decision)s by %(user)s. Reason: %(reason)s",
                ref=review.order_ref,
                decision=label,
                user=self.env.user.name,
                reason=reason,
            )
            review.message_post(body=body, subtype_xmlid="mail.mt_note")
            review.ticket_id._tc_timeline("note", body, progress=True)
            if decision != "needs_info":
                # the reviewer need not be able to read the case
                review.ticket_id.sudo()._tc_close_cases()
        self._tc_on_review_decided(decision, reason)
        return True

    def _tc_on_review_decided(self, decision, reason):
        """Hook: the decision is final in Odoo. tc_integrations extends this to
        queue the ApproveOrderReview / RejectOrderReview command (outbox) in the
        same transaction. Nothing is sent from here."""
        return True

    def action_open_decide_wizard(self):
        self._tc_check_reviewer()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.order.review.decide",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
            "name": self.env._("Decide"),
        }
