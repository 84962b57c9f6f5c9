# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data support of tc_orders: play the workflow of a demo order review or
adjustment request, each step as the user who would click it. Called from
demo/tc_orders_demo.xml only; no business model carries demo code."""

from odoo import api, models


class TcOrdersDemo(models.AbstractModel):
    _name = "tc.orders.demo"
    _description = "TC Ops Orders demo data"

    @api.model
    def _review_walk(self, xmlid, steps):
        """Play ``steps`` [(user xmlid, action, reason)] on a review: action is
        "claim" or a decision (approved, rejected, needs_info)."""
        review = self.env.ref(xmlid)
        for user_xmlid, action, reason in steps:
            rec = review.with_user(self.env.ref(user_xmlid))
            if action == "claim":
                rec.action_claim()
            else:
                rec.action_decide(action, reason)

    @api.model
    def _adjustment_walk(self, xmlid, steps):
        """Play ``steps`` [(user xmlid, action, comment)] on a request, each as that
        user, the way they would click it: submit, cancel, approve, reject, or post
        (the billing system's RefundPosted, comment = posting ref)."""
        request = self.env.ref(xmlid)
        for user_xmlid, action, comment in steps:
            rec = request.with_user(self.env.ref(user_xmlid))
            if action == "submit":
                rec.action_submit()
            elif action == "cancel":
                rec.action_cancel()
            elif action == "post":
                request._tc_mark_posted(posting_ref=comment)
            else:
                act = rec.validate_tier() if action == "approve" else rec.reject_tier()
                self.env[act["res_model"]].with_user(rec.env.user).with_context(
                    **act["context"]
                ).create({"comment": comment}).add_comment()
