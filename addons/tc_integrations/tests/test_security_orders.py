# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Maker-checker end to end (issue 17): what billing is asked to post after the maker
tried to lower the amount the tiers compare, that RefundPosted is the only way to
"posted", and that the partner a review is shown to is no client value."""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.tc_orders.tests.common import TcOrdersCase

from .common import event, trap_jobs
from .test_handlers import IngestMixin


@tagged("post_install", "-at_install")
class TestOrdersSecurityEndToEnd(IngestMixin, TcOrdersCase):
    def test_post_adjustment_is_the_amount_every_tier_approved(self):
        request = self._request(self.agent, 10000)
        for context in ({}, {"tc_trusted": True}, {"skip_validation_check": True}):
            with self.assertRaises(AccessError):
                request.with_user(self.agent).with_context(**context).write(
                    {"amount_company": 1}
                )
        request.with_user(self.agent).action_submit()
        self.assertEqual(len(request.review_ids), 3)
        with trap_jobs():
            self._decide(request, self.supervisor)
            self._decide(request, self.finance)
            command = self.env["tc.command"].search(
                [("res_model", "=", request._name), ("res_id", "=", request.id)]
            )
            self.assertFalse(command, "no command before the last tier")
            self._decide(request, self.manager)
        command = self.env["tc.command"].search(
            [("res_model", "=", request._name), ("res_id", "=", request.id)]
        )
        self.assertEqual(command.name, "PostAdjustment")
        self.assertEqual(json.loads(command.payload)["amount"], "10000.00")
        self.assertEqual(
            set(request.review_ids.mapped("status")), {"approved"}, "three tiers"
        )

    def test_only_refund_posted_posts(self):
        request = self._request(self.agent, 30)
        request.with_user(self.agent).action_submit()
        with trap_jobs():
            self._decide(request, self.supervisor)
        for user in (self.agent, self.supervisor, self.manager, self.finance):
            with self.assertRaises(UserError, msg=user.login):
                request.with_user(user).with_context(tc_trusted=True).write(
                    {"state": "posted", "posting_ref": "CN-FAKE"}
                )
            with self.assertRaises(AccessError, msg=user.login):
                request.with_user(user)._tc_mark_posted("CN-FAKE")
        self.assertEqual(request.state, "approved")
        stored = self._run(
            event(
                "evt_rp_sec",
                "RefundPosted",
                adjustment_ref=request.name,
                posting_ref="CN-9",
            )
        )
        self.assertEqual(stored.state, "done")
        self.assertEqual((request.state, request.posting_ref), ("posted", "CN-9"))

    def test_the_submitting_partner_is_no_client_value(self):
        """Which partner submitted a review is what the partner API shows that
        partner: only the API (superuser) sets it."""
        partner = self.env["res.partner"].create({"name": "Partner ISP"})
        vals = {
            "order_ref": "ORD-SEC-1",
            "partner_id": self.customer.id,
            "requested_plan": "Fibre",
            "reason_ids": [(6, 0, self.env.ref("tc_orders.reason_other").ids)],
        }
        for context in ({}, {"default_tc_api_partner_id": partner.id}):
            with self.assertRaises(AccessError):
                self.env["tc.order.review"].with_user(self.supervisor).with_context(
                    **context
                ).create(dict(vals, tc_api_partner_id=partner.id))
        review = self.env["tc.order.review"].create(vals)
        for user in (self.supervisor, self.manager):
            with self.assertRaises(AccessError):
                review.with_user(user).with_context(tc_trusted=True).write(
                    {"tc_api_partner_id": partner.id}
                )
        self.assertFalse(review.tc_api_partner_id)
