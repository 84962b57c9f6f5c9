# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import time
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook

from odoo.tests import HttpCase, tagged

from .common import SECRET, SECRET_OLD, event, tc_settings, trap_jobs

URL = "/tc/webhooks/events"


@tagged("post_install", "-at_install")
class TestWebhookRoute(HttpCase):
    """A sender signing with the PyPI ``standardwebhooks`` library posts to the
    Odoo test server; every refusal has its own status and stores nothing."""

    def _post(
        self, payload, secret=SECRET, msg_id=None, when=None, body=None, headers=None
    ):
        raw = json.dumps(payload) if body is None else body
        msg_id = msg_id or "msg_" + str(
            payload.get("id") if isinstance(payload, dict) else "x"
        )
        when = when or datetime.now(tz=timezone.utc)
        signed = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        hdrs = {
            "Content-Type": "application/json",
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, when, signed),
            "X-Correlation-ID": "corr-header",
        }
        hdrs.update(headers or {})
        for name in [k for k, v in hdrs.items() if v is None]:
            del hdrs[name]
        return self.url_open(URL, data=raw, headers=hdrs)

    def _count(self):
        """Events stored by this test (demo data may hold others)."""
        return self.env["tc.event"].search_count(
            [("id", "not in", self._events_before)]
        )

    def setUp(self):
        super().setUp()
        self._events_before = self.env["tc.event"].search([]).ids

    def test_signed_event_is_stored_once_and_processed_by_a_job(self):
        payload = event(
            "evt_ok_1",
            "PaymentConfirmed",
            payment_id="PAY-X",
            card_number="4111111111111111",
        )
        dispatcher = self.env.ref("tc_integrations.ir_cron_dispatch_events")
        triggers = self.env["ir.cron.trigger"].search([("cron_id", "=", dispatcher.id)])
        with tc_settings(tc_webhook_secret=SECRET), trap_jobs() as trap:
            response = self._post(payload)
            self.assertEqual(response.status_code, 202, response.text)
            self.assertEqual(response.json()["status"], "accepted")
            stored = self.env["tc.event"].search([("event_id", "=", "evt_ok_1")])
            self.assertEqual(stored.state, "pending")
            self.assertEqual(stored.correlation_id, "corr-evt_ok_1")
            self.assertNotIn("4111111111111111", stored.payload)
            self.assertIn("1111", stored.payload)
            # the request stored it and woke the dispatcher; no job in the request
            self.assertTrue(stored.awaiting_job)
            trap.assert_jobs_count(0)
            woken = (
                self.env["ir.cron.trigger"].search([("cron_id", "=", dispatcher.id)])
                - triggers
            )
            self.assertEqual(len(woken), 1)
            # the dispatcher (the jobs node's cron) queues its one job
            self.assertEqual(self.env["tc.event"]._cron_dispatch_events(), 1)
            trap.assert_jobs_count(1, only=stored._tc_job_process)
            self.assertFalse(stored.awaiting_job)
            # replay: 2xx, nothing changes, no second job
            replay = self._post(payload)
            self.assertEqual(replay.status_code, 200)
            self.assertEqual(replay.json()["status"], "duplicate")
            self.assertEqual(
                self.env["tc.event"].search_count([("event_id", "=", "evt_ok_1")]), 1
            )
            self.assertEqual(self.env["tc.event"]._cron_dispatch_events(), 0)
            trap.assert_jobs_count(1)
        # the trapped job holds the request's (closed) cursor: run it here
        stored._tc_job_process()
        self.assertEqual(stored.state, "done")

    def test_rotation_accepts_the_old_secret(self):
        with tc_settings(tc_webhook_secret="%s,%s" % (SECRET, SECRET_OLD)), trap_jobs():
            response = self._post(event("evt_rot", "Unknown"), secret=SECRET_OLD)
        self.assertEqual(response.status_code, 202)

    def test_bad_input_matrix(self):
        good = event("evt_bad", "PaymentConfirmed", payment_id="P")
        stale = datetime.now(tz=timezone.utc) - timedelta(minutes=6)
        future = datetime.now(tz=timezone.utc) + timedelta(minutes=6)
        cases = [
            ("bad signature", {"secret": "whsec_" + "A" * 40}, 401),
            ("missing signature", {"headers": {"webhook-signature": None}}, 400),
            ("missing id", {"headers": {"webhook-id": None}}, 400),
            ("bad timestamp", {"headers": {"webhook-timestamp": "soon"}}, 400),
            ("stale timestamp", {"when": stale}, 401),
            ("future timestamp", {"when": future}, 401),
            ("wrong content type", {"headers": {"Content-Type": "text/plain"}}, 415),
            ("oversize", {"body": json.dumps(dict(good, pad="x" * 300_000))}, 413),
            ("malformed json", {"body": '{"id": "evt_bad", '}, 400),
            ("not an event", {"body": json.dumps({"id": "evt_bad"})}, 422),
            ("json array", {"body": "[1, 2]"}, 422),
        ]
        with tc_settings(tc_webhook_secret=SECRET), trap_jobs() as trap:
            for label, kwargs, status in cases:
                with self.subTest(label):
                    response = self._post(good, **kwargs)
                    self.assertEqual(response.status_code, status, response.text)
                    self.assertIn("message", response.json())
            # a tampered body (signed one way, sent another)
            raw = json.dumps(good)
            hdrs = {
                "Content-Type": "application/json",
                "webhook-id": "msg_t",
                "webhook-timestamp": str(int(time.time())),
                "webhook-signature": Webhook(SECRET).sign(
                    "msg_t", datetime.now(tz=timezone.utc), raw
                ),
            }
            tampered = self.url_open(URL, data=raw.replace('"P"', '"Q"'), headers=hdrs)
            self.assertEqual(tampered.status_code, 401)
            trap.assert_jobs_count(0)
        self.assertEqual(self._count(), 0)

    def test_no_secret_configured_is_503(self):
        with tc_settings(tc_webhook_secret=""):
            response = self._post(event("evt_503", "PaymentConfirmed"))
        self.assertEqual(response.status_code, 503)
        self.assertIn("secret", response.json()["message"])
        self.assertEqual(self._count(), 0)

    def test_a_session_is_no_signature(self):
        """Logged in (as a supervisor, whose rights cover events) and posting an
        unsigned or wrongly signed event: refused, nothing stored; a signed one is
        stored by the system, not by the session's user."""
        self.authenticate("tc_supervisor_demo", "tc_supervisor_demo")
        with tc_settings(tc_webhook_secret=SECRET), trap_jobs() as trap:
            unsigned = self._post(
                event("evt_sess_1", "PaymentConfirmed"),
                headers={"webhook-signature": None},
            )
            forged = self._post(
                event("evt_sess_2", "PaymentConfirmed"), secret=SECRET_OLD
            )
            trap.assert_jobs_count(0)
            signed = self._post(event("evt_sess_3", "PaymentConfirmed"))
        self.assertEqual(unsigned.status_code, 400)
        self.assertEqual(forged.status_code, 401)
        self.assertEqual(signed.status_code, 202, signed.text)
        stored = self.env["tc.event"].search([("event_id", "like", "evt_sess_")])
        self.assertEqual(stored.mapped("event_id"), ["evt_sess_3"])
        self.assertEqual(stored.create_uid.id, self.env.ref("base.user_root").id)

    def test_get_is_not_allowed(self):
        with tc_settings(tc_webhook_secret=SECRET):
            response = self.url_open(URL)
        self.assertEqual(response.status_code, 405)

    def test_unknown_type_is_kept_as_ignored(self):
        with tc_settings(tc_webhook_secret=SECRET), trap_jobs() as trap:
            self.assertEqual(
                self._post(event("evt_unk", "SomethingNew")).status_code, 202
            )
            self.env["tc.event"]._cron_dispatch_events()
            trap.assert_jobs_count(1)
        stored = self.env["tc.event"].search([("event_id", "=", "evt_unk")])
        stored._tc_job_process()
        self.assertEqual(stored.state, "ignored")
        self.assertIn("No handler", stored.state_reason)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        body=st.binary(max_size=300),
        signature=st.text(
            alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=80
        ),
        timestamp=st.text(
            alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=14
        ),
        content_type=st.sampled_from(
            ["application/json", "text/plain", "", "application/json; charset=latin-1"]
        ),
    )
    def test_fuzz_route_never_500(self, body, signature, timestamp, content_type):
        with tc_settings(tc_webhook_secret=SECRET), trap_jobs():
            response = self.opener.post(
                self.base_url() + URL,
                timeout=10,
                data=body,
                headers={
                    "Content-Type": content_type,
                    "webhook-id": "msg_fuzz",
                    "webhook-timestamp": timestamp,
                    "webhook-signature": signature,
                },
            )
        self.assertLess(response.status_code, 500)
        self.assertIn(response.status_code, (400, 401, 413, 415, 422))
