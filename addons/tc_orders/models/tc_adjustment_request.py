# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adjustment requests: the record (what is asked, for whom, on which case and
references) and its states. The maker, the maker's buttons, client-value guards and
the approval steps are tc.maker.checker.mixin's (tc_maker_checker*.py); the
company-currency amount, what is frozen and what the approvals say, and posting live
in the tc_adjustment_request_*.py files that extend this model."""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

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
    _inherit = ["tc.maker.checker.mixin"]
    _order = "id desc"
    _tc_approval_activity = "tc_orders.mail_act_adjustment_approval"

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
