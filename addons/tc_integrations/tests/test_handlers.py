# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from odoo.addons.tc_orders.tests.common import TcOrdersCase

from .common import event, trap_jobs


class IngestMixin:
    def _run(self, payload):
        """Ingest as the webhook does, then run the queued job."""
        with trap_jobs() as trap:
            stored, created = self.env["tc.event"]._tc_ingest(payload)
            self.assertTrue(created)
            trap.assert_jobs_count(1, only=stored._tc_job_process)
            trap.perform_enqueued_jobs()
        stored.invalidate_recordset()
        return stored


@tagged("post_install", "-at_install")
class TestHandlers(IngestMixin, TcOrdersCase):
    def test_order_needs_review_creates_review_and_case_once(self):
        payload = event(
            "evt_onr",
            "OrderNeedsReview",
            order_id="ORD-77",
            requested_plan="Fiber 1G",
            reasons=["fraud", "bogus"],
            customer={"ref": "CUST-77", "name": "Ada"},
        )
        stored = self._run(payload)
        self.assertEqual(stored.state, "done")
        review = self.env["tc.order.review"].search([("order_ref", "=", "ORD-77")])
        self.assertEqual(len(review), 1)
        self.assertEqual(review.reason_ids.mapped("code"), ["fraud"])
        self.assertEqual(review.partner_id.ref, "CUST-77")
        case = review.ticket_id
        self.assertEqual(case.tc_correlation_id, "corr-evt_onr")
        self.assertEqual(stored.ticket_ids, case)
        entry = case.tc_timeline_ids.filtered(lambda t: t.kind == "event")
        self.assertEqual(entry.res_id, stored.id)
        self.assertEqual(entry.correlation_id, "corr-evt_onr")
        # at-least-once: the same job again does nothing
        self.assertIn("nothing to do", stored._tc_job_process())
        self.assertEqual(
            self.env["tc.order.review"].search_count([("order_ref", "=", "ORD-77")]), 1
        )
        # a new event about the same open order only adds to the timeline
        again = self._run(dict(payload, id="evt_onr2"))
        self.assertIn("already open", again.state_reason)
        self.assertEqual(
            self.env["tc.order.review"].search_count([("order_ref", "=", "ORD-77")]), 1
        )

    def test_payment_confirmed_resolves_the_dispute(self):
        dispute = self.env["helpdesk.ticket"].create(
            {
                "name": "Disputed payment",
                "description": "x",
                "partner_id": self.customer.id,
                "type_id": self.env.ref("tc_care.type_payment_dispute").id,
                "tc_payment_ref": "PAY-9",
            }
        )
        stored = self._run(event("evt_pay", "PaymentConfirmed", payment_id="PAY-9"))
        self.assertEqual(stored.state, "done")
        self.assertTrue(dispute.stage_id.closed)
        self.assertIn(dispute, stored.ticket_ids)

    def test_provisioning_failed_opens_case_runs_diagnostics_and_proposes_dispatch(
        self,
    ):
        Project = self.env["project.project"]
        if not Project.search_count([("tc_is_field_ops", "=", True)]):
            Project.create({"name": "Field operations", "tc_is_field_ops": True})
        ont = self.env["tc.equipment"].create(
            {
                "kind": "ont",
                "vendor": "Huawei",
                "serial": "HWTC1234",
                "mac": "aa:bb:cc:00:11:22",
            }
        )
        stored = self._run(
            event(
                "evt_pf",
                "ProvisioningFailed",
                job_id="PJ-1",
                order_id="ORD-1",
                error="OMCI timeout",
                equipment={"mac": "AA-BB-CC-00-11-22"},
            )
        )
        self.assertEqual(stored.state, "done", stored.last_error)
        case = stored.ticket_ids
        self.assertEqual(case.type_id.tc_code, "provisioning_failure")
        self.assertEqual(case.tc_provisioning_job_ref, "PJ-1")
        self.assertEqual(case.tc_equipment_id, ont)
        self.assertEqual(case.tc_waiting_for, "Field dispatch")
        # a repair job waits in the dispatch queue of tc_fieldops
        job = case.tc_job_ids
        self.assertEqual(len(job), 1)
        self.assertEqual((job.tc_job_type, job.tc_job_state), ("repair", "to_schedule"))
        self.assertIn("remote diagnostics of ONT", job.tc_dispatch_notes or "")
        kinds = set(case.tc_timeline_ids.mapped("kind"))
        self.assertTrue({"event", "diagnostic", "note", "field_job"} <= kinds, kinds)
        # replay of the same failure (new event id) does not open a second case
        self._run(dict(event("evt_pf2", "ProvisioningFailed", job_id="PJ-1")))
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("tc_provisioning_job_ref", "=", "PJ-1")]
            ),
            1,
        )

    def test_dispatch_without_field_project_is_an_activity(self):
        self.env["project.project"].search([("tc_is_field_ops", "=", True)]).write(
            {"tc_is_field_ops": False}
        )
        stored = self._run(
            event("evt_pf_nf", "ProvisioningFailed", job_id="PJ-NF", error="LOS")
        )
        self.assertEqual(stored.state, "done", stored.last_error)
        case = stored.ticket_ids
        self.assertFalse(case.tc_job_ids)
        self.assertEqual(case.tc_waiting_for, "Field dispatch")
        self.assertTrue(case.activity_ids.filtered(lambda a: "Dispatch" in a.summary))

    def test_service_activated_closes_the_case(self):
        case = self.env["helpdesk.ticket"].create(
            {
                "name": "Install",
                "description": "x",
                "partner_id": self.customer.id,
                "tc_provisioning_job_ref": "PJ-2",
            }
        )
        stored = self._run(event("evt_sa", "ServiceActivated", job_id="PJ-2"))
        self.assertEqual(stored.state, "done")
        self.assertTrue(case.stage_id.closed)

    def test_refund_posted_before_approval_waits_then_posts(self):
        request = self._request(self.agent, 20)
        request.with_user(self.agent).action_submit()
        stored = self._run(
            event(
                "evt_rp",
                "RefundPosted",
                adjustment_ref=request.name,
                posting_ref="CN-1",
            )
        )
        self.assertEqual(stored.state, "deferred")
        self.assertIn("not approved yet", stored.state_reason)
        self.assertIn("not approved yet", self.ticket.tc_waiting_for)
        # approval writes the outbox command in the same transaction
        with trap_jobs() as trap:
            self._decide(request, self.supervisor)
            self.assertEqual(request.state, "approved")
            command = self.env["tc.command"].search(
                [("res_model", "=", request._name), ("res_id", "=", request.id)]
            )
            self.assertEqual(command.name, "PostAdjustment")
            trap.assert_jobs_count(1, only=command._tc_job_send)
        # the deferred event is retried later (its job, or the cron)
        with trap_jobs() as trap:
            stored._tc_job_process()
            trap.assert_jobs_count(0)
        self.assertEqual(stored.state, "done")
        self.assertEqual(request.state, "posted")
        self.assertEqual(request.posting_ref, "CN-1")
        self.assertTrue(self.ticket.stage_id.closed)

    def test_failing_handler_retries_then_fails_with_a_case(self):
        max_attempts = self.env["tc.event"]._tc_max_attempts
        self.assertEqual(max_attempts, 5)
        # a failure a retry may fix: the handler breaks on something passing
        broken = patch.object(
            type(self.env["tc.event.handler"]),
            "_equipment",
            side_effect=RuntimeError("device registry unavailable"),
        )
        with broken, trap_jobs() as trap:
            stored, _created = self.env["tc.event"]._tc_ingest(
                event("evt_bad", "ProvisioningFailed", job_id="PJ-BAD")
            )
            for attempt in range(1, max_attempts):
                before = fields.Datetime.now()
                trap.perform_enqueued_jobs()
                self.assertEqual(stored.state, "retry")
                self.assertEqual(stored.attempts, attempt)
                self.assertIn("device registry unavailable", stored.last_error)
                # an event's backoff: 30 s doubled per attempt, plus up to 50 %
                wait = stored.next_attempt_at - before
                base = timedelta(seconds=30 * 2 ** (attempt - 1))
                self.assertGreaterEqual(wait, base)
                self.assertLessEqual(wait, base * 1.5 + timedelta(seconds=2))
                trap.assert_jobs_count(1)  # the next attempt is queued with an eta
            trap.perform_enqueued_jobs()
        self.assertEqual(stored.state, "failed")
        self.assertEqual(stored.attempts, max_attempts)
        self.assertEqual(stored.state_reason, "Failed: needs a person")
        case = stored.ticket_ids
        self.assertEqual(case.type_id.tc_code, "provisioning_failure")
        self.assertIn("evt_bad", case.name)
        # an operator retries it, then ignores it with a reason (audited)
        with trap_jobs() as trap:
            stored.action_retry()
            trap.assert_jobs_count(1)
        self.assertEqual(stored.state, "pending")
        wizard = (
            self.env["tc.integration.ignore"]
            .with_context(active_model="tc.event", active_ids=stored.ids)
            .create({"reason": "sender bug, fixed upstream"})
        )
        wizard.action_confirm()
        self.assertEqual(stored.state, "ignored")
        self.assertIn("sender bug", stored.message_ids[0].body)

    def _queue_row(self, stored):
        return self.env["tc.exception"].search(
            [("res_model", "=", "tc.event"), ("res_id", "=", stored.id)]
        )

    def test_a_failure_no_retry_can_fix_fails_at_once_with_its_reason(self):
        with trap_jobs() as trap:
            stored, _created = self.env["tc.event"]._tc_ingest(
                event("evt_nojob", "ProvisioningFailed")  # no job id: never fixable
            )
            trap.perform_enqueued_jobs()
            trap.assert_jobs_count(0)  # no next attempt
        self.assertEqual((stored.state, stored.attempts), ("failed", 1))
        self.assertFalse(stored.next_attempt_at)
        self.assertEqual(stored.state_reason, "Failed: no retry can fix it")
        self.assertIn("ProvisioningFailed without job_id", stored.last_error)
        self.assertIn("send a corrected event", stored.last_error)
        case = stored.ticket_ids
        self.assertEqual(case.type_id.tc_code, "provisioning_failure")
        self.assertIn("no retry can fix it", case.description)
        self.assertIn("without job_id", case.description)
        # the exception queue shows the event with the reason a person acts on
        row = self._queue_row(stored)
        self.assertEqual(
            (row.kind, row.status, row.ticket_id), ("failed_event", "failed", case)
        )
        self.assertIn("ProvisioningFailed without job_id", row.reason)
        self.assertIn("send a corrected event", row.reason)
        # a second delivery of the job does nothing
        self.assertIn("nothing to do", stored._tc_job_process())
        self.assertEqual(stored.attempts, 1)

    def test_a_refund_tc_never_requested_fails_at_once(self):
        with trap_jobs() as trap:
            stored, _created = self.env["tc.event"]._tc_ingest(
                event("evt_rp_unknown", "RefundPosted", adjustment_ref="ADJ-NEVER")
            )
            trap.perform_enqueued_jobs()
            trap.assert_jobs_count(0)
        self.assertEqual((stored.state, stored.attempts), ("failed", 1))
        self.assertEqual(stored.deferrals, 0)
        row = self._queue_row(stored)
        self.assertIn("ADJ-NEVER, an adjustment TC never requested", row.reason)
        self.assertIn("check this refund in the billing system", row.reason)
        self.assertEqual(row.ticket_id.type_id.tc_code, "payment_dispute")

    def test_supervisor_reads_events_agent_does_not(self):
        stored = self._run(event("evt_sec", "Nope"))
        stored.with_user(self.supervisor).read(["state"])
        with self.assertRaises(AccessError):
            stored.with_user(self.agent).read(["state"])
        with self.assertRaises(AccessError):
            self.env["tc.partner.api.key"].with_user(self.supervisor).search([])
        self.env["tc.partner.api.key"].with_user(self.manager).search([])
