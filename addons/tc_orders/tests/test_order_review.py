# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import TcOrdersCase


@tagged("post_install", "-at_install")
class TestOrderReview(TcOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reviewer = new_test_user(
            cls.env, "o_rev", groups="tc_orders.group_order_reviewer"
        )
        cls.reviewer2 = new_test_user(
            cls.env, "o_rev2", groups="tc_orders.group_order_reviewer"
        )
        cls.reason_fraud = cls.env.ref("tc_orders.reason_fraud")
        cls.reason_vip = cls.env.ref("tc_orders.reason_vip")

    def _review(self, **vals):
        values = {
            "order_ref": "ORD-900",
            "partner_id": self.customer.id,
            "requested_plan": "Fibre 1 Gbit/s",
            "reason_ids": [(6, 0, (self.reason_fraud | self.reason_vip).ids)],
            "evidence": "Card country differs from address",
        }
        values.update(vals)
        # as the orders service (OrderNeedsReview) creates it: people do not
        return self.env["tc.order.review"].create(values)

    def test_case_and_sla_come_from_tc_care(self):
        self.team.use_sla = True
        self.env["helpdesk.sla"].create(
            {
                "name": "Order review answered in 4h",
                "team_ids": [(6, 0, self.team.ids)],
                "type_ids": [(6, 0, self.env.ref("tc_care.type_order_review").ids)],
                "stage_id": self.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done").id,
                "hours": 4,
            }
        )
        self.env.ref("tc_care.type_order_review").tc_default_team_id = self.team
        review = self._review()
        self.assertEqual(review.ticket_id.team_id, self.team)
        self.assertEqual(review.sla_status, "on_track")
        self.assertTrue(review.sla_deadline)
        self.assertEqual(review.state, "new")
        self.assertTrue(review.name.startswith("REV/"))
        ticket = review.ticket_id
        self.assertEqual(ticket.type_id, self.env.ref("tc_care.type_order_review"))
        self.assertEqual(ticket.tc_order_ref, "ORD-900")
        self.assertEqual(review.sla_deadline, ticket.tc_sla_deadline)
        self.assertEqual(review.sla_status, ticket.tc_sla_status)

    def test_claim_release_and_two_reviewers(self):
        review = self._review()
        review.with_user(self.reviewer).action_claim()
        self.assertEqual(review.state, "in_review")
        self.assertEqual(review.reviewer_id, self.reviewer)
        self.assertEqual(review.ticket_id.user_id, self.reviewer)
        with self.assertRaisesRegex(UserError, "already being reviewed by o_rev"):
            review.with_user(self.reviewer2).action_claim()
        with self.assertRaises(UserError):
            review.with_user(self.reviewer2).action_release()
        with self.assertRaises(UserError):
            review.with_user(self.reviewer2).action_decide("approved", "looks fine")
        review.with_user(self.reviewer).action_release()
        self.assertFalse(review.reviewer_id)
        self.assertEqual(review.state, "new")
        review.with_user(self.reviewer2).action_claim()
        review.with_user(self.supervisor).action_release()  # a supervisor may
        self.assertFalse(review.reviewer_id)
        # the reviewer field cannot be set around claim/release over RPC
        with self.assertRaises(UserError):
            review.with_user(self.reviewer).write({"reviewer_id": self.reviewer.id})

    def test_decisions_need_a_reason_and_follow_the_state_machine(self):
        review = self._review()
        with self.assertRaisesRegex(UserError, "cannot become Approved"):
            review.with_user(self.reviewer).action_decide("approved", "ok")
        review.with_user(self.reviewer).action_claim()
        with self.assertRaisesRegex(UserError, "needs a reason"):
            review.with_user(self.reviewer).action_decide("approved", "  ")
        with self.assertRaises(UserError):
            review.with_user(self.reviewer).action_decide("maybe", "why not")
        review.with_user(self.reviewer).action_decide(
            "needs_info", "Need proof of address"
        )
        self.assertEqual(review.state, "needs_info")
        self.assertFalse(review.reviewer_id)
        review.with_user(self.reviewer).action_claim()
        with patch.object(
            type(self.env["tc.order.review"]), "_tc_on_review_decided", autospec=True
        ) as hook:
            review.with_user(self.reviewer).action_decide("approved", "Proof received")
        hook.assert_called_once()
        self.assertEqual(hook.call_args.args[1:], ("approved", "Proof received"))
        self.assertEqual(review.state, "approved")
        self.assertEqual(review.decided_by_id, self.reviewer)
        self.assertTrue(review.ticket_id.stage_id.closed)
        with self.assertRaisesRegex(UserError, "cannot become Rejected"):
            review.with_user(self.supervisor).action_decide("rejected", "changed mind")
        with self.assertRaises(UserError):
            review.with_user(self.reviewer).write({"state": "new"})
        history = " ".join(review.message_ids.mapped("body"))
        self.assertIn("Need proof of address", history)
        self.assertIn("Proof received", history)
        self.assertIn(
            "Proof received", " ".join(review.ticket_id.tc_timeline_ids.mapped("name"))
        )

    def test_bulk_decision_is_for_supervisors(self):
        reviews = self._review() | self._review(order_ref="ORD-901")
        wizard_form = Form(
            self.env["tc.order.review.decide"]
            .with_user(self.reviewer)
            .with_context(active_model="tc.order.review", active_ids=reviews.ids)
        )
        wizard_form.decision = "rejected"
        wizard_form.reason = "Duplicate orders"
        with self.assertRaisesRegex(UserError, "Only a supervisor"):
            wizard_form.save().action_confirm()
        wizard = (
            self.env["tc.order.review.decide"]
            .with_user(self.supervisor)
            .with_context(active_model="tc.order.review", active_ids=reviews.ids)
            .create({"decision": "rejected", "reason": "Duplicate orders"})
        )
        wizard.action_confirm()
        self.assertEqual(set(reviews.mapped("state")), {"rejected"})

    def test_agents_read_but_do_not_review(self):
        review = self._review()
        self.assertTrue(review.with_user(self.agent).read(["name"]))
        with self.assertRaises(AccessError):
            review.with_user(self.agent).action_claim()
