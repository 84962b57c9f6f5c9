# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from datetime import datetime, timedelta, timezone

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.tc_orders.tests.common import TcOrdersCase

from ..testing.dataplane import DataPlanePeer
from .common import event, tc_settings, trap_jobs
from .test_handlers import IngestMixin

# relative to the real clock: cases get their creation date from the database
NOW = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
DUE = NOW + timedelta(days=9)
RESPOND_BY = DUE.isoformat() + "Z"


def at(delta):
    return freeze_time(NOW + delta)


def disputed(event_id, dispute="DP-1", respond_by=RESPOND_BY, **extra):
    data = {
        "dispute_id": dispute,
        "payment_id": "PAY-D1",
        "invoice_id": "INV-D1",
        "amount": {"amount": "59.90", "currency": "EUR"},
        "reason_code": "10.4",
        "reason": "card absent fraud",
        "respond_by": respond_by,
        "customer": {"ref": "CUST-D1", "name": "Dora"},
        "evidence": [
            {
                "name": "receipt.pdf",
                "mimetype": "application/pdf",
                "content_base64": base64.b64encode(b"%PDF-1.4 receipt").decode(),
            },
            {"name": "delivery-note.txt", "text": "installed on 2026-05-01"},
        ],
    }
    data.update(extra)
    return event(event_id, "PaymentDisputed", **data)


