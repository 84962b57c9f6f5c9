# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.tc_orders.tests.common import TcOrdersCase

from ..lib import command_schemas
from ..testing.dataplane import DataPlanePeer, closed_port
from .common import tc_settings, trap_jobs


@tagged("post_install", "-at_install")
class TestCommands(TcOrdersCase):
    """Commands go to a real local HTTP peer (testing/dataplane.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peer = DataPlanePeer(token="tok-cmd", tenant_id="isp-1").start()
        cls.addClassCleanup(cls.peer.stop)

    def _settings(self, base_url=None):
        return tc_settings(
            tc_api_base_url=base_url or self.peer.base_url,
            tc_api_token="tok-cmd",
            tc_tenant_id="isp-1",
        )

    def _decided_review(self, ref="ORD-C1"):
        review = self.env["tc.order.review"].create(
            {
                "order_ref": ref,
                "partner_id": self.customer.id,
                "requested_plan": "Fiber",
                "reason_ids": [
                    (6, 0, self.env["tc.order.review.reason"].search([], limit=1).ids)
                ],
            }
        )
        with trap_jobs() as trap:
            review.with_user(self.supervisor).action_decide("approved", "coverage ok")
            command = self.env["tc.command"].search(
                [("res_id", "=", review.id), ("res_model", "=", review._name)]
            )
            self.assertEqual(command.name, "ApproveOrderReview")
            trap.assert_jobs_count(1, only=command._tc_job_send)
        return review, command

    def test_decision_is_sent_once_with_its_key(self):
        self.peer.requests.clear()
        review, command = self._decided_review()
        self.assertEqual(command.state, "pending")
        self.assertEqual(command.ticket_id, review.ticket_id)
        with self._settings():
            self.assertEqual(command._tc_job_send(), "acked")
            # at-least-once: a second run of the job sends nothing
            self.assertIn("nothing to do", command._tc_job_send())
        sent = self.peer.requests_to("/commands")
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0].headers["idempotency-key"], command.idempotency_key)
        self.assertEqual(sent[0].headers["x-correlation-id"], command.correlation_id)
        self.assertEqual(sent[0].headers["authorization"], "Bearer tok-cmd")
        body = sent[0].json()
        self.assertEqual(body["type"], "ApproveOrderReview")
        self.assertEqual(body["payload"]["case_id"], review.ticket_id.id)
        self.assertEqual(body["payload"]["order_id"], "ORD-C1")
        self.assertEqual(command.state, "acked")
        self.assertTrue(command.remote_command_id)
        self.assertIn(
            "ApproveOrderReview acknowledged",
            review.ticket_id.tc_timeline_ids.mapped("name"),
        )

    def test_5xx_retries_with_the_same_key_then_acks(self):
        self.peer.requests.clear()
        _review, command = self._decided_review("ORD-C2")
        self.peer.script(
            "POST", "/commands", 503, {"error": "busy"}, headers={"Retry-After": "7"}
        )
        with self._settings(), trap_jobs() as trap:
            before = fields.Datetime.now()
            self.assertEqual(command._tc_job_send(), "retry")
            self.assertEqual(command.attempts, 1)
            self.assertEqual(command.http_status, 503)
            self.assertIn("503", command.last_error)
            # a command's backoff starts at 20 s (plus up to 50 % jitter)
            wait = command.next_attempt_at - before
            self.assertGreaterEqual(wait, timedelta(seconds=20))
            self.assertLessEqual(wait, timedelta(seconds=32))
            trap.assert_jobs_count(1, only=command._tc_job_send)
            trap.perform_enqueued_jobs()
        self.assertEqual(command.state, "acked")
        keys = {
            r.headers["idempotency-key"] for r in self.peer.requests_to("/commands")
        }
        self.assertEqual(keys, {command.idempotency_key})

    def test_409_already_applied_is_acked(self):
        _review, command = self._decided_review("ORD-C3")
        self.peer.script(
            "POST", "/commands", 409, {"command_id": "cmd_x", "status": "completed"}
        )
        with self._settings():
            self.assertEqual(command._tc_job_send(), "acked")
        self.assertEqual(command.http_status, 409)

    def test_4xx_fails_for_a_human(self):
        review, command = self._decided_review("ORD-C4")
        self.peer.script(
            "POST",
            "/commands",
            422,
            {"error": {"code": "invalid", "message": "unknown order"}},
        )
        with self._settings(), trap_jobs() as trap:
            self.assertEqual(command._tc_job_send(), "failed")
            trap.assert_jobs_count(0)
        self.assertIn("unknown order", command.last_error)
        self.assertTrue(
            review.ticket_id.activity_ids.filtered(lambda a: "refused" in a.summary)
        )
        # the operator fixes the cause and resends: same key
        with self._settings(), trap_jobs() as trap:
            command.action_retry()
            trap.perform_enqueued_jobs()
        self.assertEqual(command.state, "acked")

    def test_timeouts_and_unreachable_end_dead_with_a_case(self):
        # Odoo's test harness raises request timeouts below 10 s to 10 s
        _review, command = self._decided_review("ORD-C5")
        self.env["ir.config_parameter"].set_param(
            "tc_integrations.command_timeout", "0.3"
        )
        self.peer.script("POST", "/commands", 200, {"ok": True}, delay=10.5)
        with self._settings(), trap_jobs():
            self.assertEqual(command._tc_job_send(), "retry")
            self.assertIn("timed out", command.last_error)
        self.assertEqual(command._tc_max_attempts, 8)
        command.attempts = command._tc_max_attempts - 1
        with self._settings("http://127.0.0.1:%d" % closed_port()), trap_jobs() as trap:
            self.assertEqual(command._tc_job_send(), "dead")
            trap.assert_jobs_count(0)
        self.assertIn("cannot reach", command.last_error)
        self.assertTrue(
            command.ticket_id.activity_ids.filtered(lambda a: "gave up" in a.summary)
        )

    def test_the_sent_payload_matches_its_schema(self):
        self.peer.requests.clear()
        _review, command = self._decided_review("ORD-C7")
        with self._settings():
            command._tc_job_send()
        body = self.peer.requests_to("/commands")[0].json()
        self.assertEqual(command_schemas.problems(body["type"], body["payload"]), [])

    def test_command_path_by_type(self):
        """tc_command_path = type: POST {base}/commands/<type>, the payload as body;
        an unknown value is a configuration error told in the command, not a send."""
        self.peer.requests.clear()
        _review, command = self._decided_review("ORD-C9")
        with self._settings(), tc_settings(tc_command_path="sideways"):
            self.assertEqual(command._tc_job_send(), "retry")
        self.assertIn("tc_command_path", command.last_error)
        self.assertFalse(self.peer.requests)
        with self._settings(), tc_settings(tc_command_path="type"):
            self.assertEqual(command._tc_job_send(), "acked")
        (sent,) = self.peer.requests_to("/commands/ApproveOrderReview")
        self.assertEqual(sent.json()["order_id"], "ORD-C9")
        self.assertEqual(sent.headers["idempotency-key"], command.idempotency_key)

    def test_a_payload_off_its_schema_is_never_queued(self):
        """docs/commands.md: the outbox refuses it, the person reads why, and their
        decision is not saved (nothing is lost: they correct it and decide again)."""
        review = self.env["tc.order.review"].create(
            {
                "order_ref": "ORD-C8",
                "partner_id": self.customer.id,
                "requested_plan": "Fiber",
                "reason_ids": [
                    (6, 0, self.env["tc.order.review.reason"].search([], limit=1).ids)
                ],
            }
        )
        before = self.env["tc.command"].search_count([])
        with (
            trap_jobs() as trap,
            self.assertRaisesRegex(UserError, r"reason: .* is too long") as error,
            self.env.cr.savepoint(),
        ):
            review.with_user(self.supervisor).action_decide("rejected", "x" * 4001)
        self.assertIn("RejectOrderReview cannot be sent", str(error.exception))
        self.assertIn("nothing was saved", str(error.exception))
        trap.assert_jobs_count(0)
        self.assertEqual(self.env["tc.command"].search_count([]), before)
        self.assertFalse(review.decision_reason)
        with self.assertRaisesRegex(UserError, "unknown command type"):
            self.env["tc.command"]._tc_enqueue("DropEverything", {})

    def test_rolled_back_decision_sends_nothing(self):
        review = self.env["tc.order.review"].create(
            {
                "order_ref": "ORD-C6",
                "partner_id": self.customer.id,
                "requested_plan": "Fiber",
                "reason_ids": [
                    (6, 0, self.env["tc.order.review.reason"].search([], limit=1).ids)
                ],
            }
        )
        before = self.env["tc.command"].search_count([])
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            review.with_user(self.supervisor).action_decide("rejected", "no coverage")
            raise ZeroDivisionError
        self.assertEqual(self.env["tc.command"].search_count([]), before)
