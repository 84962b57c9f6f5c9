# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.tests import tagged

from .common import TcCareCase


@tagged("post_install", "-at_install")
class TestEscalation(TcCareCase):
    def _activities(self, ticket):
        return self.env["mail.activity"].search(
            [("res_model", "=", "helpdesk.ticket"), ("res_id", "=", ticket.id)]
        )

    def _state(self, ticket):
        return (
            len(self._activities(ticket)),
            len(ticket.message_ids),
            len(ticket.tc_timeline_ids),
            ticket.user_id,
        )

    def test_levels_and_idempotence(self):
        Ticket = self.env["helpdesk.ticket"]
        with freeze_time("2026-01-05 09:00"):
            ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            bystander = self._ticket("2026-01-05 09:00", user_id=self.agent2.id)
            bystander.with_user(self.agent2).message_post(
                body="hello", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
        first = self._line(ticket, self.sla_first)
        with freeze_time("2026-01-05 11:00"):
            self.assertEqual(Ticket._cron_escalate_sla(), 0, "nothing is due yet")
        # level 1 at 80% of 4h: an activity for the assignee
        with freeze_time("2026-01-05 12:20"):
            Ticket._cron_escalate_sla()
            self.assertEqual(first.tc_escalation_level, 1)
            acts = self._activities(ticket)
            self.assertEqual(acts.user_id, self.agent)
            self.assertIn("at risk", acts.summary)
            before = self._state(ticket)
            Ticket._cron_escalate_sla()
            self.assertEqual(self._state(ticket), before, "a second run does nothing")
        # level 2 at the deadline: reassigned, supervisor told, chatter note
        with freeze_time("2026-01-05 13:01"):
            Ticket._cron_escalate_sla()
            self.assertEqual(first.tc_escalation_level, 2)
            self.assertEqual(first.state, "expired")
            self.assertEqual(ticket.user_id, self.escalation_user)
            self.assertIn(self.supervisor, self._activities(ticket).user_id)
            self.assertIn("SLA breached", ticket.message_ids[0].body)
            before = self._state(ticket)
            Ticket._cron_escalate_sla()
            self.assertEqual(self._state(ticket), before)
        # level 3 after 4h breached: the manager
        with freeze_time("2026-01-05 17:05"):
            Ticket._cron_escalate_sla()
            self.assertEqual(first.tc_escalation_level, 3)
            self.assertIn(self.manager, self._activities(ticket).user_id)
            before = self._state(ticket)
            self.assertEqual(Ticket._cron_escalate_sla(), 0)
            self.assertEqual(self._state(ticket), before)
        first_entries = ticket.tc_timeline_ids.filtered(
            lambda e: e.kind == "escalation" and "T first response" in e.name
        )
        self.assertEqual(
            sorted(first_entries.mapped(lambda e: e.name[:7])),
            ["Level 1", "Level 2", "Level 3"],
        )
        # the answered ticket's first response never escalated
        self.assertEqual(self._line(bystander, self.sla_first).tc_escalation_level, 0)

    def test_paused_lines_do_not_escalate(self):
        with freeze_time("2026-01-05 09:00"):
            ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
        with freeze_time("2026-01-05 10:00"):
            ticket.stage_id = self.stage_waiting
        with freeze_time("2026-01-06 16:00"):
            self.env["helpdesk.ticket"]._cron_escalate_sla()
        self.assertEqual(self._line(ticket, self.sla_first).tc_escalation_level, 0)
        self.assertEqual(ticket.tc_sla_status, "on_track")
