# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import TcOrdersCase


@tagged("post_install", "-at_install")
class TestAdjustmentTiers(TcOrdersCase):
    def _tiers(self, request):
        return [
            (r.sequence, r.definition_id) for r in request.review_ids.sorted("sequence")
        ]

    def test_thresholds_pick_the_right_tiers(self):
        sup = self.env.ref("tc_orders.tier_adjustment_supervisor")
        fin = self.env.ref("tc_orders.tier_adjustment_finance")
        mgr = self.env.ref("tc_orders.tier_adjustment_manager")
        cases = {
            30: [(1, sup)],
            50: [(1, sup)],
            50.01: [(1, sup), (2, fin)],
            500: [(1, sup), (2, fin)],
            800: [(1, sup), (2, fin), (3, mgr)],
        }
        for amount, expected in cases.items():
            request = self._request(self.agent, amount)
            request.with_user(self.agent).action_submit()
            self.assertEqual(self._tiers(request), expected, amount)
            self.assertEqual(request.state, "to_approve")

    def test_sequence_activities_and_walkthrough_to_posting(self):
        request = self._request(self.agent, 800)
        request.with_user(self.agent).action_submit()
        # only the first tier is actionable, and its reviewers have activities
        # managers are supervisors too (agent ⊂ supervisor ⊂ manager)
        self.assertEqual(
            self._activity_users(request),
            self.supervisor | self.supervisor2 | self.manager | self.manager2,
        )
        with self.assertRaises(UserError):
            self._decide(request, self.finance)  # finance before the supervisor
        mine = (
            self.env["tc.adjustment.request"]
            .with_user(self.supervisor)
            .search([("can_review", "=", True)])
        )
        self.assertIn(request, mine)
        self.assertNotIn(
            request,
            request.with_user(self.finance).search([("can_review", "=", True)]),
            "finance is not the current step yet",
        )
        self._decide(request, self.supervisor, comment="customer was charged twice")
        self.assertEqual(request.state, "to_approve")
        self.assertIn(
            request, request.with_user(self.finance).search([("can_review", "=", True)])
        )
        self.assertNotIn(
            request,
            request.with_user(self.agent).search([("can_review", "=", True)]),
            "the maker never sees it in their approval queue",
        )
        # the next tier is told (server-ux #1329): finance now has the activities
        self.assertEqual(self._activity_users(request), self.finance | self.finance2)
        with self.assertRaises(UserError):
            self._decide(request, self.manager)  # manager before finance
        self._decide(request, self.finance, comment="matches PAY-1")
        self.assertEqual(self._activity_users(request), self.manager | self.manager2)
        self._decide(request, self.manager, comment="approved")
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.validation_status, "validated")
        self.assertFalse(self._activity_users(request))
        self.assertTrue(request.approved_at)
        # amounts are requests: it only becomes posted when billing says so
        # (the integration reports it, as the system user)
        request.sudo()._tc_mark_posted(posting_ref="CN-77")
        self.assertEqual(request.state, "posted")
        request.sudo()._tc_mark_posted(posting_ref="CN-77")  # replayed event: no change
        self.assertEqual(request.posting_ref, "CN-77")
        # the audit trail: every step with its comment
        bodies = " ".join(request.message_ids.mapped("body"))
        for text in (
            "customer was charged twice",
            "matches PAY-1",
            "approved",
            "CN-77",
        ):
            self.assertIn(text, bodies)
        done = request.review_ids.mapped(lambda r: (r.status, r.done_by, r.comment))
        self.assertEqual(
            done,
            [
                ("approved", self.supervisor, "customer was charged twice"),
                ("approved", self.finance, "matches PAY-1"),
                ("approved", self.manager, "approved"),
            ],
        )

    def test_walkthrough_from_a_case_with_forms(self):
        """Agent opens a refund from a case → supervisor → finance → awaits posting."""
        action = self.ticket.with_user(self.agent).action_tc_request_adjustment()
        form = Form(
            self.env["tc.adjustment.request"]
            .with_user(self.agent)
            .with_context(**action["context"])
        )
        self.assertEqual(form.invoice_ref, "INV-1")
        self.assertEqual(form.partner_id, self.customer)
        form.amount = 120
        form.reason = "Charged twice in November"
        request = form.save()
        request.with_user(self.agent).action_submit()
        self._decide(request, self.supervisor, comment="ok from care")
        self._decide(request, self.finance, comment="ok from finance")
        self.assertEqual(request.state, "approved")
        self.assertEqual(self.ticket.tc_adjustment_count, 1)
        self.assertIn(
            request.name, " ".join(self.ticket.tc_timeline_ids.mapped("name"))
        )

    def test_rejection_needs_a_comment_and_ends_the_request(self):
        request = self._request(self.agent, 120)
        request.with_user(self.agent).action_submit()
        with self.assertRaisesRegex(UserError, "comment is required"):
            self._decide(request, self.supervisor, verb="reject", comment="   ")
        with self.assertRaises(UserError):
            # the private path without a comment is refused too
            request.with_user(self.supervisor)._rejected_tier()
        self._decide(request, self.supervisor, verb="reject", comment="not our fault")
        self.assertEqual(request.state, "rejected")
        self.assertFalse(self._activity_users(request))
        self.assertIn("not our fault", " ".join(request.message_ids.mapped("body")))


