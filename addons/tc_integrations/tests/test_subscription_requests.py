# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Suspend / resume a subscription: maker-checker, sent once after approval,
confirmed by the subscription service's event (against the data-plane peer in its
non-idempotent mode, with injected faults)."""

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.tc_orders.tests.common import TcOrdersCase

from ..testing.dataplane import DataPlanePeer
from .common import PeerTimeouts, event, tc_settings, trap_jobs
from .test_handlers import IngestMixin


@tagged("post_install", "-at_install")
class TestSubscriptionRequests(PeerTimeouts, IngestMixin, TcOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peer = DataPlanePeer(
            token="tok-sub", idempotent=False, fault_delay=1.0
        ).start()
        cls.addClassCleanup(cls.peer.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "tc_integrations.command_timeout", "0.4"
        )
        cls.ticket.write({"tc_subscription_ref": "SUB-42"})

    def _settings(self):
        return tc_settings(tc_api_base_url=self.peer.base_url, tc_api_token="tok-sub")

    def _new(self, user=None, action="suspend", reason="chargeback"):
        return (
            self.env["tc.subscription.request"]
            .with_user(user or self.agent)
            .create(
                {
                    "action": action,
                    "subscription_ref": "SUB-42",
                    "reason": reason,
                    "note": "chargeback CB-9 on the last two invoices",
                    "ticket_id": self.ticket.id,
                }
            )
        )

    def _approved(self, maker=None, approver=None, **kw):
        request = self._new(maker, **kw)
        request.with_user(maker or self.agent).action_submit()
        with trap_jobs():
            self._decide(request, approver or self.supervisor, comment="evidence ok")
        self.assertEqual(request.state, "approved")
        return request

    def _command(self, request):
        return self.env["tc.command"].search(
            [("res_model", "=", request._name), ("res_id", "=", request.id)]
        )

    def _effects(self, command_type="SuspendSubscription"):
        return [
            e
            for e in self.peer.effects_of(command_type)
            if e.payload.get("request_ref", "").startswith("SSR/")
        ]

    def test_sent_once_after_the_supervisor_approves(self):
        self.peer.effects.clear()
        request = self._new()
        self.assertEqual(request.maker_id, self.agent)
        request.with_user(self.agent).action_submit()
        self.assertEqual(request.state, "to_approve")
        # nothing is queued before the approval
        self.assertFalse(self._command(request))
        with trap_jobs():
            self._decide(request, self.supervisor, comment="evidence ok")
        command = self._command(request)
        self.assertEqual(command.name, "SuspendSubscription")
        self.assertEqual(
            command.idempotency_key, f"subscription-request/{request.name}/suspend"
        )
        with self._settings():
            self.assertEqual(command._tc_job_send(), "acked")
            self.assertIn("nothing to do", command._tc_job_send())
        (effect,) = self._effects()
        self.assertEqual(
            effect.payload,
            {
                "request_ref": request.name,
                "subscription_id": "SUB-42",
                "reason": "chargeback",
                "note": "chargeback CB-9 on the last two invoices",
                "requested_by": "tc_t_agent",
                "approved_by": ["tc_t_supervisor"],
                "case_id": self.ticket.id,
            },
        )
        self.assertIn("Accepted (cmd_", request.answer)
        # the service's answer is not the subscription's state: the event is
        self.assertEqual(request.state, "approved")
        stored = self._run(
            event(
                "evt_susp_1",
                "SubscriptionSuspended",
                subscription_id="SUB-42",
                request_ref=request.name,
            )
        )
        self.assertEqual(stored.state, "done")
        self.assertEqual(request.state, "confirmed")
        self.assertEqual(request.confirmed_by_event, "evt_susp_1")
        self.assertIn(
            "SubscriptionSuspended: subscription SUB-42 suspended (%s)" % request.name,
            self.ticket.tc_timeline_ids.mapped("name"),
        )
        # the event again (at least once) changes nothing
        again = self._run(
            event(
                "evt_susp_2",
                "SubscriptionSuspended",
                subscription_id="SUB-42",
                request_ref=request.name,
            )
        )
        self.assertIn("already confirmed", again.state_reason)

    def test_injected_faults_one_suspension_at_the_receiver(self):
        for fault in ("fail_before", "fail_after", "timeout_before", "timeout_after"):
            with self.subTest(fault=fault):
                self.peer.effects.clear()
                request = self._approved()
                command = self._command(request)
                self.peer.inject(fault, command_type="SuspendSubscription")
                with self._settings(), trap_jobs():
                    self.assertEqual(command._tc_job_send(), "retry")
                    # the retry (same key) finds the effect, or makes it once
                    self.assertEqual(command._tc_job_send(), "acked")
                    self.assertIn("nothing to do", command._tc_job_send())
                effects = self._effects()
                self.assertEqual(len(effects), 1, fault)
                self.assertEqual(effects[0].idempotency_key, command.idempotency_key)

    def test_the_maker_never_approves(self):
        # a supervisor is the maker: the approval step does not list them, the
        # buttons, the wizard and OCA's methods refuse them
        request = self._new(self.supervisor)
        request.with_user(self.supervisor).action_submit()
        review = request.review_ids
        self.assertEqual(len(review), 1)
        self.assertNotIn(self.supervisor, review.reviewer_ids)
        mine = request.with_user(self.supervisor)
        with self.assertRaisesRegex(UserError, "yourself"):
            mine.validate_tier()
        with self.assertRaisesRegex(UserError, "yourself"):
            mine._validate_tier()
        with self.assertRaises(AccessError):
            review.with_user(self.supervisor).write({"status": "approved"})
        with self.assertRaises(UserError):
            mine.write({"state": "approved"})
        with self.assertRaises(AccessError):
            mine.request_validation()
        self.assertEqual(request.state, "to_approve")
        self.assertFalse(self._command(request))
        # an agent is no approver either
        with self.assertRaisesRegex(UserError, "no approval step"):
            self._decide(request, self.agent2)
        self.assertEqual(request.state, "to_approve")
        # another supervisor is
        with trap_jobs():
            self._decide(request, self.supervisor2, comment="ok")
        self.assertEqual(request.state, "approved")
        self.assertEqual(self._command(request).name, "SuspendSubscription")

    def test_the_supervisor_step_is_required(self):
        # a manager edits the rule to let the finance approvers decide instead
        tier = self.env.ref("tc_orders.tier_subscription_supervisor")
        tier.reviewer_group_id = self.env.ref("tc_orders.group_approver")
        request = self._new()
        # (Odoo's assertRaises rolls back to a savepoint, as the request would)
        with self.assertRaises(UserError) as refused:
            request.with_user(self.agent).action_submit()
        self.assertIn("supervisor approval step", str(refused.exception))
        request.invalidate_recordset()
        self.assertEqual(request.state, "draft")
        # or archives it
        tier.write(
            {
                "reviewer_group_id": self.env.ref("tc_care.group_supervisor").id,
                "active": False,
            }
        )
        with self.assertRaises(UserError) as refused:
            request.with_user(self.agent).action_submit()
        self.assertIn("No approval rule applies", str(refused.exception))
        request.invalidate_recordset()
        self.assertEqual(request.state, "draft")
        self.assertFalse(self._command(request))

    def test_the_case_names_the_subscription(self):
        request = self._new()
        request.with_user(self.agent).write({"subscription_ref": "SUB-OTHER"})
        with self.assertRaises(UserError) as refused:
            request.with_user(self.agent).action_submit()
        self.assertIn("is about subscription SUB-42", str(refused.exception))
        request.invalidate_recordset()
        self.assertEqual(request.state, "draft")
        # no case: the database refuses it (a person gets Odoo's "missing required
        # field" message)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self.env["tc.subscription.request"].with_user(self.agent).create(
                {"action": "suspend", "subscription_ref": "SUB-42", "reason": "other"}
            )

    def test_rejected_or_cancelled_sends_nothing(self):
        request = self._new()
        request.with_user(self.agent).action_submit()
        self._decide(request, self.supervisor, verb="reject", comment="no evidence")
        self.assertEqual(request.state, "rejected")
        self.assertFalse(self._command(request))
        with self.assertRaisesRegex(UserError, "draft"):
            request.with_user(self.agent).write({"subscription_ref": "SUB-1"})

    def test_resume_and_events_without_a_request(self):
        self.peer.effects.clear()
        request = self._approved(action="resume", reason="customer_request")
        command = self._command(request)
        self.assertEqual(command.name, "ResumeSubscription")
        with self._settings():
            command._tc_job_send()
        self.assertEqual(len(self._effects("ResumeSubscription")), 1)
        # the event may not name the request: the approved one is confirmed
        self._run(event("evt_res_1", "SubscriptionResumed", subscription_id="SUB-42"))
        self.assertEqual(request.state, "confirmed")
        # a suspension the service made on its own: the case is told, no state
        stored = self._run(
            event("evt_susp_own", "SubscriptionSuspended", subscription_id="SUB-42")
        )
        self.assertIn("No approved request", stored.state_reason)
        # a request TC never made fails at once, for a person
        bogus = self._run(
            event(
                "evt_susp_bogus",
                "SubscriptionSuspended",
                subscription_id="SUB-42",
                request_ref="SSR/1999/00001",
            )
        )
        self.assertEqual(bogus.state, "failed")
        self.assertIn("never made", bogus.last_error)

    def test_refused_suspension_is_shown_on_the_request(self):
        request = self._approved()
        command = self._command(request)
        self.peer.script(
            "POST",
            "/commands",
            422,
            {"error": {"code": "already_suspended", "message": "already suspended"}},
        )
        with self._settings():
            self.assertEqual(command._tc_job_send(), "failed")
        self.assertIn("Refused (HTTP 422)", request.answer)
        self.assertEqual(request.state, "approved")
