# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.helpdesk_mgmt_sla.models.helpdesk_ticket import (
    HelpdeskTicket as OcaTicket,
)
from odoo.addons.helpdesk_mgmt_sla.models.helpdesk_ticket_sla import (
    HelpdeskTicketSla as OcaTicketSla,
)

from .common import TcCareCase, dt


@tagged("post_install", "-at_install")
class TestSlaDeadlines(TcCareCase):
    def test_deadline_runs_over_the_night(self):
        # Monday 15:00 + 4 working hours = 2h Monday + 2h Tuesday
        ticket = self._ticket("2026-01-05 15:00")
        first = self._line(ticket, self.sla_first)
        self.assertEqual(first.deadline, dt("2026-01-06 11:00"))
        # at risk at 80% of 4h = 3h12
        self.assertEqual(first.tc_at_risk_at, dt("2026-01-06 10:12"))
        # one working day for a standard fault
        self.assertEqual(
            self._line(ticket, self.sla_fault).deadline, dt("2026-01-06 15:00")
        )

    def test_deadline_skips_the_weekend(self):
        ticket = self._ticket("2026-01-09 16:00")  # Friday
        self.assertEqual(
            self._line(ticket, self.sla_first).deadline, dt("2026-01-12 12:00")
        )

    def test_deadline_skips_a_holiday(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": dt("2026-01-12 00:00"),
                "date_to": dt("2026-01-12 23:59"),
            }
        )
        ticket = self._ticket("2026-01-09 16:00")  # Friday, Monday is a holiday
        self.assertEqual(
            self._line(ticket, self.sla_first).deadline, dt("2026-01-13 12:00")
        )

    def test_ticket_without_team_calendar_uses_company_hours(self):
        """OCA/helpdesk #885: no calendar on the team must not crash."""
        self.team.resource_calendar_id = False
        ticket = self._ticket("2026-01-05 15:00")
        self.assertTrue(self._line(ticket, self.sla_first).deadline)

    def test_pause_waiting_on_customer_resumed_by_reply(self):
        with freeze_time("2026-01-05 09:00"):
            ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            line = self._line(ticket, self.sla_fault)
            self.assertEqual(line.deadline, dt("2026-01-05 17:00"))
        with freeze_time("2026-01-05 11:00"):  # 2h used, then we wait on the customer
            ticket.stage_id = self.stage_waiting
            self.assertEqual(line.state, "on_hold")
            self.assertAlmostEqual(line.consumed_time, 2.0, places=2)
        with freeze_time("2026-01-07 09:00"):  # customer answers two days later
            ticket.with_user(self.portal_user).message_post(
                body="Here is the photo",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            self.assertEqual(ticket.stage_id, self.stage_progress)
            self.assertEqual(line.state, "in_progress")
            # 6h left from Wednesday 09:00
            self.assertEqual(line.deadline, dt("2026-01-07 15:00"))
            self.assertEqual(ticket.tc_sla_status, "on_track")


@tagged("post_install", "-at_install")
class TestFirstResponse(TcCareCase):
    def test_public_staff_reply_meets_first_response(self):
        with freeze_time("2026-01-05 10:00"):
            ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            first = self._line(ticket, self.sla_first)
            ticket.with_user(self.agent).message_post(
                body="internal", message_type="comment", subtype_xmlid="mail.mt_note"
            )
            self.assertEqual(first.state, "in_progress", "a note is no response")
            ticket.with_user(self.portal_user).message_post(
                body="any news?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
            self.assertEqual(first.state, "in_progress", "the customer is no staff")
        with freeze_time("2026-01-05 11:30"):
            ticket.with_user(self.agent).message_post(
                body="We are on it",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(first.state, "accomplished")
        self.assertEqual(first.tc_status, "met")
        self.assertEqual(ticket.tc_first_response_at, dt("2026-01-05 11:30"))
        self.assertEqual(ticket.stage_id, self.stage_new, "no stage was needed")
        # the resolution clock still runs: the case is on track, not met
        self.assertEqual(ticket.tc_sla_status, "on_track")
        with freeze_time("2026-01-05 12:00"):
            ticket.stage_id = self.stage_waiting
            ticket.stage_id = self.stage_new
        self.assertEqual(first.state, "accomplished", "stage moves do not undo it")
        self.assertIn(
            "First response met", " ".join(ticket.tc_timeline_ids.mapped("name"))
        )

    def test_late_reply_is_a_breach(self):
        with freeze_time("2026-01-05 09:00"):
            ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
        with freeze_time("2026-01-05 14:00"):  # 5h later, target 4h
            ticket.with_user(self.agent).message_post(
                body="Sorry for the wait",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(self._line(ticket, self.sla_first).tc_status, "breached")
        self.assertEqual(ticket.tc_sla_status, "breached")


@tagged("post_install", "-at_install")
class TestSlaStatusAndMatching(TcCareCase):
    def test_status_transitions(self):
        with freeze_time("2026-01-05 09:00"):
            ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            self.assertEqual(ticket.tc_sla_status, "on_track")
        with freeze_time("2026-01-05 12:30"):  # past 80% of the 4h first response
            self.env["helpdesk.ticket"]._cron_escalate_sla()
            self.assertEqual(ticket.tc_sla_status, "at_risk")
        with freeze_time("2026-01-05 13:05"):
            self.env["helpdesk.ticket"]._cron_escalate_sla()
            self.assertEqual(ticket.tc_sla_status, "breached")
            ticket.stage_id = self.stage_done
            self.assertEqual(ticket.tc_sla_status, "breached", "a breach stays")
        with freeze_time("2026-01-05 09:30"):
            other = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
            other.with_user(self.agent).message_post(
                body="hi", message_type="comment", subtype_xmlid="mail.mt_comment"
            )
            other.stage_id = self.stage_done
        self.assertEqual(other.tc_sla_status, "met")
        found = self.env["helpdesk.ticket"].search(
            [("tc_sla_status", "=", "breached"), ("id", "in", (ticket | other).ids)]
        )
        self.assertEqual(found, ticket)

    def test_tier_priority_and_type_changes_recompute(self):
        ticket = self._ticket("2026-01-05 09:00")
        self.assertIn(self.sla_fault, ticket.ticket_sla_ids.sla_id)
        self.customer.tc_tier = "vip"
        self.assertEqual(ticket.tc_tier, "vip")
        self.assertIn(self.sla_fault_vip, ticket.ticket_sla_ids.sla_id)
        self.assertNotIn(self.sla_fault, ticket.ticket_sla_ids.sla_id)
        ticket.type_id = self.type_complaint
        self.assertNotIn(self.sla_fault_vip, ticket.ticket_sla_ids.sla_id)
        self.assertNotIn(self.sla_urgent, ticket.ticket_sla_ids.sla_id)
        ticket.priority = "3"
        self.assertIn(self.sla_urgent, ticket.ticket_sla_ids.sla_id)
        self.assertIn(self.sla_first, ticket.ticket_sla_ids.sla_id)

    def test_batched_matching_and_deadlines_equal_oca(self):
        """Our batched SLA assignment gives OCA's SLA lines and deadlines."""
        tag = self.env["helpdesk.ticket.tag"].create({"name": "fibre"})
        category = self.env["helpdesk.ticket.category"].create({"name": "Access"})
        self.env["helpdesk.sla"].create(
            {
                "name": "T tagged",
                "team_ids": [(6, 0, self.team.ids)],
                "tag_ids": [(6, 0, tag.ids)],
                "stage_id": self.stage_done.id,
                "hours": 6,
            }
        )
        self.env["helpdesk.sla"].create(
            {
                "name": "T category + domain",
                "category_ids": [(6, 0, category.ids)],
                "domain": "[('priority', 'in', ['2', '3'])]",
                "stage_id": self.stage_done.id,
                "hours": 3,
            }
        )
        combos = [
            {},
            {"tag_ids": [(6, 0, tag.ids)]},
            {"category_id": category.id, "priority": "2"},
            {"category_id": category.id, "priority": "0"},
            {"type_id": self.type_complaint.id, "priority": "3"},
            {"type_id": False},
            {"stage_id": self.stage_waiting.id},  # paused by the SLA: on hold
            {"stage_id": self.stage_done.id},  # already at the target: met
        ]
        starts = ["2026-01-05 09:00", "2026-01-05 16:30", "2026-01-09 15:00"]
        tickets = self.env["helpdesk.ticket"]
        for start in starts:
            tickets |= self._create_at(start, [self._vals(**combo) for combo in combos])
        for ticket in tickets:
            # OCA's own matching, evaluated per ticket (tier/priority SLAs aside)
            oca = OcaTicket._get_sla(ticket).filtered(
                lambda s: not s.tc_customer_tier and not s.tc_priority
            )
            ours = ticket.ticket_sla_ids.sla_id.filtered(
                lambda s: not s.tc_customer_tier and not s.tc_priority
            )
            self.assertEqual(ours, oca, ticket.read(["tag_ids", "category_id"]))
        lines = tickets.ticket_sla_ids
        self.assertGreater(len(lines), len(tickets))
        # the values set_sla gives new lines in one pass (_tc_new_line_values)
        # are OCA's, computed per line by OCA's own methods
        names = ["hours", "expected_stage_id", "state", "last_state_date", "deadline"]

        def snapshot():
            return {
                line.id: [line[name] for name in names] + [line.tc_status]
                for line in lines
            }

        ours = snapshot()
        self.assertEqual(
            {value[2] for value in ours.values()},
            {"in_progress", "on_hold", "accomplished"},
        )
        OcaTicketSla._compute_sla_data(lines)
        for line in lines:
            line.deadline = False  # OCA keeps a settled line's deadline
        OcaTicketSla._compute_deadline(lines)
        self.assertEqual(snapshot(), ours)
        # and our ORM computes (used on later changes) agree with both
        at_risk = {line.id: line.tc_at_risk_at for line in lines}
        lines.deadline = False
        lines._compute_deadline()
        lines._compute_tc_status()
        self.assertEqual(snapshot(), ours)
        self.assertEqual({line.id: line.tc_at_risk_at for line in lines}, at_risk)
        # a line created with only ticket and SLA (OCA's refresh_sla) is computed,
        # not given OCA's field default ("accomplished")
        running = tickets.filtered(lambda t: t.stage_id == self.stage_new)[:1]
        running.ticket_sla_ids.unlink()
        OcaTicket.refresh_sla(running)
        self.assertEqual(
            set(running.ticket_sla_ids.mapped("state")), {"in_progress"}, running.name
        )

    def test_search_by_any_reference(self):
        ticket = self._ticket(
            "2026-01-05 09:00",
            tc_order_ref="ORD-1",
            tc_invoice_ref="INV-9",
            tc_provisioning_job_ref="PJ-5",
            tc_correlation_id="corr-77",
        )
        Ticket = self.env["helpdesk.ticket"]
        for ref in ("ORD-1", "INV-9", "PJ-5", "corr-77"):
            self.assertEqual(Ticket.search([("tc_any_ref", "=", ref)]), ticket, ref)
        self.assertFalse(Ticket.search([("tc_any_ref", "=", "ORD-404")]))
