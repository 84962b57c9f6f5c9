# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Order reviews: the partner that submitted them, and the decision's command.

``tc_api_partner_id`` is what the partner API shows a partner: it is set only by the
partner API (superuser); tc_orders refuses it from every client in create/write."""

from odoo import fields, models

DECISION_COMMANDS = {
    "approved": "ApproveOrderReview",
    "rejected": "RejectOrderReview",
}


class TcOrderReview(models.Model):
    _inherit = "tc.order.review"

    tc_api_partner_id = fields.Many2one(
        "res.partner",
        "Submitted by partner",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The API partner that submitted this order (partner API).",
    )

    def _tc_on_review_decided(self, decision, reason):
        """Outbox: the decision's command is written in the decision's transaction."""
        result = super()._tc_on_review_decided(decision, reason)
        command_type = DECISION_COMMANDS.get(decision)
        if command_type:
            Command = self.env["tc.command"]
            for review in self:
                Command._tc_enqueue(
                    command_type,
                    {
                        "order_id": review.order_ref,
                        "review": review.name,
                        "decision": decision,
                        "reason": reason,
                        "decided_by": self.env.user.login,
                    },
                    record=review,
                    ticket=review.ticket_id,
                )
        return result
