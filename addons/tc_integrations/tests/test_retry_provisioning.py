# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""RetryProvisioning (docs/commands.md): an agent's decision on a provisioning-failure
case reaches a non-idempotent data plane exactly once, whatever is clicked twice,
re-run or faulted; the attempt count follows the ProvisioningFailed events."""

import json
import re

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.tc_orders.tests.common import TcOrdersCase

from ..lib import command_schemas
from ..testing.dataplane import FAULTS, DataPlanePeer
from .common import PeerTimeouts, event, tc_settings, trap_jobs
from .test_handlers import IngestMixin

# the peer's late answers come after the command timeout (0.5 s), which
# PeerTimeouts keeps for the local peer
FAULT_DELAY = 1.0


@tagged("post_install", "-at_install")
class TestRetryProvisioning(PeerTimeouts, IngestMixin, TcOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peer = DataPlanePeer(
            token="tok-retry", idempotent=False, fault_delay=FAULT_DELAY
        ).start()
        cls.addClassCleanup(cls.peer.stop)
        cls.technician = new_test_user(
            cls.env, "tc_t_retry_tech", groups="tc_fieldops.group_technician"
        )
        cls.outsider = new_test_user(
            cls.env, "tc_t_retry_other", groups="tc_care.group_agent"
        )
        cls.env["ir.config_parameter"].set_param(
            "tc_integrations.command_timeout", "0.5"
        )

    def _settings(self):
        return tc_settings(tc_api_base_url=self.peer.base_url, tc_api_token="tok-retry")

    # -- helpers ----------------------------------------------------------------------
    def _fail(self, event_id, job):
        stored = self._run(
            event(
                event_id,
                "ProvisioningFailed",
                job_id=job,
                order_id="ORD-" + job,
                subscription_id="SUB-" + job,
                error="OMCI timeout",
            )
        )
        self.assertEqual(stored.state, "done", stored.last_error)
        return stored

    def _case(self, job):
        case = self.env["helpdesk.ticket"].search(
            [("tc_provisioning_job_ref", "=", job)]
        )
        self.assertEqual(len(case), 1, "one case per provisioning job")
        return case

    def _failed_case(self, job):
        """A case opened by ProvisioningFailed, in the test team (its agents may
        change it)."""
        self._fail("evt-%s-1" % job, job)
        case = self._case(job)
        case.write({"team_id": self.team.id})
        return case

    def _wizard(self, user, case, note=None):
        action = case.with_user(user).action_tc_retry_provisioning()
        return (
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**action["context"])
            .create({"note": note})
        )

    def _confirm(self, wizard):
        with trap_jobs() as trap:
            wizard.action_confirm()
            trap.assert_jobs_count(1)

    def _command(self, job, attempt):
        return self.env["tc.command"].search(
            [("idempotency_key", "=", "retry-provisioning/%s/%d" % (job, attempt))]
        )

    def _effects(self, job):
        return [
            e
            for e in self.peer.effects_of("RetryProvisioning")
            if e.payload["provisioning_job_id"] == job
        ]

    def _diagnostics(self, case, detail):
        """A finished remote diagnostics of the case, recorded as tc_network does."""
        ont = self.env["tc.equipment"].create(
            {"kind": "ont", "vendor": "Huawei", "serial": "HWTC5678"}
        )
        action = self.env["tc.network.action"].create(
            {
                "equipment_id": ont.id,
                "ticket_id": case.id,
                "operation": "diagnostics",
                "result": "degraded",
                "detail": detail,
            }
        )
        case._tc_timeline(
            "diagnostic",
            "Diagnostics of %s: degraded" % ont.name,
            res_model=action._name,
            res_id=action.id,
        )

    # -- the decision -------------------------------------------------------------------
    def test_agent_retry_is_one_effect_with_the_documented_payload(self):
        case = self._failed_case("PJ-R1")
        self.assertEqual(case.tc_provisioning_attempts, 1)
        self._diagnostics(case, "Rx power -29.1 dBm (bad)")
        wizard = self._wizard(self.agent, case, "customer waiting at home")
        self.assertEqual(wizard.job_ref, "PJ-R1")
        self.assertEqual(wizard.attempt, 1)
        self.assertIn("Rx power -29.1 dBm", wizard.diagnostics)
        self._confirm(wizard)
        command = self._command("PJ-R1", 1)
        self.assertEqual(
            (command.name, command.state), ("RetryProvisioning", "pending")
        )
        self.assertEqual(command.ticket_id, case)
        self.assertEqual(case.tc_waiting_for, "Provisioning retry")
        with self._settings():
            self.assertEqual(command._tc_job_send(), "acked")
            # the job delivered again (at least once): nothing new is sent
            self.assertIn("nothing to do", command._tc_job_send())
        (effect,) = self._effects("PJ-R1")
        self.assertEqual(effect.idempotency_key, "retry-provisioning/PJ-R1/1")
        self.assertEqual(
            effect.payload,
            {
                "provisioning_job_id": "PJ-R1",
                "attempt": 1,
                "note": "customer waiting at home",
                "diagnostics": wizard.diagnostics,
                "order_id": "ORD-PJ-R1",
                "subscription_id": "SUB-PJ-R1",
                "requested_by": self.agent.login,
                "case_id": case.id,
            },
        )
        self.assertEqual(
            command_schemas.problems("RetryProvisioning", effect.payload), []
        )
        answers = case.tc_timeline_ids.mapped("name")
        self.assertTrue(
            any(
                "accepted by the data plane: command %s" % effect.command_id in a
                for a in answers
            ),
            answers,
        )
        # the case waits for the data plane's next event
        self.assertEqual(case.tc_waiting_for, "Provisioning retry")

    def test_double_click_two_wizards_and_two_agents_make_one_effect(self):
        case = self._failed_case("PJ-R2")
        first = self._wizard(self.agent, case)
        second = self._wizard(self.agent, case, "second window")
        other = self._wizard(self.agent2, case)
        self._confirm(first)
        for wizard in (first, second, other):
            with (
                trap_jobs() as trap,
                self.assertRaisesRegex(
                    UserError,
                    "Attempt 1 of job PJ-R2 was already retried at .* by %s; wait "
                    "for the data plane's answer" % re.escape(self.agent.name),
                ),
            ):
                wizard.action_confirm()
            trap.assert_jobs_count(0)
        command = self._command("PJ-R2", 1)
        self.assertEqual(len(command), 1)
        self.assertEqual(json.loads(command.payload)["note"], None)
        with self._settings():
            command._tc_job_send()
            command._tc_job_send()
        self.assertEqual(len(self._effects("PJ-R2")), 1)

    def test_injected_faults_each_end_in_one_effect(self):
        for kind in FAULTS:
            job = "PJ-F-" + kind
            with self.subTest(kind):
                case = self._failed_case(job)
                self._confirm(self._wizard(self.agent, case))
                command = self._command(job, 1)
                self.peer.inject(kind, command_type="RetryProvisioning")
                with self._settings(), trap_jobs():
                    self.assertEqual(command._tc_job_send(), "retry", kind)
                    # the retry the backoff scheduled: same key
                    self.assertEqual(command._tc_job_send(), "acked", kind)
                effects = self._effects(job)
                self.assertEqual(len(effects), 1, kind)
                self.assertEqual(effects[0].idempotency_key, command.idempotency_key)
                if kind in ("fail_after", "timeout_after"):
                    self.assertEqual(command.http_status, 409, kind)

    def test_refused_retry_is_an_activity_and_ends_the_wait(self):
        case = self._failed_case("PJ-R4")
        self._confirm(self._wizard(self.agent, case))
        command = self._command("PJ-R4", 1)
        self.peer.script(
            "POST",
            "/commands",
            422,
            {"error": {"code": "not_retryable", "message": "job cancelled"}},
        )
        with self._settings():
            self.assertEqual(command._tc_job_send(), "failed")
        self.assertTrue(case.activity_ids.filtered(lambda a: "refused" in a.summary))
        self.assertFalse(case.tc_waiting_for)
        self.assertFalse(self._effects("PJ-R4"))

    # -- the events -----------------------------------------------------------------------
    def test_a_new_failure_counts_once_and_allows_the_next_retry(self):
        case = self._failed_case("PJ-R5")
        self._confirm(self._wizard(self.agent, case))
        with self._settings():
            self._command("PJ-R5", 1)._tc_job_send()
        again = self._fail("evt-PJ-R5-2", "PJ-R5")
        self.assertIn("attempt 2", again.state_reason)
        self.assertEqual(case.tc_provisioning_attempts, 2)
        self.assertFalse(case.tc_waiting_for)
        self.assertIn(
            "ProvisioningFailed again: attempt 2 (OMCI timeout)",
            case.tc_timeline_ids.mapped("name"),
        )
        # the same event delivered again (at-least-once): not a new attempt
        self.assertIn("nothing to do", again._tc_job_process())
        self.assertEqual(case._tc_count_provisioning_failure(again), 2)
        self.assertEqual(case.tc_provisioning_attempts, 2)
        wizard = self._wizard(self.agent2, case)
        self.assertEqual(wizard.attempt, 2)
        self._confirm(wizard)
        with self._settings():
            self.assertEqual(self._command("PJ-R5", 2)._tc_job_send(), "acked")
        effects = self._effects("PJ-R5")
        self.assertEqual([e.payload["attempt"] for e in effects], [1, 2])
        self.assertEqual(effects[1].payload["requested_by"], self.agent2.login)

    def test_failure_after_close_reopens_the_same_case(self):
        case = self._failed_case("PJ-R6")
        self._confirm(self._wizard(self.agent, case))
        activated = self._run(event("evt-PJ-R6-ok", "ServiceActivated", job_id="PJ-R6"))
        self.assertEqual(activated.state, "done", activated.last_error)
        self.assertTrue(case.stage_id.closed)
        self.assertFalse(case.tc_waiting_for)
        # a closed case has no retry
        with self.assertRaisesRegex(UserError, "is closed"):
            case.with_user(self.agent).action_tc_retry_provisioning()
        reopened = self._fail("evt-PJ-R6-2", "PJ-R6")
        self.assertIn("reopened, attempt 2", reopened.state_reason)
        self.assertEqual(self._case("PJ-R6"), case)
        self.assertFalse(case.stage_id.closed)
        self.assertFalse(case.closed_date)
        self.assertEqual(case.tc_provisioning_attempts, 2)
        self.assertIn(
            reopened, self.env["tc.event"].search([("ticket_ids", "=", case.id)])
        )
        self.assertTrue(case.tc_can_retry_provisioning)
        # and the next ServiceActivated closes it again
        self._run(event("evt-PJ-R6-ok2", "ServiceActivated", job_id="PJ-R6"))
        self.assertTrue(case.stage_id.closed)

    # -- who may ------------------------------------------------------------------------
    def test_only_agents_who_may_change_the_case_retry(self):
        case = self._failed_case("PJ-R7")
        crafted = {"tc_trusted": True, "tc_trust": True, "active_test": False}
        for user in (self.portal_user, self.technician, self.finance, self.outsider):
            with self.subTest(user.login):
                with self.assertRaises(AccessError):
                    case.with_user(user).with_context(
                        **crafted
                    ).action_tc_retry_provisioning()
                with self.assertRaises(AccessError):
                    case.with_user(user).with_context(
                        **crafted
                    )._tc_retry_provisioning()
        # an agent of another team may open the wizard on the case by RPC: it
        # shows nothing of the case and refuses to confirm
        wizard = (
            self.env["tc.provisioning.retry"]
            .with_user(self.outsider)
            .create({"ticket_id": case.id})
        )
        self.assertFalse(wizard.job_ref)
        self.assertFalse(wizard.diagnostics)
        with self.assertRaises(AccessError):
            wizard.action_confirm()
        with self.assertRaises(AccessError):
            self.env["tc.provisioning.retry"].with_user(self.finance).create(
                {"ticket_id": case.id}
            )
        self.assertFalse(self._command("PJ-R7", 1))
        # the attempt count is the system's
        with self.assertRaises(AccessError):
            case.with_user(self.agent).write({"tc_provisioning_attempts": 0})
        with self.assertRaises(AccessError):
            case.with_user(self.manager).with_context(**crafted).write(
                {"tc_provisioning_attempts": 5}
            )
        self.assertEqual(case.tc_provisioning_attempts, 1)

    def test_a_case_of_another_kind_refuses_the_button(self):
        with self.assertRaisesRegex(UserError, "not a provisioning-failure case"):
            self.ticket.with_user(self.agent).action_tc_retry_provisioning()
        wizard = (
            self.env["tc.provisioning.retry"]
            .with_user(self.agent)
            .create({"ticket_id": self.ticket.id})
        )
        with self.assertRaisesRegex(UserError, "not a provisioning-failure case"):
            wizard.action_confirm()
        self.assertFalse(
            self.env["tc.command"].search([("ticket_id", "=", self.ticket.id)])
        )
