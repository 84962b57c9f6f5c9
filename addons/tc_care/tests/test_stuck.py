# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.tests import tagged

from .common import TcCareCase


@tagged("post_install", "-at_install")
class TestStuck(TcCareCase):
    def test_reasons_and_unflagging(self):
        Ticket = self.env["helpdesk.ticket"]
        self.type_fault.tc_stuck_hours = 8
        self.type_complaint.tc_stuck_hours = 48
        with freeze_time("2026-01-05 09:00"):
            unassigned = self._ticket("2026-01-05 09:00", user_id=False)
            waiting = self._ticket(
                "2026-01-05 09:00",
                user_id=self.agent.id,
                tc_waiting_for="ProvisioningFailed follow-up",
            )
            on_customer = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            on_customer.stage_id = self.stage_waiting
            plain = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            complaint = self._ticket(
                "2026-01-05 09:00",
                user_id=self.agent.id,
                type_id=self.type_complaint.id,
            )
            closed = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            closed.stage_id = self.stage_done
        with freeze_time("2026-01-05 16:00"):
            self.assertEqual(Ticket._cron_detect_stuck(), 0, "7h < 8h threshold")
        with freeze_time("2026-01-05 17:30"):
            Ticket._cron_detect_stuck()
        self.assertTrue(unassigned.tc_is_stuck)
        self.assertIn("no assignee", unassigned.tc_stuck_reason)
        self.assertIn(
            "waiting for ProvisioningFailed follow-up since", waiting.tc_stuck_reason
        )
        self.assertIn("waiting on the customer", on_customer.tc_stuck_reason)
        self.assertIn("no stage change, staff message or event", plain.tc_stuck_reason)
        self.assertFalse(complaint.tc_is_stuck, "complaints wait 48h")
        self.assertFalse(closed.tc_is_stuck)
        stuck_queue = Ticket.search(
            [("tc_is_stuck", "=", True), ("id", "in", (unassigned | plain).ids)]
        )
        self.assertEqual(stuck_queue, unassigned | plain)
        with freeze_time("2026-01-05 17:40"):
            self.assertEqual(Ticket._cron_detect_stuck(), 0, "idempotent")
            # a customer message is not progress; a staff message is
            plain.with_user(self.portal_user).message_post(
                body="hello?", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            self.assertTrue(plain.tc_is_stuck)
            plain.with_user(self.agent).message_post(
                body="checking", message_type="comment", subtype_xmlid="mail.mt_note"
            )
            self.assertFalse(plain.tc_is_stuck)
            # a stage change is progress
            unassigned.stage_id = self.stage_progress
            self.assertFalse(unassigned.tc_is_stuck)
            # a linked event (timeline entry flagged as progress) is progress; the
            # "event" kind is tc_integrations', so a note stands for it here
            waiting._tc_timeline("note", "ProvisioningRetried received", progress=True)
            self.assertFalse(waiting.tc_is_stuck)
        self.assertIn("waiting for", " ".join(waiting.tc_timeline_ids.mapped("name")))
