# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Outage incidents (helpdesk.ticket): an incident case, the OLT, PON port or
locations it covers, its notice to customers; new and existing cases at those
locations attached to it, and closed with it.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class HelpdeskTicketIncident(models.Model):
    _inherit = "helpdesk.ticket"

    # -- outage incidents ------------------------------------------------------------
    tc_is_incident = fields.Boolean("Outage incident", index=True, tracking=True)
    tc_incident_id = fields.Many2one(
        "helpdesk.ticket",
        "Incident",
        index="btree_not_null",
        domain="[('tc_is_incident', '=', True)]",
        tracking=True,
    )
    tc_incident_child_ids = fields.One2many(
        "helpdesk.ticket", "tc_incident_id", "Affected cases", groups="base.group_user"
    )
    tc_incident_child_count = fields.Integer(
        compute="_compute_tc_incident_child_count", groups="base.group_user"
    )
    tc_incident_olt_ref = fields.Char(
        "Affected OLT",
        help="Locations on this OLT are affected.",
        groups="base.group_user",
    )
    tc_incident_pon_port = fields.Char(
        "Affected PON port",
        help="Empty: the whole OLT is affected.",
        groups="base.group_user",
    )
    tc_incident_location_ids = fields.Many2many(
        "res.partner",
        "helpdesk_ticket_tc_incident_location_rel",
        "ticket_id",
        "partner_id",
        "Affected locations",
        domain=[("type", "=", "service_location")],
        groups="base.group_user",
    )
    tc_customer_notice = fields.Text(
        "Customer notice", help="Shown in the portal to affected customers."
    )

    @api.depends("tc_incident_child_ids")
    def _compute_tc_incident_child_count(self):
        for ticket in self:
            ticket.tc_incident_child_count = len(ticket.tc_incident_child_ids)

    @api.constrains("tc_incident_id", "tc_is_incident")
    def _check_tc_incident(self):
        for ticket in self:
            if ticket.tc_incident_id and ticket.tc_is_incident:
                raise ValidationError(
                    self.env._(
                        "%(t)s is an incident itself and cannot be attached to "
                        "another incident.",
                        t=ticket.display_name,
                    )
                )
            if ticket.tc_incident_id and not ticket.tc_incident_id.tc_is_incident:
                raise ValidationError(
                    self.env._(
                        "%(p)s is not an outage incident.",
                        p=ticket.tc_incident_id.display_name,
                    )
                )

    def _tc_incident_covers(self, location):
        self.ensure_one()
        # only a yes/no leaves: the network references are read as superuser (a
        # portal customer's own locations included; they cannot read them)
        location = location.sudo()
        if location in self.tc_incident_location_ids:
            return True
        if self.tc_incident_olt_ref and location.tc_olt_ref == self.tc_incident_olt_ref:
            return not self.tc_incident_pon_port or (
                location.tc_pon_port == self.tc_incident_pon_port
            )
        return False

    def _tc_open_incidents(self):
        return self.sudo().search(
            [("tc_is_incident", "=", True), ("tc_is_open", "=", True)]
        )

    def _tc_attach_to_open_incidents(self):
        """New tickets at a location under an open incident become its children."""
        incidents = self._tc_open_incidents() if self else self.browse()
        if not incidents:
            return
        for ticket in self:
            incident = next(
                (i for i in incidents if i._tc_incident_covers(ticket.tc_location_id)),
                None,
            )
            if incident:
                ticket.sudo().tc_incident_id = incident
                ticket._tc_timeline(
                    "incident",
                    self.env._(
                        "Attached to outage incident %(name)s",
                        name=incident.display_name,
                    ),
                )

    def action_tc_attach_affected(self):
        """Attach open tickets at the incident's locations (button on the incident,
        supervisors)."""
        self._tc_require_group("tc_care.group_supervisor")
        self.check_access("write")
        for incident in self.filtered("tc_is_incident"):
            candidates = self.sudo().search(
                [
                    ("tc_is_incident", "=", False),
                    ("tc_incident_id", "=", False),
                    ("tc_location_id", "!=", False),
                    ("tc_is_open", "=", True),
                ]
            )
            affected = candidates.filtered(
                lambda t, i=incident: i._tc_incident_covers(t.tc_location_id)
            )
            affected.write({"tc_incident_id": incident.id})
            affected._tc_timeline(
                "incident",
                self.env._(
                    "Attached to outage incident %(name)s", name=incident.display_name
                ),
            )
        return True

    def _tc_close_incident_children(self):
        for incident in self:
            children = incident.tc_incident_child_ids.filtered(
                lambda t: not t.stage_id.closed
            )
            if not children:
                continue
            closed_stage = incident.stage_id
            # posted to the customers: a resolution text of its own (the notice
            # says what is going on while the outage lasts; the incident's name,
            # OLT and PON port are internal); staff see the incident on the case
            body = self.env._("The outage affecting your service has been resolved.")
            children.write({"stage_id": closed_stage.id})
            for child in children:
                child.message_post(
                    body=body, subtype_xmlid="mail.mt_comment", message_type="comment"
                )
            children._tc_timeline("incident", body, progress=True)

    def action_tc_view_incident_children(self):
        self._tc_require_group("tc_care.group_agent")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        action.update(
            {
                "domain": [("tc_incident_id", "=", self.id)],
                "context": {"default_tc_incident_id": self.id},
                "name": self.env._("Affected cases"),
            }
        )
        return action