@tagged("post_install", "-at_install")
class TestMakerChecker(TcOrdersCase):
    def test_self_approval_refused_for_every_role(self):
        for maker, amount in (
            (self.supervisor, 30),
            (self.manager, 30),
            (self.manager, 800),
        ):
            request = self._request(maker, amount)
            request.with_user(maker).action_submit()
            first = request.review_ids.sorted("sequence")[:1]
            self.assertNotIn(maker, first.reviewer_ids, "the maker is no reviewer")
            with self.assertRaises(UserError, msg=maker.login):
                self._decide(request, maker)
            with self.assertRaises(UserError):
                request.with_user(maker).validate_tier()
            # over RPC, straight at the records
            with self.assertRaises(AccessError):
                request.review_ids.with_user(maker).write({"status": "approved"})
            with self.assertRaises(AccessError):
                request.review_ids.with_user(maker).unlink()
            with self.assertRaises(UserError):
                request.with_user(maker).write({"state": "approved"})
            with self.assertRaises(UserError):
                request.with_user(maker).write({"maker_id": self.agent.id})
            self.assertEqual(request.state, "to_approve")

    def test_a_manager_cannot_approve_their_own_even_at_the_last_tier(self):
        request = self._request(self.manager, 800)
        request.with_user(self.manager).action_submit()
        self._decide(request, self.supervisor)
        self._decide(request, self.finance)
        self.assertEqual(self._activity_users(request), self.manager2)
        with self.assertRaises(UserError):
            self._decide(request, self.manager)
        self._decide(request, self.manager2)
        self.assertEqual(request.state, "approved")

    def test_agents_cannot_approve_nor_touch_others_requests(self):
        request = self._request(self.agent, 30)
        request.with_user(self.agent).action_submit()
        with self.assertRaises(UserError):
            self._decide(request, self.agent2)
        with self.assertRaises(UserError):  # frozen once submitted
            request.with_user(self.agent2).write({"reason": "changed"})
        draft = self._request(self.agent, 20)
        with self.assertRaises(AccessError):  # and not theirs to edit anyway
            draft.with_user(self.agent2).write({"reason": "changed"})
        self.assertTrue(request.with_user(self.agent2).read(["name"]))
        self.assertTrue(
            request.with_user(self.finance).read(["name", "ticket_display"])
        )

    def test_illegal_transitions_are_refused_clearly(self):
        request = self._request(self.agent, 30)
        with self.assertRaisesRegex(UserError, "cannot become Posted"):
            request.sudo()._tc_mark_posted("CN-1")
        with self.assertRaises(UserError):
            self.env["tc.adjustment.request"].with_user(self.agent).create(
                {"amount": 5, "reason": "x", "state": "approved"}
            )
        with self.assertRaises(ValidationError):
            self._request(self.agent, -5)
        request.with_user(self.agent).action_submit()
        with self.assertRaisesRegex(UserError, "cannot become Awaiting approval"):
            request.with_user(self.agent).action_submit()
        other = self._request(self.agent, 10)
        with self.assertRaisesRegex(UserError, "Only tc_t_agent"):
            other.with_user(self.supervisor).action_submit()
        # amounts cannot change once submitted, context tricks included
        with self.assertRaises(UserError):
            request.with_user(self.agent).write({"amount": 3000})
        with self.assertRaises(UserError):
            request.with_user(self.agent).with_context(
                skip_validation_check=True
            ).write({"amount": 3000})
        self._decide(request, self.supervisor)
        self.assertEqual(request.state, "approved")
        with self.assertRaises(UserError):
            request.with_user(self.manager).write({"amount": 1})
        self.assertEqual(request.amount, 30)
