# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on maker-checker and order reviews, tried the way an RPC client can: as
each role, with crafted values and contexts; the outcome is read from the database."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged

from .common import TcOrdersCase

# contexts a client can send with any call
CONTEXTS = (
    {},
    {"tc_trusted": True},
    {"skip_validation_check": True},
    {"skip_check_state_condition": True},
    {"tier_validation_defer_compute_can_review": True},
    {"tracking_disable": True, "install_mode": True, "sudo": True},
)


def db_row(record, *columns):
    record.env.flush_all()
    record.env.cr.execute(
        "SELECT %s FROM %s WHERE id = %%s" % (", ".join(columns), record._table),
        [record.id],
    )
    return record.env.cr.fetchone()


@tagged("post_install", "-at_install")
class TestOrdersSecurity(TransactionCase):
    def test_approver_is_outside_the_care_ladder(self):
        """Maker-checker needs a second person: no care role implies approver."""
        mgr = new_test_user(self.env, "tc_mgr", groups="tc_care.group_manager")
        approver = new_test_user(self.env, "tc_fin", groups="tc_orders.group_approver")
        self.assertFalse(mgr.has_group("tc_orders.group_approver"))
        self.assertFalse(approver.has_group("tc_care.group_agent"))


@tagged("post_install", "-at_install")
class TestDemoUsersAttacks(TransactionCase):
    """The issue's attacks 3 and 4, as the demo logins."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.agent = ref("tc_care.user_agent_demo", raise_if_not_found=False)
        if not cls.agent:
            cls.skipTest(cls, "demo data is not loaded")
        cls.supervisor = ref("tc_care.user_supervisor_demo")
        cls.manager = ref("tc_care.user_manager_demo")
        cls.finance = ref("tc_orders.user_finance_demo")
        cls.tiers = (
            ref("tc_orders.tier_adjustment_supervisor")
            | ref("tc_orders.tier_adjustment_finance")
            | ref("tc_orders.tier_adjustment_manager")
        )

    def _draft(self, amount=10000):
        return (
            self.env["tc.adjustment.request"]
            .with_user(self.agent)
            .create(
                {
                    "kind": "refund",
                    "amount": amount,
                    "reason": "double charge",
                    "partner_id": self.env.ref("tc_care.customer_ana_demo").id,
                }
            )
        )

    def test_the_maker_cannot_lower_the_amount_the_tiers_compare(self):
        request = self._draft()
        for context in CONTEXTS:
            with self.assertRaises(AccessError, msg=context):
                request.with_user(self.agent).with_context(**context).write(
                    {"amount_company": 1}
                )
            self.assertEqual(db_row(request, "amount_company"), (10000.0,))
        Request = self.env["tc.adjustment.request"].with_user(self.agent)
        with self.assertRaises(AccessError):
            Request.create({"amount": 10000, "reason": "x", "amount_company": 1})
        # a default_<field> context key, and a personal default, are no values
        sneaky = Request.with_context(
            default_amount_company=1,
            default_state="approved",
            default_validation_status="validated",
            default_posting_ref="CN-FAKE",
        ).create({"amount": 10000, "reason": "x"})
        self.assertEqual(
            db_row(
                sneaky, "amount_company", "state", "validation_status", "posting_ref"
            ),
            (10000.0, "draft", "no", None),
        )
        self.env["ir.default"].with_user(self.agent).create(
            {
                "field_id": self.env["ir.model.fields"]._get(Request._name, "state").id,
                "json_value": '"posted"',
                "user_id": self.agent.id,
            }
        )
        self.assertEqual(Request.create({"amount": 5, "reason": "x"}).state, "draft")
        # submitted, it asks for every tier of the real amount
        request.with_user(self.agent).action_submit()
        self.assertEqual(request.review_ids.definition_id, self.tiers)
        self.assertEqual(len(request.review_ids), 3)

    def test_a_supervisor_cannot_make_themselves_reviewer(self):
        request = self._draft()
        request.with_user(self.agent).action_submit()
        last = request.review_ids.sorted("sequence")[-1]
        before = last.reviewer_ids
        self.assertNotIn(self.supervisor, before)
        for context in CONTEXTS:
            for vals in (
                {"reviewer_ids": [(4, self.supervisor.id)]},
                {"reviewer_ids": [(6, 0, self.supervisor.ids)]},
                {"status": "approved", "done_by": self.supervisor.id},
                {"sequence": 1},
                {"comment": "rewritten"},
                {"definition_id": self.tiers[0].id},
                {"res_id": request.id + 1},
            ):
                with self.assertRaises(AccessError, msg=(context, vals)):
                    last.with_user(self.supervisor).with_context(**context).write(vals)
        with self.assertRaises(AccessError):
            last.with_user(self.supervisor).unlink()
        with self.assertRaises(AccessError):
            self.env["tier.review"].with_user(self.supervisor).with_context(
                tc_trusted=True
            ).create(
                {
                    "model": request._name,
                    "res_id": request.id,
                    "definition_id": self.tiers[0].id,
                    "sequence": 9,
                }
            )
        # through the request's own field, or the user's side of the relation
        with self.assertRaises(AccessError):
            request.with_user(self.supervisor).write(
                {
                    "review_ids": [
                        (1, last.id, {"reviewer_ids": [(4, self.supervisor.id)]})
                    ]
                }
            )
        with self.assertRaises(AccessError):
            self.supervisor.with_user(self.supervisor).write(
                {"review_ids": [(4, last.id)]}
            )
        # nor by editing the tier definitions
        for user in (self.supervisor, self.manager, self.finance, self.agent):
            with self.assertRaises(AccessError, msg=user.login):
                self.tiers[2].with_user(user).write(
                    {"reviewer_group_id": self.env.ref("tc_care.group_supervisor").id}
                )
            with self.assertRaises(AccessError, msg=user.login):
                self.tiers[2].with_user(user).write({"definition_domain": "[]"})
        last.invalidate_recordset()
        self.assertEqual(last.reviewer_ids, before)
        self.assertEqual(len(request.review_ids), 3)
        self.assertEqual(
            set(request.review_ids.mapped("status")), {"pending", "waiting"}
        )


@tagged("post_install", "-at_install")
class TestAdjustmentAttacks(TcOrdersCase):
    def _submitted(self, amount=800, maker=None):
        maker = maker or self.agent
        request = self._request(maker, amount)
        request.with_user(maker).action_submit()
        return request

    def test_one_person_never_decides_two_tiers(self):
        request = self._submitted(800)
        # a manager is a supervisor too: they may take the first step...
        self._decide(request, self.manager)
        self._decide(request, self.finance)
        # ...but not the manager step of the same request
        self.assertNotIn(
            request,
            request.with_user(self.manager).search([("can_review", "=", True)]),
        )
        with self.assertRaisesRegex(UserError, "already decided"):
            self._decide(request, self.manager)
        with self.assertRaisesRegex(UserError, "already decided"):
            self._decide(request, self.manager, verb="reject")
        self.assertEqual(self._activity_users(request), self.manager2)
        self._decide(request, self.manager2)
        self.assertEqual(request.state, "approved")
        self.assertEqual(len(set(request.review_ids.mapped("done_by"))), 3)

    def test_a_supervisor_who_is_also_approver_decides_one_step(self):
        both = new_test_user(
            self.env,
            "o_both",
            groups="tc_care.group_supervisor,tc_orders.group_approver",
        )
        request = self._submitted(120)
        self._decide(request, both)
        statuses = request.review_ids.sorted("sequence").mapped("status")
        self.assertEqual(statuses, ["approved", "pending"])
        with self.assertRaisesRegex(UserError, "already decided"):
            self._decide(request, both)
        self.assertEqual(request.state, "to_approve")
        self._decide(request, self.finance)
        self.assertEqual(request.state, "approved")

    def test_the_comment_wizard_decides_only_the_users_current_step(self):
        request = self._submitted(800)
        other = self._submitted(30)
        first, finance_step, manager_step = request.review_ids.sorted("sequence")
        Wizard = self.env["comment.wizard"]

        def wizard(user, reviews, verb="validate", res=request, **context):
            return (
                Wizard.with_user(user)
                .with_context(**context)
                .create(
                    {
                        "res_model": res._name,
                        "res_id": res.id,
                        "review_ids": [(6, 0, reviews.ids)],
                        "validate_reject": verb,
                        "comment": "ok",
                    }
                )
            )

        # steps of another request, a later step, the maker, an unknown verb
        with self.assertRaises(AccessError):
            wizard(self.supervisor, other.review_ids).add_comment()
        with self.assertRaises(UserError):
            wizard(self.manager, manager_step, tc_trusted=True).add_comment()
        with self.assertRaises(UserError):
            wizard(self.finance, finance_step).add_comment()
        with self.assertRaises(UserError):
            wizard(self.agent, first).add_comment()
        with self.assertRaises(UserError):
            wizard(self.supervisor, first, verb="comment").add_comment()
        self.assertEqual(
            request.review_ids.sorted("sequence").mapped("status"),
            ["pending", "waiting", "waiting"],
        )
        self.assertFalse(request.review_ids.mapped("comment")[0])
        # every step named at once: only the user's current one is decided
        wizard(self.supervisor, request.review_ids).add_comment()
        self.assertEqual(
            request.review_ids.sorted("sequence").mapped("status"),
            ["approved", "pending", "waiting"],
        )
        self.assertEqual(other.review_ids.status, "pending")

    def test_the_maker_never_approves_their_own(self):
        request = self._submitted(30, maker=self.supervisor)
        for call in (
            "validate_tier",
            "reject_tier",
            "_validate_tier",
            "_rejected_tier",
        ):
            with self.assertRaises(UserError, msg=call):
                getattr(
                    request.with_user(self.supervisor).with_context(tc_trusted=True),
                    call,
                )()
        with self.assertRaises(UserError):
            self.env["comment.wizard"].with_user(self.supervisor).create(
                {
                    "res_model": request._name,
                    "res_id": request.id,
                    "review_ids": [(6, 0, request.review_ids.ids)],
                    "validate_reject": "validate",
                    "comment": "mine",
                }
            ).add_comment()
        self.assertEqual(request.review_ids.status, "pending")
        self.assertEqual(request.state, "to_approve")

    def test_posting_only_through_refund_posted(self):
        request = self._submitted(30)
        self._decide(request, self.supervisor)
        self.assertEqual(request.state, "approved")
        self.assertFalse(hasattr(request, "action_mark_posted"))
        for user in (self.agent, self.supervisor, self.manager, self.finance):
            with self.assertRaises(AccessError, msg=user.login):
                request.with_user(user).with_context(tc_trusted=True)._tc_mark_posted(
                    "CN-X"
                )
            for context in CONTEXTS:
                with self.assertRaises(UserError, msg=user.login):
                    request.with_user(user).with_context(**context).write(
                        {"state": "posted"}
                    )
                with self.assertRaises(UserError, msg=user.login):
                    request.with_user(user).with_context(**context).write(
                        {"posting_ref": "CN-X", "posted_at": "2026-01-01 00:00:00"}
                    )
        self.assertEqual(
            db_row(request, "state", "posting_ref", "posted_at"),
            ("approved", None, None),
        )
        # the integration (RefundPosted handler) runs as the superuser
        request.sudo()._tc_mark_posted("CN-1")
        self.assertEqual(db_row(request, "state", "posting_ref"), ("posted", "CN-1"))

    def test_oca_public_methods_are_not_a_back_door(self):
        request = self._submitted(800)
        self._decide(request, self.supervisor)
        for user in (self.agent, self.supervisor, self.finance, self.manager):
            for method in ("restart_validation", "request_validation"):
                with self.assertRaises(AccessError, msg=(user.login, method)):
                    getattr(
                        request.with_user(user).with_context(
                            skip_check_state_condition=True
                        ),
                        method,
                    )()
        draft = self._request(self.agent, 800)
        with self.assertRaises(AccessError):
            draft.with_user(self.agent).with_context(
                skip_check_state_condition=True
            ).request_validation()
        self.assertFalse(draft.review_ids)
        self.assertEqual(
            request.review_ids.sorted("sequence").mapped("status"),
            ["approved", "pending", "waiting"],
        )
        # OCA's Request / Restart Validation buttons are not offered
        arch = request.with_user(self.agent).get_view(view_type="form")["arch"]
        arch = arch.decode() if isinstance(arch, bytes) else arch
        self.assertNotIn("restart_validation", arch)
        self.assertNotIn("request_validation", arch)

    def test_reset_to_draft_drops_every_approval(self):
        """Approvals of a smaller amount never carry over to a larger one."""
        request = self._submitted(120)
        self._decide(request, self.supervisor)
        request.with_user(self.agent).action_reset_to_draft()
        self.assertFalse(request.review_ids)
        request.with_user(self.agent).write({"amount": 10000})
        request.with_user(self.agent).action_submit()
        self.assertEqual(
            request.review_ids.sorted("sequence").mapped("status"),
            ["pending", "waiting", "waiting"],
        )
        self.assertFalse(request.review_ids.done_by)

    def test_only_the_maker_moves_their_request(self):
        draft = self._request(self.agent, 30)
        for user in (self.agent2, self.supervisor, self.manager, self.finance):
            with self.assertRaises(AccessError, msg=user.login):
                draft.with_user(user).write({"amount": 3000})
            for method in ("action_submit", "action_cancel", "action_reset_to_draft"):
                with self.assertRaises(AccessError, msg=(user.login, method)):
                    getattr(draft.with_user(user), method)()
        submitted = self._submitted(30)
        for user in (self.supervisor, self.manager, self.finance):
            with self.assertRaises(AccessError, msg=user.login):
                submitted.with_user(user).action_reset_to_draft()
            with self.assertRaises(AccessError, msg=user.login):
                submitted.with_user(user).action_cancel()
        self.assertEqual(db_row(draft, "state", "amount"), ("draft", 30.0))
        self.assertEqual(submitted.state, "to_approve")

    def test_nobody_deletes_a_request(self):
        request = self._submitted(30)
        draft = self._request(self.agent, 30)
        for user in (self.agent, self.supervisor, self.manager, self.finance):
            for record in (request, draft):
                with self.assertRaises(AccessError, msg=user.login):
                    record.with_user(user).unlink()
        self.assertTrue(request.exists() and draft.exists())
        self.assertEqual(len(request.review_ids), 1)

    def test_system_fields_and_relations_are_not_client_values(self):
        request = self._submitted(30)
        for vals in (
            {"validation_status": "validated"},
            {"approved_at": "2026-01-01 00:00:00"},
            {"submitted_at": False},
            {"name": "ADJ/2026/00001"},
            {
                "message_follower_ids": [
                    (0, 0, {"partner_id": self.agent.partner_id.id})
                ]
            },
            {"message_partner_ids": [(4, self.agent2.partner_id.id)]},
        ):
            with self.assertRaises(AccessError, msg=vals):
                request.with_user(self.agent).write(vals)
        self.assertEqual(request.validation_status, "pending")
        # a copy starts over as the copier's own draft
        self._decide(request, self.supervisor)
        copy = request.with_user(self.agent2).copy()
        self.assertEqual(
            (copy.state, copy.maker_id, copy.review_ids.ids, copy.amount_company),
            ("draft", self.agent2, [], 30.0),
        )

    def test_a_request_notes_itself_only_on_a_case_the_maker_reads(self):
        other_team = self.env["helpdesk.ticket.team"].create({"name": "Other team"})
        foreign = self.env["helpdesk.ticket"].create(
            {"name": "Not yours", "description": "x", "team_id": other_team.id}
        )
        with self.assertRaises(AccessError):
            self._request(self.agent, 30, ticket_id=foreign.id)
        draft = self._request(self.agent, 30, ticket_id=False)
        with self.assertRaises(AccessError):
            draft.with_user(self.agent).write({"ticket_id": foreign.id})
        self.assertFalse(foreign.tc_timeline_ids.filtered(lambda t: "ADJ/" in t.name))

    def test_a_currency_without_rate_cannot_pick_the_tiers(self):
        currency = self.env["res.currency"].create(
            {"name": "TCX", "symbol": "X", "active": True}
        )
        with self.assertRaises(ValidationError):
            self._request(self.agent, 400, currency_id=currency.id)

    def test_who_sees_the_approval_steps(self):
        request = self._submitted(800)
        portal = new_test_user(self.env, "o_portal", groups="base.group_portal")
        tech = new_test_user(self.env, "o_tech", groups="base.group_user")
        domain = [("model", "=", request._name), ("res_id", "=", request.id)]
        for user in (portal, tech):
            self.assertFalse(
                self.env["tier.review"].with_user(user).search(domain), user.login
            )
            self.assertFalse(
                self.env["tier.definition"]
                .with_user(user)
                .search([("model", "=", request._name)]),
                user.login,
            )
            with self.assertRaises(AccessError):
                request.review_ids.with_user(user).read(["comment"])
        for user in (self.agent, self.finance):
            self.assertEqual(
                self.env["tier.review"].with_user(user).search(domain),
                request.review_ids,
            )

    def test_case_buttons_are_for_the_care_team(self):
        portal = new_test_user(self.env, "o_portal", groups="base.group_portal")
        self.ticket.message_subscribe(partner_ids=portal.partner_id.ids)
        for method in ("action_tc_request_adjustment", "action_tc_view_adjustments"):
            with self.assertRaises(AccessError):
                getattr(self.ticket.with_user(portal), method)()
        self.assertTrue(self.ticket.with_user(self.agent).action_tc_view_adjustments())


@tagged("post_install", "-at_install")
class TestOrderReviewAttacks(TcOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reviewer = new_test_user(
            cls.env, "o_rev", groups="tc_orders.group_order_reviewer"
        )
        cls.reviewer2 = new_test_user(
            cls.env, "o_rev2", groups="tc_orders.group_order_reviewer"
        )
        cls.reason = cls.env.ref("tc_orders.reason_fraud")

    def _vals(self, ref="ORD-1"):
        return {
            "order_ref": ref,
            "partner_id": self.customer.id,
            "requested_plan": "Fibre",
            "reason_ids": [(6, 0, self.reason.ids)],
            "evidence": "card abroad",
        }

    def _review(self):
        # as the orders service (OrderNeedsReview) or the partner API create it
        return self.env["tc.order.review"].create(self._vals())

    def test_people_do_not_create_reviews(self):
        """A person-made review of any order would let its maker release that order."""
        held = self._review()
        for user in (self.reviewer, self.supervisor, self.manager, self.agent):
            for context in CONTEXTS:
                with self.assertRaises(AccessError, msg=(user.login, context)):
                    self.env["tc.order.review"].with_user(user).with_context(
                        **context
                    ).create(self._vals("ORD-2"))
            with self.assertRaises(AccessError, msg=user.login):
                held.with_user(user).copy()
        self.assertEqual(
            self.env["tc.order.review"].search_count([("order_ref", "=", "ORD-2")]), 0
        )

    def test_system_fields_are_not_client_values(self):
        other_case = self.ticket
        review = self._review()
        for context in CONTEXTS:
            for vals in (
                {"decision_reason": "rewritten"},
                {"ticket_id": other_case.id},
                {"claimed_at": False},
                {"name": "REV/OTHER"},
                {
                    "message_follower_ids": [
                        (0, 0, {"partner_id": self.agent.partner_id.id})
                    ]
                },
            ):
                with self.assertRaises(AccessError, msg=(context, vals)):
                    review.with_user(self.reviewer).with_context(**context).write(vals)
        self.assertEqual(
            db_row(review, "decision_reason", "ticket_id", "claimed_at"),
            (None, review.ticket_id.id, None),
        )
        self.assertNotEqual(review.ticket_id, other_case)

    def test_the_order_under_review_cannot_be_swapped(self):
        review = self._review()
        review.with_user(self.reviewer).action_claim()
        for vals in (
            {"order_ref": "ORD-OTHER"},
            {"partner_id": self.agent.partner_id.id},
            {"evidence": "all good"},
            {"reason_ids": [(5, 0, 0)]},
        ):
            with self.assertRaises(UserError, msg=vals):
                review.with_user(self.reviewer).with_context(tc_trusted=True).write(
                    vals
                )
        review.with_user(self.reviewer).action_decide("approved", "checked")
        with self.assertRaisesRegex(UserError, "decided"):
            review.with_user(self.supervisor).write({"location_id": False})
        self.assertEqual(
            db_row(review, "order_ref", "state", "decision_reason"),
            ("ORD-1", "approved", "checked"),
        )

    def test_buttons_check_the_role_and_the_arguments(self):
        review = self._review()
        for method in ("action_claim", "action_release", "action_open_decide_wizard"):
            with self.assertRaises(AccessError, msg=method):
                getattr(review.with_user(self.agent), method)()
        with self.assertRaises(AccessError):
            review.with_user(self.agent).action_decide("approved", "x")
        review.with_user(self.reviewer).action_claim()
        for decision, reason in (
            (["approved"], "x"),
            ({"approved": 1}, "x"),
            ("approved", {"text": "x"}),
            ("approved", ["x"]),
            ("posted", "x"),
        ):
            with self.assertRaises(UserError, msg=(decision, reason)):
                review.with_user(self.reviewer).action_decide(decision, reason)
        with self.assertRaises(UserError):
            review.with_user(self.reviewer2).action_decide("approved", "mine now")
        self.assertEqual(
            db_row(review, "state", "reviewer_id"), ("in_review", self.reviewer.id)
        )

    def test_nobody_deletes_a_review(self):
        review = self._review()
        for user in (self.reviewer, self.supervisor, self.manager):
            with self.assertRaises(AccessError, msg=user.login):
                review.with_user(user).unlink()
        self.assertTrue(review.exists())
