# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cases opened by the network check (tc_care's case API): one technical-fault case
per device that turns bad (or the open case of the device or its location), one
outage incident per PON port that its answering OLT reports down, with their cases
as children, and one NOC case per OLT that does not answer (no customer case, no
notice). Customers read only customer texts; technical reasons go to the staff
timeline."""

from collections import defaultdict

from odoo import fields, models


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

    def _tc_detect_pon_outages(self, polled, down_ports=()):
        """Outages the OLT itself reports: a PON port it says is down (``down_ports``:
        ``{(olt id, PON index)}`` from the walk), or whose ONTs (two or more) are all
        offline. ``polled`` holds only ONTs whose OLT answered this run: an OLT that
        does not answer is a NOC matter, never a customer outage. One incident per
        OLT and PON port (reused while open), the ONTs' cases as its children."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        ports = defaultdict(lambda: self.browse())
        for ont in polled.filtered(lambda d: d.olt_id and d.pon_ifindex):
            ports[(ont.olt_id, ont.pon_ifindex)] |= ont
        incidents = Ticket
        for (olt, pon_ifindex), onts in ports.items():
            port_down = (olt.id, int(pon_ifindex)) in set(down_ports)
            all_offline = len(onts) >= 2 and all(o.health == "offline" for o in onts)
            if not (port_down or all_offline):
                continue
            pon = next((p for p in onts.mapped("pon_port") if p), pon_ifindex)
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
                    # the name and description are for staff; customers read the
                    # notice, written for them: area and expected time, no devices
                    tc_customer_notice=onts._tc_outage_notice(),
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

    def _tc_outage_notice(self):
        """The customer notice of an outage of these ONTs: the area (the cities of
        their service locations) and the expected time (tc_network setting), never
        a device, port or OLT name."""
        hours = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("tc_network.outage_expected_hours", "4")
            or 4
        )
        cities = sorted({c for c in self.location_id.mapped("city") if c})
        area = ", ".join(cities[:5]) if cities else self.env._("your area")
        return self.env._(
            "A fault on our fibre network in %(area)s is interrupting your service. "
            "Our team is working on it and we expect service back within %(hours)s "
            "hours. You do not need to report it again.",
            area=area,
            hours=hours,
        )

    # -- OLTs that do not answer: the NOC's, not the customers' -----------------------
    def _tc_olt_unreachable(self, reasons):
        """These OLTs did not answer SNMP: mark them (their ONTs keep their last
        health) and keep one open NOC case per OLT, with no customer on it."""
        Ticket = self.env["helpdesk.ticket"].sudo()
        now = fields.Datetime.now()
        cases = Ticket
        for olt in self:
            if not olt.olt_unreachable_since:
                olt.sudo().write({"olt_unreachable_since": now})
            case = Ticket.search(
                [
                    ("tc_equipment_id", "=", olt.id),
                    ("type_id.tc_code", "=", "olt_unreachable"),
                    ("stage_id.closed", "=", False),
                ],
                limit=1,
            )
            text = self.env._(
                "%(olt)s (%(host)s) does not answer SNMP: %(reason)s. Its %(n)s ONTs "
                "keep their last known health; nothing is reported to customers. "
                "Check the management path to the OLT before the fibre plant.",
                olt=olt.name,
                host=olt.mgmt_host or "-",
                reason=reasons.get(olt.id) or "-",
                n=len(olt.ont_ids),
            )
            if case:
                cases |= case
                continue
            case = Ticket._tc_open_case(
                "olt_unreachable",
                self.env._("OLT unreachable: %(olt)s", olt=olt.name),
                text,
                tc_equipment_id=olt.id,
            )
            case._tc_timeline("diagnostic", text)
            cases |= case
        return cases

    def _tc_olt_reachable(self):
        """These OLTs answered: clear the mark and close their NOC case."""
        back = self.filtered("olt_unreachable_since")
        if not back:
            return
        back.sudo().write({"olt_unreachable_since": False})
        cases = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search(
                [
                    ("tc_equipment_id", "in", back.ids),
                    ("type_id.tc_code", "=", "olt_unreachable"),
                    ("stage_id.closed", "=", False),
                ]
            )
        )
        for case in cases:
            case._tc_timeline(
                "diagnostic",
                self.env._(
                    "%(olt)s answers SNMP again; its ONTs are polled again.",
                    olt=case.tc_equipment_id.name,
                ),
            )
        cases._tc_close_cases()
