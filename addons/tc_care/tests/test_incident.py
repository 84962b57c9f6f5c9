# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from ..models.tc_case_timeline import TIMELINE_KINDS
from .common import TcCareCase


@tagged("post_install", "-at_install")
class TestIncident(TcCareCase):
    def test_new_tickets_attach_and_closing_closes_children(self):
        incident = self._ticket(
            "2026-01-05 09:00",
            name="Fibre cut",
            tc_is_incident=True,
            tc_incident_olt_ref="olt-t1",
            tc_incident_pon_port="0/1/1",
            tc_customer_notice="Crew on site, back by 18:00",
            partner_id=False,
        )
        on_pon = self._ticket("2026-01-05 09:10", tc_location_id=self.location.id)
        other_pon = self._ticket(
            "2026-01-05 09:10", tc_location_id=self.location_other_pon.id
        )
        self.assertEqual(on_pon.tc_incident_id, incident)
        self.assertEqual(on_pon.partner_id, self.customer, "partner from the location")
        self.assertFalse(other_pon.tc_incident_id)
        # explicit locations work too
        incident.tc_incident_location_ids = self.location_other_pon
        later = self._ticket(
            "2026-01-05 09:20", tc_location_id=self.location_other_pon.id
        )
        self.assertEqual(later.tc_incident_id, incident)
        incident.action_tc_attach_affected()
        self.assertEqual(other_pon.tc_incident_id, incident)
        self.assertEqual(incident.tc_incident_child_count, 3)
        before = {c.id: len(c.message_ids) for c in incident.tc_incident_child_ids}
        incident.stage_id = self.stage_done
        for child in incident.tc_incident_child_ids:
            self.assertTrue(child.stage_id.closed)
            self.assertEqual(len(child.message_ids), before[child.id] + 1)
            # the customers get a resolution text, never the incident's internal
            # name nor the notice written while the outage lasted
            body = child.message_ids[0].body
            self.assertIn("has been resolved", body)
            self.assertNotIn("Crew on site", body)
            self.assertNotIn(incident.name, body)
        # a closed incident takes no new children
        fresh = self._ticket("2026-01-05 10:00", tc_location_id=self.location.id)
        self.assertFalse(fresh.tc_incident_id)

    def test_incident_rules(self):
        incident = self._ticket("2026-01-05 09:00", tc_is_incident=True)
        plain = self._ticket("2026-01-05 09:00")
        with self.assertRaises(ValidationError):
            plain.tc_incident_id = plain.copy()
        with self.assertRaises(ValidationError):
            incident.write(
                {"tc_incident_id": incident.copy({"tc_is_incident": True}).id}
            )


@tagged("post_install", "-at_install")
class TestInteractionAndTimeline(TcCareCase):
    def test_log_a_call(self):
        ticket = self._ticket("2026-01-05 09:00", user_id=self.agent.id)
        action = ticket.with_user(self.agent).action_tc_log_interaction()
        self.assertEqual(action["res_model"], "tc.care.interaction")
        call = (
            self.env["tc.care.interaction"]
            .with_user(self.agent)
            .with_context(**action["context"])
            .create({"kind": "call", "direction": "outbound", "outcome": "no_answer"})
        )
        self.assertEqual(call.agent_id, self.agent)
        message = ticket.message_ids[0]
        self.assertEqual(message.subtype_id, self.env.ref("tc_care.mt_interaction"))
        self.assertIn("No answer", message.body)
        self.assertTrue(
            ticket.tc_timeline_ids.filtered(lambda e: e.kind == "interaction")
        )
        # another agent may not rewrite someone else's log
        with self.assertRaises(AccessError):
            call.with_user(self.agent2).write({"outcome": "resolved"})
        # the timeline is an audit trail
        with self.assertRaises(UserError):
            ticket.tc_timeline_ids[0].write({"name": "rewritten"})

    def test_other_addons_kinds_stay_as_notes_when_their_owner_goes(self):
        """tc_care declares only its own timeline kinds; every kind another addon
        adds keeps its entries, as notes, when that addon is uninstalled (the
        field's ``ondelete`` policy, run here as the uninstall runs it)."""
        own = {kind for kind, _label in TIMELINE_KINDS}
        self.assertEqual(
            own,
            {"stage", "sla", "escalation", "stuck", "incident", "interaction", "note"},
        )
        field = self.env["tc.case.timeline"]._fields["kind"]
        ticket = self.env["helpdesk.ticket"].create(self._vals())
        for kind in sorted(set(dict(field.selection)) - own):
            entry = ticket._tc_timeline(kind, f"an entry of kind {kind}")
            field.ondelete[kind](entry)
            self.assertEqual(entry.kind, "note", kind)
            self.assertEqual(entry.name, f"an entry of kind {kind}")

    def test_location_belongs_to_a_customer(self):
        with self.assertRaises(ValidationError):
            self.env["res.partner"].create(
                {"name": "orphan", "type": "service_location"}
            )
        with self.assertRaises(ValidationError):
            self.location.tc_latitude = 123
        self.assertEqual(self.customer.tc_location_count, 2)
        self.customer.tc_tier = "business"
        self.assertEqual(self.location.tc_effective_tier, "business")
