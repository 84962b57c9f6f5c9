# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError

from .tc_trust import is_trusted, trusted

STATES = [
    ("new", "New"),
    ("in_review", "In review"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("needs_info", "Needs info"),
]
TRANSITIONS = {
    "new": {"in_review"},
    "in_review": {"approved", "rejected", "needs_info", "new"},
    "needs_info": {"in_review", "new"},
    "approved": set(),
    "rejected": set(),
}
DECISIONS = {"approved", "rejected", "needs_info"}


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
    tc_integrations from ``_tc_on_review_decided``."""

    _name = "tc.order.review"
    _description = "Order review"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sla_deadline, id"

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
        STATES, default="new", required=True, readonly=True, tracking=True, index=True
    )
    reviewer_id = fields.Many2one(
        "res.users", "Claimed by", readonly=True, tracking=True, index="btree_not_null"
    )
    claimed_at = fields.Datetime(readonly=True)
    decision_reason = fields.Text(readonly=True, tracking=True)
    decided_by_id = fields.Many2one("res.users", "Decided by", readonly=True)
    decided_at = fields.Datetime(readonly=True)
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", readonly=True, index="btree_not_null"
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
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("tc.order.review")
            if vals.get("state", "new") != "new" and not is_trusted():
                raise UserError(self.env._("A new order review starts as new."))
        reviews = super().create(vals_list)
        reviews._tc_create_cases()
        return reviews

    def write(self, vals):
        protected = {"state", "reviewer_id", "decided_by_id", "decided_at"}
        if protected & set(vals) and not (is_trusted() or self.env.su):
            raise UserError(
                self.env._(
                    "Use Claim, Release and the decision buttons to move an order review."
                )
            )
        return super().write(vals)

    def _tc_create_cases(self):
        case_type = self.env.ref("tc_care.type_order_review")
        Ticket = self.env["helpdesk.ticket"].sudo()
        vals_list = [
            {
                "name": self.env._(
                    "Order %(ref)s held for review", ref=review.order_ref
                ),
                "description": "<p>%s</p>"
                % ", ".join(review.reason_ids.mapped("name")),
                "partner_id": review.partner_id.id,
                "tc_location_id": review.location_id.id,
                "tc_order_ref": review.order_ref,
                "type_id": case_type.id,
            }
            for review in self.filtered(lambda r: not r.ticket_id)
        ]
        tickets = Ticket.create(vals_list)
        for review, ticket in zip(
            self.filtered(lambda r: not r.ticket_id), tickets, strict=True
        ):
            with trusted():
                review.ticket_id = ticket

    # -- claim / release -------------------------------------------------------------
    def _lock(self):
        """Row lock so two reviewers claiming at once cannot both win."""
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
    def _set_state(self, new_state):
        for review in self:
            if new_state not in TRANSITIONS[review.state]:
                states = dict(STATES)
                raise UserError(
                    self.env._(
                        "%(name)s is %(state)s: it cannot become %(new)s.",
                        name=review.name,
                        state=states[review.state],
                        new=states[new_state],
                    )
                )
        with trusted():
            self.write({"state": new_state})

    def action_decide(self, decision, reason):
        """Decide the reviews of ``self``: approved, rejected or needs_info, with a
        reason. The claimer decides their review; a supervisor may decide in bulk."""
        if decision not in DECISIONS:
            raise UserError(self.env._("Unknown decision: %s", decision))
        if not (reason or "").strip():
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
                done = self.env["helpdesk.ticket.stage"].search(
                    [("closed", "=", True)], order="sequence", limit=1
                )
                review.ticket_id.sudo().stage_id = done
        self._tc_on_review_decided(decision, reason)
        return True

    def _tc_on_review_decided(self, decision, reason):
        """Hook: the decision is final in Odoo. tc_integrations extends this to
        queue the ApproveOrderReview / RejectOrderReview command (outbox) in the
        same transaction. Nothing is sent from here."""
        return True

    def action_open_decide_wizard(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.order.review.decide",
            "view_mode": "form",
            "target": "new",
            "context": {"active_ids": self.ids, "active_model": self._name},
            "name": self.env._("Decide"),
        }

    @api.model
    def _tc_demo_walk(self, xmlid, steps):
        """Demo only: play ``steps`` [(user xmlid, action, reason)] on a review."""
        review = self.env.ref(xmlid)
        for user_xmlid, action, reason in steps:
            rec = review.with_user(self.env.ref(user_xmlid))
            if action == "claim":
                rec.action_claim()
            else:
                rec.action_decide(action, reason)
