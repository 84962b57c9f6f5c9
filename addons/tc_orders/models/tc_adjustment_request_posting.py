# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adjustment requests after approval: how long they wait for the billing system,
and the only way to the posted state (the billing system's RefundPosted)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError


class TcAdjustmentRequest(models.Model):
    _inherit = "tc.adjustment.request"

    awaiting_hours = fields.Float(
        "Waiting for posting (h)", compute="_compute_awaiting_hours"
    )

    @api.depends("approved_at", "state")
    def _compute_awaiting_hours(self):
        now = fields.Datetime.now()
        for rec in self:
            rec.awaiting_hours = (
                (now - rec.approved_at).total_seconds() / 3600
                if rec.state == "approved" and rec.approved_at
                else 0.0
            )

    def _tc_mark_posted(self, posting_ref=None, posted_at=None):
        """The billing system reports the adjustment posted: tc_integrations'
        RefundPosted handler calls this as the superuser. It is the only way to the
        posted state. Idempotent for a request already posted with that ref."""
        if not self.env.su:
            raise AccessError(
                self.env._("Only the billing system marks an adjustment as posted.")
            )
        for rec in self:
            if rec.state == "posted" and (
                not posting_ref or rec.posting_ref == posting_ref
            ):
                continue
            rec._set_state(
                "posted",
                posting_ref=posting_ref or rec.posting_ref,
                posted_at=posted_at or fields.Datetime.now(),
            )
            rec.message_post(
                body=self.env._(
                    "Posted by the billing system (ref %(ref)s).",
                    ref=posting_ref or "-",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
