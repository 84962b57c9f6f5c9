# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on tc_integrations' records as the demo users would try them over RPC
(with_user + a context of their choosing), asserted in the database."""

import json

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from .common import SECRET, tc_settings, trap_jobs

# context keys a client can send with any call: none of them may unlock anything
CRAFTED = {
    "tc_bulk_notes": True,
    "tc_bulk_followers": True,
    "tc_legacy_import": True,
    "tc_trusted": True,
    "tracking_disable": True,
    "active_test": False,
    "install_mode": True,
    "module": "tc_integrations",
}


@tagged("post_install", "-at_install")
class TestIntegrationSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.agent = ref("tc_care.user_agent_demo")
        cls.supervisor = ref("tc_care.user_supervisor_demo")
        cls.manager = ref("tc_care.user_manager_demo")
        cls.finance = ref("tc_orders.user_finance_demo")
        cls.tech = ref("tc_fieldops.user_tech_rita_demo")
        cls.dispatcher = ref("tc_fieldops.user_dispatcher_demo")
        cls.portal = ref("tc_fieldops.user_portal_ana_demo")
        cls.people = (
            cls.agent,
            cls.supervisor,
            cls.manager,
            cls.finance,
            cls.tech,
            cls.dispatcher,
            cls.portal,
        )
        cls.admin = ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.customer = self.env["res.partner"].create({"name": "Sec customer"})
        with trap_jobs():
            self.command = self.env["tc.command"]._tc_enqueue(
                "PostAdjustment",
                {
                    "adjustment_ref": "ADJ-SEC",
                    "kind": "refund",
                    "amount": "10000.00",
                    "currency": "EUR",
                },
                correlation_id="corr-sec",
            )
            self.event, _created = self.env["tc.event"]._tc_ingest(
                {"id": "evt_sec_1", "type": "RefundPosted", "data": {"amount": 5}}
            )
        self.env.cr.execute(
            "UPDATE tc_command SET state = 'failed' WHERE id = %s", (self.command.id,)
        )
        self.env.cr.execute(
            "UPDATE tc_event SET state = 'failed' WHERE id = %s", (self.event.id,)
        )
        self.command.invalidate_recordset()
        self.event.invalidate_recordset()

    def _row(self, table, record_id, columns):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT %s FROM %s WHERE id = %%s" % (", ".join(columns), table),
            (record_id,),
        )
        return self.env.cr.fetchone()

    # -- commands and events: append-only ----------------------------------------------
    def test_supervisor_cannot_rewrite_a_command_then_retry_sends_the_original(self):
        before = self._row(
            "tc_command", self.command.id, ["payload", "idempotency_key", "name"]
        )
        forged = {
            "payload": json.dumps({"amount": "1.00"}),
            "idempotency_key": "forged-key",
            "name": "PostAdjustment",
        }
        for user in self.people + (self.admin,):
            for vals in (forged, {"state": "pending"}, {"attempts": 0}):
                with self.subTest(user=user.login, vals=sorted(vals)):
                    with self.assertRaises(AccessError):
                        self.command.with_user(user).with_context(**CRAFTED).write(vals)
        # not even the superuser rewrites what a command says
        with self.assertRaises(AccessError):
            self.command.sudo().write({"payload": forged["payload"]})
        with self.assertRaises(AccessError):
            self.command.with_user(self.supervisor).unlink()
        with self.assertRaises(AccessError):
            self.env["tc.command"].with_user(self.supervisor).with_context(
                **CRAFTED
            ).create({"name": "PostAdjustment", "payload": "{}"})
        # the retry button changes the state only
        with trap_jobs() as trap:
            self.command.with_user(self.supervisor).with_context(
                **CRAFTED
            ).action_retry()
            trap.assert_jobs_count(1)
        self.assertEqual(
            self._row(
                "tc_command", self.command.id, ["payload", "idempotency_key", "name"]
            ),
            before,
        )
        self.assertEqual(self.command.state, "pending")
        # the job runs as the system whoever pressed the button
        self.assertTrue(trap.enqueued_jobs[0].recordset.env.su)

    def test_a_job_queued_as_a_person_still_runs_as_the_system(self):
        # a retry job queued before jobs ran as the system carries the person's
        # env: the job elevates itself (private method, not reachable over RPC)
        self.env.cr.execute(
            "UPDATE tc_command SET state = 'pending' WHERE id = %s", (self.command.id,)
        )
        self.command.invalidate_recordset()
        with tc_settings(tc_api_base_url="", tc_api_token=""), trap_jobs():
            outcome = self.command.with_user(self.supervisor)._tc_job_send()
        self.assertEqual(outcome, "retry")
        self.assertEqual(self.command.state, "retry")
        self.assertEqual(self.command.attempts, 1)

    def test_supervisor_cannot_rewrite_an_event(self):
        before = self._row("tc_event", self.event.id, ["event_type", "payload"])
        for user in self.people + (self.admin,):
            for vals in ({"event_type": "PaymentConfirmed"}, {"state": "pending"}):
                with self.subTest(user=user.login, vals=sorted(vals)):
                    with self.assertRaises(AccessError):
                        self.event.with_user(user).with_context(**CRAFTED).write(vals)
        with self.assertRaises(AccessError):
            self.event.sudo().write({"event_type": "PaymentConfirmed"})
        with self.assertRaises(AccessError):
            self.event.with_user(self.supervisor).unlink()
        self.assertEqual(
            self._row("tc_event", self.event.id, ["event_type", "payload"]), before
        )
        self.assertEqual(self.event.state, "failed")

    def test_buttons_check_the_role(self):
        for user in (self.agent, self.finance, self.tech, self.portal):
            with self.subTest(user=user.login):
                for record in (self.command, self.event):
                    with self.assertRaises(AccessError):
                        record.with_user(user).with_context(**CRAFTED).action_retry()
                    with self.assertRaises(AccessError):
                        record.with_user(user).action_open_ignore_wizard()
                    with self.assertRaises(AccessError):
                        record.with_user(user)._tc_ignore("because")
        self.assertEqual(self.command.state, "failed")
        self.assertEqual(self.event.state, "failed")
        # the ignore wizard: an agent cannot even make one, nor press it
        with self.assertRaises(AccessError):
            self.env["tc.integration.ignore"].with_user(self.agent).create(
                {"reason": "x"}
            )
        wizard = (
            self.env["tc.integration.ignore"]
            .with_user(self.supervisor)
            .with_context(active_model="tc.command", active_ids=self.command.ids)
            .create({"reason": "duplicate of an acked one"})
        )
        wizard.action_confirm()
        self.assertEqual(self.command.state, "cancelled")
        self.assertEqual(
            self._row("tc_command", self.command.id, ["payload"])[0],
            self.command.payload,
        )

    def test_system_records_are_append_only(self):
        run = self.env["tc.reconciliation.run"].create({"report_date": "2026-01-01"})
        mismatch = self.env["tc.reconciliation.mismatch"].create(
            {
                "mismatch_id": "sec_mm_1",
                "mismatch_type": "amount_differs",
                "first_seen_date": "2026-01-01",
                "last_seen_date": "2026-01-01",
            }
        )
        imp = self.env["tc.legacy.import.run"].create(
            {"name": "sec", "source": "upload", "batch_size": 10}
        )
        stat = self.env["tc.legacy.import.stat"].create(
            {"run_id": imp.id, "entity": "customers"}
        )
        targets = [
            (run, {"state": "done", "new_count": 0}),
            (mismatch, {"state": "resolved_upstream"}),
            (imp, {"state": "done"}),
            (stat, {"offset": 0}),
        ]
        for user in self.people + (self.admin,):
            for record, vals in targets:
                with self.subTest(user=user.login, model=record._name):
                    with self.assertRaises(AccessError):
                        record.with_user(user).with_context(**CRAFTED).write(vals)
                    with self.assertRaises(AccessError):
                        record.with_user(user).with_context(**CRAFTED).unlink()
                    with self.assertRaises(AccessError):
                        record.with_user(user).with_context(**CRAFTED).copy()
        self.assertEqual(run.state, "running")
        self.assertEqual(mismatch.state, "open")
        self.assertEqual(imp.state, "draft")
        # the buttons on them check the role inside
        with self.assertRaises(AccessError):
            run.with_user(self.supervisor).action_resume()
        for method in ("action_start", "action_resume", "action_view_rejects"):
            with self.assertRaises(AccessError):
                getattr(imp.with_user(self.supervisor), method)()

    # -- settings and secrets ------------------------------------------------------------
    def test_settings_have_no_public_accessor(self):
        Settings = self.env["tc.settings"]
        self.assertFalse(hasattr(Settings, "get"))
        self.assertTrue(Settings._get.__name__.startswith("_"))

    def test_partner_key_hash_never_leaves_the_server(self):
        key = self.env["tc.partner.api.key"].create(
            {"name": "sec", "partner_id": self.customer.id}
        )
        token = key._tc_generate()
        secret = token.rsplit("_", 1)[1]
        for keys in (key.with_user(self.manager), key.sudo()):
            with self.subTest(user=keys.env.user.login, su=keys.env.su):
                data = keys.read()[0]
                self.assertFalse(data["key_hash"])
                self.assertNotIn(secret, json.dumps(data, default=str))
                for vals in (
                    {"prefix": "deadbeef"},
                    {"key_hash": "0" * 64},
                    {"rate_count": 0},
                ):
                    with self.assertRaises(AccessError):
                        keys.with_context(**CRAFTED).write(vals)
        with self.assertRaises(AccessError):
            key.with_user(self.supervisor).action_generate()
        self.assertEqual(
            self.env["tc.partner.api.key"]._tc_authenticate(token), key
        )  # the stored hash still matches

    # -- fields written by the integration only ------------------------------------------
    def test_case_integration_fields_are_not_writable_by_people(self):
        partner = self.env["res.partner"].create({"name": "Some API partner"})
        case = self.env["helpdesk.ticket"].create(
            {"name": "Sec case", "description": "x", "partner_id": self.customer.id}
        )
        for vals in (
            {"tc_api_partner_id": partner.id},
            {"tc_dispute_amount": 1.0},
            {"tc_dispute_outcome": "won"},
            {"tc_legacy_id": "T-1"},
        ):
            for user in (self.agent, self.supervisor, self.manager):
                with self.subTest(user=user.login, vals=sorted(vals)):
                    with self.assertRaises(AccessError):
                        case.with_user(user).with_context(**CRAFTED).write(vals)
        with self.assertRaises(AccessError):
            self.env["helpdesk.ticket"].with_user(self.agent).create(
                {"name": "x", "description": "x", "tc_api_partner_id": partner.id}
            )
        self.assertFalse(case.tc_api_partner_id)
        self.assertFalse(case.tc_legacy_id)
        # a dispute case opened by the integration can still be duplicated by an
        # agent: the copy carries none of the integration's fields
        case.sudo().write({"tc_api_partner_id": partner.id, "tc_dispute_amount": 9.0})
        duplicate = case.with_user(self.manager).copy()
        self.assertFalse(duplicate.tc_api_partner_id)
        self.assertFalse(duplicate.tc_dispute_amount)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.manager).write({"tc_legacy_id": "C-9"})
        with self.assertRaises(AccessError):
            self.customer.with_user(self.manager).write({"tc_legacy_kind": "customer"})
        self.assertFalse(self.customer.tc_legacy_id)
        for user in (self.portal, self.tech):
            with self.assertRaises(AccessError):
                case.with_user(user).action_tc_view_evidence()

    # -- exception queue -----------------------------------------------------------------
    def test_exception_queue_buttons_check_the_role(self):
        rows = self.env["tc.exception"].search(
            [("res_model", "=", "tc.command"), ("res_id", "=", self.command.id)]
        )
        self.assertEqual(len(rows), 1)
        # a supervisor cannot hand a case to a customer (the form's domain is
        # not a check: any user id can be sent over RPC)
        for user in (self.portal, self.tech):
            wizard = (
                self.env["tc.exception.assign"]
                .with_user(self.supervisor)
                .with_context(active_model="tc.exception", active_ids=rows.ids)
                .create({"user_id": user.id})
            )
            with self.assertRaises(UserError):
                wizard.action_confirm()
        self.assertFalse(self.command.ticket_id)
        with self.assertRaises(AccessError):
            rows.with_user(self.agent).action_open_assign_wizard()
        for user in (self.tech, self.portal, self.finance):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    rows.with_user(user).action_open_record()
                with self.assertRaises(AccessError):
                    rows.with_user(user).action_open_case()
        with self.assertRaises(AccessError):
            self.env["tc.exception.assign"].with_user(self.agent).create(
                {"user_id": self.agent.id}
            )


@tagged("post_install", "-at_install")
class TestSettingsOverRpc(HttpCase):
    """Item 7 of issue 17: a portal user called tc.settings.get over call_kw."""

    def _call_kw(self, model, method, args=(), kwargs=None):
        return self.url_open(
            "/web/dataset/call_kw/%s/%s" % (model, method),
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "call",
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": dict(kwargs or {}, context=CRAFTED),
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )

    @mute_logger("odoo.http")
    def test_nobody_reads_the_settings_over_rpc(self):
        secret = "tok-never-shown-%s" % self.env.cr.dbname
        with tc_settings(tc_api_token=secret, tc_webhook_secret=SECRET):
            for login in ("tc_portal_ana_demo", "tc_manager_demo", "admin"):
                self.authenticate(login, login)
                for method in ("get", "_get"):
                    with self.subTest(login=login, method=method):
                        response = self._call_kw("tc.settings", method)
                        self.assertEqual(response.status_code, 200)
                        self.assertIn("error", response.json())
                        self.assertNotIn(secret, response.text)
                        self.assertNotIn(SECRET, response.text)
