# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import html2plaintext

from ..services.bulk import insert_rows
from .common import TcCareCase, stored_row


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

    def assertSameRow(self, bulk, orm, *ignore):
        bulk_row, orm_row = stored_row(bulk), stored_row(orm)
        for name in ignore:
            bulk_row.pop(name), orm_row.pop(name)
        self.assertEqual(bulk_row, orm_row, f"{bulk._name}: bulk row != ORM row")

    def test_bulk_rows_equal_orm_rows(self):
        """The cron writes notes, activities, timeline entries and the escalation
        user's follower rows in one INSERT each (services/bulk.py): column for column
        what the ORM writes for the same values, with the cached one2many fields
        of the ticket refreshed and the supervisor's activity counter notified."""
        # the cron's own context: tracking and auto-subscription on
        Ticket = self.env["helpdesk.ticket"].with_context(tracking_disable=False)
        with freeze_time("2026-01-05 09:00"):
            ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
        ticket = ticket.with_env(Ticket.env)
        # read before the run: stale caches would hide the new rows
        self.assertFalse(ticket.activity_ids)
        messages_before = ticket.message_ids
        timeline_before = ticket.tc_timeline_ids
        followers_before = len(ticket.message_follower_ids)
        self.env.cr.precommit.run()
        bus = self.env["bus.bus"].sudo()
        last_bus = bus.search([], order="id desc", limit=1).id
        with freeze_time("2026-01-05 13:01"):
            Ticket._cron_escalate_sla()
            self.env.cr.precommit.run()  # bus.bus rows are written before commit
            note = ticket.message_ids - messages_before
            activity = ticket.activity_ids
            entry = ticket.tc_timeline_ids - timeline_before
            self.assertEqual((len(note), len(activity), len(entry)), (1, 1, 1))
            self.assertEqual(ticket.user_id, self.escalation_user)
            self.assertIn(self.escalation_user.partner_id, ticket.message_partner_ids)
            self.assertEqual(len(ticket.message_follower_ids), followers_before + 1)
            self.assertNotIn(self.supervisor.partner_id, ticket.message_partner_ids)
            self.assertEqual(activity.res_name, ticket.display_name)
            self.assertEqual(activity.user_id, self.supervisor)
            self.assertTrue(note.message_id)
            # the same records through the ORM, on another ticket
            twin = self._ticket("2026-01-05 13:01", user_id=self.agent.id)
            orm_note = twin._message_log_batch(
                bodies={twin.id: html2plaintext(note.body)},
                author_id=self.env.ref("base.partner_root").id,
            )
            orm_activity = (
                self.env["mail.activity"]
                .with_context(mail_activity_quick_update=True)
                .create(
                    {
                        "res_model_id": activity.res_model_id.id,
                        "res_id": twin.id,
                        "activity_type_id": activity.activity_type_id.id,
                        "summary": activity.summary,
                        "note": html2plaintext(activity.note),
                        "user_id": activity.user_id.id,
                        "date_deadline": activity.date_deadline,
                    }
                )
            )
            orm_entry = self.env["tc.case.timeline"].create(
                {"ticket_id": twin.id, "kind": entry.kind, "name": entry.name}
            )
            twin.with_env(Ticket.env).with_context(
                mail_auto_subscribe_no_notify=True
            ).write({"user_id": self.escalation_user.id})
        partner = self.escalation_user.partner_id
        follower, orm_follower = (
            t.message_follower_ids.filtered(lambda f: f.partner_id == partner)
            for t in (ticket, twin)
        )
        self.assertTrue(follower.subtype_ids)
        self.assertEqual(follower.subtype_ids, orm_follower.subtype_ids)
        self.assertSameRow(follower, orm_follower, "res_id")
        self.assertSameRow(note, orm_note, "res_id", "message_id")
        self.assertSameRow(activity, orm_activity, "res_id", "res_name")
        self.assertSameRow(entry, orm_entry, "ticket_id")
        notices = [
            json.loads(row.message)
            for row in bus.search([("id", ">", last_bus)])
            if json.loads(row.channel)[1:]
            == ["res.partner", self.supervisor.partner_id.id]
        ]
        self.assertIn(
            {
                "type": "mail.activity/updated",
                "payload": {"activity_created": True, "count_diff": 1},
            },
            notices,
        )

    def test_insert_rows_refuses_what_it_cannot_write(self):
        ticket = self._ticket("2026-01-05 09:00")
        Timeline = self.env["tc.case.timeline"]
        entry = {"ticket_id": ticket.id, "kind": "note", "name": "x"}
        with self.assertRaisesRegex(ValueError, "is not a column"):
            insert_rows(Timeline, [dict(entry, display_name="y")])
        with self.assertRaisesRegex(ValueError, "give escaped Markup"):
            insert_rows(
                self.env["mail.activity"],
                [{"res_model_id": 1, "res_id": ticket.id, "note": "<b>raw</b>"}],
            )
        with self.assertRaisesRegex(ValueError, "the same fields"):
            insert_rows(Timeline, [entry, dict(entry, progress=True)])
        self.assertFalse(insert_rows(Timeline, []))
        self.assertEqual(insert_rows(Timeline, [entry]).name, "x")
