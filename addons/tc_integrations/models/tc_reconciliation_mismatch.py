# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import float_repr

from ..lib.reconciliation import REFS

MISMATCH_TYPES = [
    ("payment_without_invoice", "Payment without invoice"),
    ("invoice_without_payment", "Invoice without payment"),
    ("amount_differs", "Amount differs"),
    ("subscription_state_differs", "Subscription state differs"),
    ("provisioning_state_differs", "Provisioning state differs"),
    ("other", "Other"),
]


class TcReconciliationMismatch(models.Model):
    """One disagreement reported by the data plane's nightly reconciliation.

    ``mismatch_id`` is the data plane's id and is unique here: whatever the number
    of nights, re-runs or resumed runs, a mismatch is stored once and has one
    case. It stays "open" while the nightly reports carry it and becomes
    "resolved upstream" the first night it is missing."""

    _name = "tc.reconciliation.mismatch"
    _description = "Reconciliation mismatch"
    _order = "last_seen_date desc, id desc"
    _rec_name = "mismatch_id"

    mismatch_id = fields.Char("Mismatch id", required=True, readonly=True)
    mismatch_type = fields.Selection(
        MISMATCH_TYPES, "Type", required=True, readonly=True, index=True
    )
    type_code = fields.Char(
        "Type as reported", readonly=True, help="Kept for types TC Ops does not know."
    )
    state = fields.Selection(
        [("open", "Open"), ("resolved_upstream", "Resolved upstream")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    customer_ref = fields.Char("Customer ref", readonly=True, index="btree_not_null")
    partner_id = fields.Many2one(
        "res.partner", "Customer", readonly=True, index="btree_not_null"
    )
    order_ref = fields.Char("Order ref", readonly=True, index="btree_not_null")
    subscription_ref = fields.Char("Subscription ref", readonly=True)
    invoice_ref = fields.Char("Invoice ref", readonly=True, index="btree_not_null")
    payment_ref = fields.Char("Payment ref", readonly=True, index="btree_not_null")
    provisioning_job_ref = fields.Char("Provisioning job ref", readonly=True)
    expected_amount = fields.Monetary(
        readonly=True, currency_field="expected_currency_id"
    )
    expected_currency_id = fields.Many2one("res.currency", readonly=True)
    actual_amount = fields.Monetary(readonly=True, currency_field="actual_currency_id")
    actual_currency_id = fields.Many2one("res.currency", readonly=True)
    detail = fields.Char(readonly=True)
    detected_at = fields.Datetime(readonly=True)
    first_seen_date = fields.Date("First reported", readonly=True, index=True)
    last_seen_date = fields.Date("Last reported", readonly=True, index=True)
    first_run_id = fields.Many2one(
        "tc.reconciliation.run", "First run", readonly=True, ondelete="set null"
    )
    last_run_id = fields.Many2one(
        "tc.reconciliation.run",
        "Last run",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    resolved_at = fields.Datetime("Resolved upstream at", readonly=True)
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", readonly=True, index="btree_not_null"
    )

    _sql_constraints = [
        (
            "mismatch_id_uniq",
            "unique(mismatch_id)",
            "A mismatch is stored once per data-plane id.",
        ),
    ]

    def _tc_partner_dict(self):
        """The partner API's view of a mismatch (no internal ids)."""
        self.ensure_one()
        return {
            "mismatch_id": self.mismatch_id,
            "type": self.type_code or self.mismatch_type,
            "state": self.state,
            "refs": {key: self[field] or None for key, field in REFS.items()},
            "expected": self._tc_money(self.expected_amount, self.expected_currency_id),
            "actual": self._tc_money(self.actual_amount, self.actual_currency_id),
            "detected_at": self.detected_at
            and self.detected_at.isoformat() + "Z"
            or None,
            "first_reported": self.first_seen_date.isoformat(),
            "last_reported": self.last_seen_date.isoformat(),
        }

    @staticmethod
    def _tc_money(amount, currency):
        if not currency:
            return None
        return {
            "amount": float_repr(amount, currency.decimal_places),
            "currency": currency.name,
        }
