# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adjustment requests: the record (what is asked, for whom, on which case and
references), its states and the maker's buttons (Submit, Cancel, Back to draft).
Client-value guards, the company-currency amount, the approval tiers and posting
live in the tc_adjustment_request_*.py files that extend this model."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .tc_trust import trusted

STATES = [
    ("draft", "Draft"),
    ("to_approve", "Awaiting approval"),
    ("approved", "Approved, awaiting posting"),
    ("posted", "Posted"),
    ("rejected", "Rejected"),
    ("cancel", "Cancelled"),
]


class TcAdjustmentRequest(models.Model):
    """A refund, credit, fee waiver or exception *requested* here and approved by a
    second person (maker-checker, OCA base_tier_validation). It is never a ledger
    entry: after approval it waits for the billing system, which posts it and says
    so with a RefundPosted event."""

    _name = "tc.adjustment.request"
    _description = "Adjustment request"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "tier.validation",
        "tc.state.machine.mixin",
    ]
    _order = "id desc"
    _state_field = "state"
    _state_from = ["to_approve"]
    _state_to = ["approved"]
    _cancel_state = "cancel"
    _tier_validation_manual_config = False
    _tier_validation_buttons_xpath = "/form/header/field[@name='state']"

    # tc.state.machine.mixin: first state, state -> states it may move to, number
    _tc_initial_state = "draft"
    _tc_sequence = "tc.adjustment.request"
    _tc_transitions = {
        "draft": {"to_approve", "cancel"},
        "to_approve": {"approved", "rejected", "draft", "cancel"},
        "approved": {"posted"},
        "rejected": {"draft"},
        "posted": set(),
        "cancel": {"draft"},
    }

    name = fields.Char(
        "Reference", readonly=True, copy=False, default="/", index="trigram"
    )
    kind = fields.Selection(
        [
            ("refund", "Refund"),
            ("credit", "Credit"),
            ("fee_waiver", "Fee waiver"),
            ("exception", "Exception"),
        ],
        required=True,
        default="refund",
        tracking=True,
    )
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
    )
    amount = fields.Monetary(required=True, tracking=True)
    reason = fields.Text(required=True, tracking=True)
    partner_id = fields.Many2one("res.partner", "Customer", tracking=True, index=True)
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", index="btree_not_null", tracking=True
    )
    ticket_display = fields.Char(
        "Case ", compute="_compute_ticket_display", compute_sudo=True
    )
    invoice_ref = fields.Char("Invoice ref", index="btree_not_null", tracking=True)
    payment_ref = fields.Char("Payment ref", index="btree_not_null", tracking=True)
    subscription_ref = fields.Char(
        "Subscription ref", index="btree_not_null", tracking=True
    )
    posting_ref = fields.Char(
        "Posting ref",
        readonly=True,
        copy=False,
        help="Id of the credit note / refund in the billing system.",
    )
    any_ref = fields.Char(
        "Any reference", compute="_compute_any_ref", search="_search_any_ref"
    )
    maker_id = fields.Many2one(
        "res.users",
        "Requested by",
        default=lambda self: self.env.user,
        readonly=True,
        required=True,
        copy=False,
        index=True,
    )
    submitted_at = fields.Datetime(readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False, index=True)
    posted_at = fields.Datetime(readonly=True, copy=False)

    @api.constrains("amount")
    def _check_amount(self):
        for rec in self:
            if rec.amount <= 0:
                raise ValidationError(
                    self.env._(
                        "The amount of %(name)s must be positive.", name=rec.name
                    )
                )

    @api.depends("ticket_id")
    def _compute_ticket_display(self):
        # approvers need not read helpdesk tickets: they see the case's name only
        for rec in self:
            rec.ticket_display = rec.ticket_id.display_name or False

    @api.depends("invoice_ref", "payment_ref", "subscription_ref", "posting_ref")
    def _compute_any_ref(self):
        for rec in self:
            rec.any_ref = " ".join(
                filter(
                    None,
                    (
                        rec.invoice_ref,
                        rec.payment_ref,
                        rec.subscription_ref,
                        rec.posting_ref,
                    ),
                )
            )

    def _search_any_ref(self, operator, value):
        if operator not in ("=", "ilike", "like", "=ilike"):
            raise UserError(
                self.env._("Unsupported search on references: %s", operator)
            )
        return [
            "|",
            "|",
            "|",
            "|",
            ("name", operator, value),
            ("invoice_ref", operator, value),
            ("payment_ref", operator, value),
            ("subscription_ref", operator, value),
            ("posting_ref", operator, value),
        ]

    @api.onchange("ticket_id")
    def _onchange_ticket_id(self):
        ticket = self.ticket_id
        if ticket:
            self.partner_id = ticket.commercial_partner_id or ticket.partner_id
            self.invoice_ref = self.invoice_ref or ticket.tc_invoice_ref
            self.payment_ref = self.payment_ref or ticket.tc_payment_ref
            self.subscription_ref = self.subscription_ref or ticket.tc_subscription_ref

    def _tc_check_maker(self, action):
        """Submit, Cancel and Back to draft are the maker's own buttons."""
        if self.env.su:
            return
        for rec in self:
            if rec.maker_id != self.env.user:
                raise AccessError(
                    self.env._(
                        "Only %(maker)s can %(action)s %(name)s.",
                        maker=rec.maker_id.name,
                        action=action,
                        name=rec.name,
                    )
                )

    def action_submit(self):
        self._tc_check_maker(self.env._("submit"))
        self._set_state("to_approve", submitted_at=fields.Datetime.now())
        # the tiers compare amount_company: convert at the rate of the day it is
        # submitted, not of the day the draft was written
        self.env.add_to_compute(self._fields["amount_company"], self)
        self._recompute_recordset(["amount_company"])
        with trusted():
            # approvals of an earlier submission never carry over to this one
            self.review_ids.unlink()
            self.invalidate_recordset(["need_validation", "review_ids"])
            self.request_validation()
            # OCA moves the first step to "pending" only when the *submitter* can
            # review (it cannot here): do it for everyone, so approvers can act
            self.review_ids._compute_can_review()
        for rec in self:
            if not rec.review_ids:
                raise UserError(
                    self.env._(
                        "No approval rule applies to %(name)s (%(amount)s %(cur)s): "
                        "ask a manager to configure the approval tiers.",
                        name=rec.name,
                        amount=rec.amount,
                        cur=rec.currency_id.name,
                    )
                )
        self._tc_sync_approval_activities()
        return True

    def action_cancel(self):
        self._tc_check_maker(self.env._("cancel"))
        self._set_state("cancel")
        self._tc_sync_approval_activities()
        return True

    def action_reset_to_draft(self):
        self._tc_check_maker(self.env._("reset"))
        with trusted():
            # OCA's restart_validation only acts on requests awaiting approval (and
            # keeps the reviews of rejected ones): drop every step, the next
            # submission asks for all of them again
            self.review_ids.unlink()
            self._set_state("draft")
        self._tc_sync_approval_activities()
        return True
