# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cases opened by the network check (tc_care's case API): one technical-fault case
per device that turns bad (or the open case of the device or its location), and one
outage incident per PON port whose ONTs are all offline, with their cases as
children. Customers read only customer texts; technical reasons go to the staff
timeline."""

from collections import defaultdict

from odoo import models


class TcEquipment(models.Model):
    _inherit = "tc.equipment"

    def _tc_open_fault_cases(self, turned_bad):
        """One open technical-fault case per device: attach to the open one if the
        device or its location already has one, never a duplicate."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        fault = self.env["helpdesk.ticket.type"]._tc_get("technical_fault")
        if not turned_bad:
            return Ticket
        devices = self.browse([d.id for d, _h, _r in turned_bad])
        open_cases = Ticket.search(
            [
                ("stage_id.closed", "=", False),
                ("tc_is_incident", "=", False),
                "|",
                ("tc_equipment_id", "in", devices.ids),
                "&",
                ("tc_location_id", "in", devices.location_id.ids),
                ("type_id", "=", fault.id),
            ]
        )
        by_device = {c.tc_equipment_id.id: c for c in open_cases if c.tc_equipment_id}
        by_location = {c.tc_location_id.id: c for c in open_cases if c.tc_location_id}
        touched = created = Ticket
        health_labels = dict(self._fields["health"].selection)
        for device, health, reason in turned_bad:
            case = by_device.get(device.id) or by_location.get(device.location_id.id)
            # technical: the reason may name the OLT and its address; it goes to the
            # diagnostic timeline (staff only), never to what the customer sees
            text = self.env._(
                "%(eq)s turned %(health)s: %(reason)s",
                eq=device.name,
                health=health,
                reason=reason or "-",
            )
            if case:
                case._tc_timeline("diagnostic", text)
                if not case.tc_equipment_id:
                    case.tc_equipment_id = device
                touched |= case
                continue
            case = Ticket._tc_open_case(
                "technical_fault",
                self.env._("%(eq)s is %(health)s", eq=device.name, health=health),
                # the case is the customer's (portal): a customer text only
                self.env._(
                    "Our network check found your device %(eq)s %(health)s. "
                    "We are looking into it.",
                    eq=device.name,
                    health=health_labels[health].lower(),
                ),
                partner_id=device.partner_id.id or device.location_id.parent_id.id,
                tc_location_id=device.location_id.id,
                tc_equipment_id=device.id,
            )
            case._tc_timeline("diagnostic", text)
            created |= case
        return touched | created

    def _tc_detect_pon_outages(self, polled):
        """A PON port whose ONTs (two or more) are all offline is an outage: one
        incident per port (reused while open), with the ONTs' cases as children."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        ports = defaultdict(lambda: self.browse())
        for ont in polled.filtered(lambda d: d.olt_id and d.pon_port):
            ports[(ont.olt_id, ont.pon_port)] |= ont
        incidents = Ticket
        for (olt, pon), onts in ports.items():
            if len(onts) < 2 or any(o.health != "offline" for o in onts):
                continue
            incident = Ticket.search(
                [
                    ("tc_is_incident", "=", True),
                    ("stage_id.closed", "=", False),
                    ("tc_incident_olt_ref", "=", olt.name),
                    ("tc_incident_pon_port", "=", pon),
                ],
                limit=1,
            )
            if not incident:
                incident = Ticket._tc_open_case(
                    "technical_fault",
                    self.env._(
                        "Outage: PON %(pon)s on %(olt)s (%(n)s ONTs offline)",
                        pon=pon,
                        olt=olt.name,
                        n=len(onts),
                    ),
                    ", ".join(onts.mapped("name")),
                    # the name is for staff; customers read tc_care's notice
                    # (tc_customer_notice, else its default), never the name
                    tc_is_incident=True,
                    tc_incident_olt_ref=olt.name,
                    tc_incident_pon_port=pon,
                    tc_incident_location_ids=[(6, 0, onts.location_id.ids)],
                    tc_equipment_id=olt.id,
                )
            children = Ticket.search(
                [
                    ("tc_equipment_id", "in", onts.ids),
                    ("stage_id.closed", "=", False),
                    ("tc_is_incident", "=", False),
                    ("tc_incident_id", "=", False),
                ]
            )
            if children:
                children.write({"tc_incident_id": incident.id})
                # incident entries are shown to the customer: no internal names
                children._tc_timeline(
                    "incident",
                    self.env._("Part of a service outage in your area."),
                )
            incidents |= incident
        return incidents
