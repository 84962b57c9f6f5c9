# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adjustment requests: what is frozen once submitted, and what the request and its
approvals say (case timeline, approval activities, the approved note). The guards
themselves are tc.maker.checker.mixin's."""

from odoo import models

FROZEN_FIELDS = frozenset(
    {
        "kind",
        "amount",
        "currency_id",
        "partner_id",
        "ticket_id",
        "invoice_ref",
        "payment_ref",
        "subscription_ref",
        "reason",
        "company_id",
    }
)


class TcAdjustmentRequest(models.Model):
    _inherit = "tc.adjustment.request"
    _tc_frozen_fields = FROZEN_FIELDS

    def _tc_kind_label(self):
        return dict(self._fields["kind"].selection)[self.kind]

    def _tc_requested_text(self):
        return self.env._(
            "%(kind)s %(name)s requested: %(amount)s %(cur)s",
            kind=self._tc_kind_label(),
            name=self.name,
            amount=self.amount,
            cur=self.currency_id.name,
        )

    def _tc_approval_summary(self):
        return self.env._(
            "Approve %(kind)s %(name)s: %(amount)s %(cur)s",
            kind=self._tc_kind_label(),
            name=self.name,
            amount=self.amount,
            cur=self.currency_id.name,
        )

    def _tc_no_tier_message(self):
        return self.env._(
            "No approval rule applies to %(name)s (%(amount)s %(cur)s): "
            "ask a manager to configure the approval tiers.",
            name=self.name,
            amount=self.amount,
            cur=self.currency_id.name,
        )

    def _tc_on_approved(self):
        self.sudo().message_post(
            body=self.env._("Approved: waiting for the billing system to post it."),
            subtype_xmlid="mail.mt_note",
        )
        return super()._tc_on_approved()
