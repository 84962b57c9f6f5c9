# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue #22: one correlation id greps to an event's whole path in the logs, and an
exception in an event handler reaches Sentry (a local receiver) with its tags and
without the payload or a secret."""

import json
import logging
import os
import threading
import uuid
from datetime import datetime, timezone
from unittest.mock import patch

import sentry_sdk
from standardwebhooks.webhooks import Webhook

import odoo.http
from odoo.tests import HttpCase, TransactionCase, tagged
from odoo.tools import config

from odoo.addons.queue_job.job import Job
from odoo.addons.tc_orders.tests.common import TcOrdersCase

from ..controllers.queue_job import TcRunJobController
from ..lib.observability import CorrelationFilter, TextFormatter
from ..services import observability as setup
from ..testing.dataplane import DataPlanePeer, closed_port
from ..testing.sentry_receiver import SentryReceiver
from .common import SECRET, event, tc_settings

API_TOKEN = "tok-" + "trace-secret-7c1d9e"


class _Capture(logging.Handler):
    """Log lines formatted as on the server (the correlation id appended), with the
    thread that wrote them."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []
        self.addFilter(CorrelationFilter())
        self.setFormatter(
            TextFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        )

    def emit(self, record):
        self.lines.append((threading.get_ident(), self.format(record)))


def _job(records):
    """The pending queue job of one tc.event / tc.command (its identity key)."""
    return records.env["queue.job"].search(
        [
            ("identity_key", "=", "%s:%s" % (records._name, records.id)),
            ("state", "=", "pending"),
        ]
    )