@tagged("post_install", "-at_install")
class TestDisputes(IngestMixin, TcOrdersCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only the respond-by SLA: no team (demo data gives the kind one with SLAs)
        cls.env.ref("tc_care.type_payment_dispute").tc_default_team_id = False

    def _case(self, dispute="DP-1"):
        return self.env["helpdesk.ticket"].search([("tc_dispute_ref", "=", dispute)])

    def test_dispute_opens_with_respond_by_sla_and_evidence_then_closes(self):
        stored = self._run(disputed("evt_d1"))
        self.assertEqual(stored.state, "done", stored.last_error)
        case = self._case()
        self.assertEqual(len(case), 1)
        self.assertEqual(case.type_id.tc_code, "payment_dispute")
        self.assertEqual(
            (case.tc_payment_ref, case.tc_invoice_ref, case.tc_dispute_reason_code),
            ("PAY-D1", "INV-D1", "10.4"),
        )
        self.assertEqual(case.tc_dispute_amount, 59.9)
        self.assertEqual(case.tc_dispute_currency_id.name, "EUR")
        self.assertEqual(case.partner_id.ref, "CUST-D1")
        respond_by = DUE
        self.assertEqual(case.tc_dispute_respond_by, respond_by)
        line = case.ticket_sla_ids.filtered(
            lambda x: (
                x.sla_id
                == self.env.ref("tc_integrations.sla_payment_dispute_respond_by")
            )
        )
        self.assertEqual((line.deadline, line.state), (respond_by, "in_progress"))
        self.assertEqual(case.tc_sla_deadline, respond_by)
        self.assertEqual(case.tc_sla_status, "on_track")
        attachments = self.env["ir.attachment"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", case.id)]
        )
        self.assertEqual(
            sorted(attachments.mapped("name")), ["delivery-note.txt", "receipt.pdf"]
        )
        self.assertEqual(case.message_attachment_count, 2)
        self.assertEqual(
            attachments.filtered(lambda a: a.name == "receipt.pdf").raw,
            b"%PDF-1.4 receipt",
        )
        # a replay with a new event id and a later date moves the deadline only
        later = (DUE + timedelta(days=2)).isoformat() + "Z"
        again = self._run(disputed("evt_d1b", respond_by=later))
        self.assertIn("already open", again.state_reason)
        self.assertEqual(len(self._case()), 1)
        self.assertEqual(line.deadline, DUE + timedelta(days=2))
        self.assertEqual(
            len(
                attachments.search(
                    [("res_id", "=", case.id), ("res_model", "=", "helpdesk.ticket")]
                )
            ),
            2,
        )
        # closed before the deadline: outcome recorded, case closed, SLA met
        with at(timedelta(days=4)):
            closed = self._run(
                event("evt_d1c", "DisputeClosed", dispute_id="DP-1", outcome="won")
            )
        self.assertEqual(closed.state, "done", closed.last_error)
        self.assertEqual(case.tc_dispute_outcome, "won")
        self.assertTrue(case.stage_id.closed)
        self.assertEqual(line.state, "accomplished")
        self.assertTrue(
            case.message_ids.filtered(lambda m: "closed: Won" in (m.body or ""))
        )
        # a second DisputeClosed changes nothing
        replay = self._run(
            event("evt_d1d", "DisputeClosed", dispute_id="DP-1", outcome="lost")
        )
        self.assertIn("already closed", replay.state_reason)
        self.assertEqual(case.tc_dispute_outcome, "won")

    def test_dispute_breaches_after_respond_by(self):
        self._run(disputed("evt_d2", dispute="DP-2"))
        case = self._case("DP-2")
        Ticket = self.env["helpdesk.ticket"]
        with at(timedelta(days=8)):  # at risk: 80 % of the time is used
            Ticket._cron_escalate_sla()
            self.assertEqual(case.tc_sla_status, "at_risk")
        with at(timedelta(days=9, hours=1)):
            Ticket._cron_escalate_sla()
        self.assertEqual(case.tc_sla_status, "breached")
        line = case.ticket_sla_ids.filtered("tc_deadline_override")
        self.assertEqual(line.state, "expired")
        self.assertTrue(
            case.tc_timeline_ids.filtered(
                lambda t: t.kind == "escalation" and "breached" in t.name
            )
        )
        # closed late: lost, the SLA stays breached
        with at(timedelta(days=10)):
            self._run(
                event("evt_d2c", "DisputeClosed", dispute_id="DP-2", outcome="lost")
            )
        self.assertEqual(case.tc_dispute_outcome, "lost")
        self.assertTrue(case.stage_id.closed)
        self.assertEqual(line.state, "expired")

    def test_dispute_closed_first_waits_and_bad_outcome_fails_clearly(self):
        stored = self._run(
            event("evt_d3c", "DisputeClosed", dispute_id="DP-3", outcome="accepted")
        )
        self.assertEqual(stored.state, "deferred")
        self.assertIn("DP-3 is not known yet", stored.state_reason)
        self._run(disputed("evt_d3", dispute="DP-3"))
        with trap_jobs():
            stored._tc_job_process()
        self.assertEqual(stored.state, "done")
        self.assertEqual(self._case("DP-3").tc_dispute_outcome, "accepted")
        bad = self._run(
            event("evt_d3x", "DisputeClosed", dispute_id="DP-3", outcome="maybe")
        )
        # the payload never changes: no retry can fix it, it fails at once
        self.assertEqual((bad.state, bad.attempts), ("failed", 1))
        self.assertIn("outcome must be one of won, lost, accepted", bad.last_error)

    def test_dispute_without_respond_by_is_opened_with_a_note(self):
        stored = self._run(
            disputed("evt_d4", dispute="DP-4", respond_by="next week", evidence="x")
        )
        self.assertEqual(stored.state, "done")
        case = self._case("DP-4")
        self.assertFalse(case.ticket_sla_ids.filtered("tc_deadline_override"))
        note = case.tc_timeline_ids.filtered(lambda t: "PaymentDisputed" in t.name)
        self.assertIn("no deadline, set one by hand", note.name)
        self.assertIn("evidence is not a list", note.name)

    def test_disputes_come_by_polling_too(self):
        events = [disputed("evt_d5", dispute="DP-5")]
        with (
            DataPlanePeer(token="tok-d", events=events) as peer,
            tc_settings(tc_api_base_url=peer.base_url, tc_api_token="tok-d"),
        ):
            with trap_jobs() as trap:
                self.assertEqual(self.env["tc.event"]._cron_poll_events(), 1)
                trap.perform_enqueued_jobs()
        self.assertEqual(len(self._case("DP-5")), 1)
