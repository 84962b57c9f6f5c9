# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Decide one or several order reviews with one reason (the Decide button)."""

from odoo import api, fields, models


class TcOrderReviewDecide(models.TransientModel):
    _name = "tc.order.review.decide"
    _description = "Decide order reviews"

    review_ids = fields.Many2many("tc.order.review", string="Reviews")
    decision = fields.Selection(
        [("approved", "Approve"), ("rejected", "Reject"), ("needs_info", "Needs info")],
        required=True,
        default="approved",
    )
    reason = fields.Text(required=True)

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "tc.order.review":
            res["review_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return res

    def action_confirm(self):
        self.ensure_one()
        # the reviews are a client value: action_decide checks the role, the claim
        # and the state of each
        self.review_ids._tc_check_reviewer()
        self.review_ids.action_decide(self.decision, self.reason)
        return {"type": "ir.actions.act_window_close"}
