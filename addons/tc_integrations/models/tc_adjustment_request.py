# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adjustment requests and billing: PostAdjustment when the last tier approves.

The payload's amount is the request's own (frozen once submitted); the posted state is
reached only from the RefundPosted handler (``_tc_mark_posted``, tc_orders)."""

from odoo import models

COMMAND = "PostAdjustment"


class TcAdjustmentRequest(models.Model):
    _inherit = "tc.adjustment.request"

    def _validate_tier(self, tiers=False):
        """When the last tier approves, ask billing to post it (outbox, same
        transaction as the approval)."""
        result = super()._validate_tier(tiers)
        approved = self.filtered(lambda r: r.state == "approved")
        if approved:
            Command = self.env["tc.command"].sudo()
            sent = set(
                Command.search(
                    [
                        ("res_model", "=", self._name),
                        ("res_id", "in", approved.ids),
                        ("name", "=", COMMAND),
                    ]
                ).mapped("res_id")
            )
            for request in approved.filtered(lambda r: r.id not in sent):
                Command._tc_enqueue(
                    COMMAND,
                    {
                        "adjustment_ref": request.name,
                        "kind": request.kind,
                        "amount": "%.2f" % request.amount,
                        "currency": request.currency_id.name,
                        "invoice_id": request.invoice_ref or None,
                        "payment_id": request.payment_ref or None,
                        "subscription_id": request.subscription_ref or None,
                    },
                    record=request,
                    ticket=request.ticket_id,
                )
        return result
