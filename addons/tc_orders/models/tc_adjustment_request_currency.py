# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adjustment requests: the amount in the company currency, which the approval
tiers compare (computed at submission, never written by anyone), and the rule that
a foreign currency needs an exchange rate for that."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class TcAdjustmentRequest(models.Model):
    _inherit = "tc.adjustment.request"

    amount_company = fields.Monetary(
        "Amount in company currency",
        currency_field="company_currency_id",
        compute="_compute_amount_company",
        store=True,
        readonly=True,
        help="What the approval thresholds compare. Computed from the amount and its "
        "currency, never written by anyone (see write).",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )

    def _tc_before_submit(self):
        # the tiers compare amount_company: convert at the rate of the day it is
        # submitted, not of the day the draft was written
        self.env.add_to_compute(self._fields["amount_company"], self)
        self._recompute_recordset(["amount_company"])
        return super()._tc_before_submit()

    @api.depends("amount", "currency_id", "company_id")
    def _compute_amount_company(self):
        for rec in self:
            company_currency = rec.company_id.currency_id
            if not rec.currency_id or rec.currency_id == company_currency:
                rec.amount_company = rec.amount
            else:
                rec.amount_company = rec.currency_id._convert(
                    rec.amount,
                    company_currency,
                    rec.company_id,
                    fields.Date.context_today(rec),
                )

    @api.constrains("currency_id", "company_id")
    def _check_currency(self):
        """The tiers compare the amount converted to the company currency: a currency
        without a rate would convert at 1 and could skip tiers."""
        Rate = self.env["res.currency.rate"].sudo()
        for rec in self:
            currency = rec.currency_id
            if currency == rec.company_id.currency_id:
                continue
            if not currency.active or not Rate.search_count(
                [
                    ("currency_id", "=", currency.id),
                    ("company_id", "in", [False, rec.company_id.root_id.id]),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: %(cur)s has no exchange rate, so the approval tiers "
                        "cannot be chosen. Use %(company_cur)s or ask for the rate.",
                        name=rec.name,
                        cur=currency.name,
                        company_cur=rec.company_id.currency_id.name,
                    )
                )