@tagged("post_install", "-at_install")
class TestTraceableLogs(TcOrdersCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peer = DataPlanePeer(token=API_TOKEN, tenant_id="isp-1").start()
        cls.addClassCleanup(cls.peer.stop)

    def _post(self, payload):
        raw = json.dumps(payload)
        when = datetime.now(tz=timezone.utc)
        return self.url_open(
            "/tc/webhooks/events",
            data=raw,
            headers={
                "Content-Type": "application/json",
                "webhook-id": "msg_" + payload["id"],
                "webhook-timestamp": str(int(when.timestamp())),
                "webhook-signature": Webhook(SECRET).sign(
                    "msg_" + payload["id"], when, raw
                ),
            },
        )

    def _run_job(self, queue_job):
        """What queue_job's runner route does with the job (its controller class)."""
        self.assertEqual(len(queue_job), 1)
        job = Job.load(self.env, queue_job.uuid)
        TcRunJobController._runjob(self.env, job)
        queue_job.invalidate_recordset()
        self.assertEqual(queue_job.state, "done", queue_job.exc_info)

    def test_one_correlation_id_greps_to_the_whole_path(self):
        """webhook → event job → handler (a review and its case) → a reviewer's
        decision queues a command → command job → the data plane's answer: grep
        the id and read the whole story, every line of the jobs included."""
        cid = "corr-trace-" + uuid.uuid4().hex[:8]
        capture = _Capture()
        root = logging.getLogger()
        root.addHandler(capture)
        self.addCleanup(root.removeHandler, capture)
        payload = event(
            "evt-trace-1",
            "OrderNeedsReview",
            correlation_id=cid,
            order_id="ORD-TRACE-1",
            customer={"ref": "C-TRACE", "name": "Trace Customer"},
            reasons=["coverage"],
        )
        with tc_settings(
            tc_webhook_secret=SECRET,
            tc_api_base_url=self.peer.base_url,
            tc_api_token=API_TOKEN,
            tc_tenant_id="isp-1",
        ):
            response = self._post(payload)
            self.assertEqual(response.status_code, 202, response.text)
            stored = self.env["tc.event"].search([("event_id", "=", "evt-trace-1")])
            self.assertEqual(stored.correlation_id, cid)
            # the jobs node's event dispatcher queues its job
            self.env["tc.event"]._cron_dispatch_events()
            me = threading.get_ident()
            start = len(capture.lines)
            self._run_job(_job(stored))
            in_event_job = [line for tid, line in capture.lines[start:] if tid == me]
            self.assertEqual(stored.state, "done")
            review = self.env["tc.order.review"].search(
                [("order_ref", "=", "ORD-TRACE-1")]
            )
            self.assertEqual(review.ticket_id.tc_correlation_id, cid)
            review.with_user(self.supervisor).action_decide("approved", "coverage ok")
            command = self.env["tc.command"].search(
                [("res_model", "=", review._name), ("res_id", "=", review.id)]
            )
            self.assertEqual(command.correlation_id, cid)
            start = len(capture.lines)
            self._run_job(_job(command))
            in_command_job = [line for tid, line in capture.lines[start:] if tid == me]
            self.assertEqual(command.state, "acked")
        # the data plane got the same id
        (sent,) = self.peer.requests_to("/commands")
        self.assertEqual(sent.headers["x-correlation-id"], cid)

        # every line written by the two jobs carries the id
        self.assertTrue(in_event_job and in_command_job)
        for line in in_event_job + in_command_job:
            self.assertIn("[correlation_id=%s]" % cid, line)
        # one grep, the whole path in order
        grep = [line for _tid, line in capture.lines if cid in line]
        path = [
            "evt-trace-1 (OrderNeedsReview) stored from webhook",
            "webhook answered HTTP 202 (accepted) for event evt-trace-1",
            "evt-trace-1 (OrderNeedsReview): job started",
            "tc.event evt-trace-1 handled",
            "ApproveOrderReview queued for case %s" % review.ticket_id.id,
            "%s ApproveOrderReview: job started" % command.id,
            "%s ApproveOrderReview acked (HTTP 201)" % command.id,
        ]
        found = []
        for step in path:
            hits = [i for i, line in enumerate(grep) if step in line]
            self.assertTrue(hits, "%r not in the grep:\n%s" % (step, "\n".join(grep)))
            found.append(hits[0])
        self.assertEqual(found, sorted(found), "\n".join(grep))
        # nothing of another id in this story
        self.assertFalse(
            [line for line in grep if line.count("correlation_id=") != 1], grep
        )


@tagged("post_install", "-at_install")
class TestSentryReports(TransactionCase):
    """OCA sentry, started by our post_load code from SENTRY_DSN (the environment
    wins over odoo.conf), sends to a real local receiver."""

    def setUp(self):
        super().setUp()
        self.receiver = SentryReceiver().start()
        self.addCleanup(self.receiver.stop)
        self.addCleanup(self._stop_sentry)

    def _stop_sentry(self):
        sentry_sdk.flush(timeout=5)
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # a client that sends nothing
        from odoo.addons.sentry import hooks  # noqa: PLC0415 - its post_load is ours

        if hooks._ORIGINAL_APPLICATION_CALL is not None:
            odoo.http.Application.__call__ = hooks._ORIGINAL_APPLICATION_CALL
            hooks._ORIGINAL_APPLICATION_CALL = None

    def test_handler_exception_reaches_sentry_with_tags_and_no_payload(self):
        marker = "PAYLOAD-MARKER-" + uuid.uuid4().hex[:10]
        environ = {"SENTRY_DSN": self.receiver.dsn, "SENTRY_ENVIRONMENT": "tc-test"}
        file_dsn = "http://file@127.0.0.1:%d/1" % closed_port()
        with (
            patch.dict(config.options, {"sentry_dsn": file_dsn}),
            patch.dict(os.environ, environ),
            tc_settings(tc_api_token=API_TOKEN, tc_webhook_secret=SECRET),
        ):
            os.environ.update(environ)  # tc_settings clears TC_* only
            client = setup.start_sentry()
            self.assertTrue(client and client.is_active())
            self.assertEqual(client.dsn, self.receiver.dsn)  # environment wins
            stored, _created = self.env["tc.event"]._tc_ingest(
                event(
                    "evt-sentry-1",
                    "PaymentConfirmed",
                    correlation_id="corr-sentry-1",
                    payment_id="PAY-S1",
                    note=marker,
                    api_key=API_TOKEN,
                    card_number="4111111111111111",
                )
            )
            # the last attempt: the failure also opens a case for a person
            stored.write({"attempts": stored._tc_max_attempts - 1})

            def boom(handler, event, data):
                # a handler bug whose message quotes a secret; the payload is a
                # local variable of this frame and of the job's
                raise RuntimeError("data plane said: bad token %s" % API_TOKEN)

            handler_cls = type(self.env["tc.event.handler"])
            with patch.object(handler_cls, "_on_payment_confirmed", boom):
                self.assertEqual(stored._tc_job_process(), "failed")
            sentry_sdk.flush(timeout=10)
        case = stored.ticket_ids
        self.assertEqual(len(case), 1)
        errors = [
            e for e in self.receiver.events if (e.get("exception") or {}).get("values")
        ]
        self.assertEqual(len(errors), 1, self.receiver.events)
        (error,) = errors
        self.assertEqual(error["exception"]["values"][-1]["type"], "RuntimeError")
        self.assertEqual(error["environment"], "tc-test")
        self.assertEqual(error["tags"]["tc.correlation_id"], "corr-sentry-1")
        self.assertEqual(error["tags"]["tc.event_id"], "evt-sentry-1")
        self.assertIn("***", error["exception"]["values"][-1]["value"])
        gave_up = [
            e
            for e in self.receiver.events
            if "Integration event PaymentConfirmed failed" in json.dumps(e)
        ]
        self.assertEqual(len(gave_up), 1)
        self.assertEqual(gave_up[0]["tags"]["tc.case_id"], str(case.id))
        self.assertEqual(gave_up[0]["tags"]["tc.correlation_id"], "corr-sentry-1")
        raw = "".join(self.receiver.raw)
        for leaked in (marker, API_TOKEN, "4111111111111111", SECRET):
            self.assertNotIn(leaked, raw)
