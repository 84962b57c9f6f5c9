# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    tc_equipment_id = fields.Many2one(
        "tc.equipment",
        "Equipment",
        index="btree_not_null",
        tracking=True,
        groups="base.group_user",
    )
    tc_network_action_ids = fields.One2many(
        "tc.network.action", "ticket_id", "Remote actions", groups="base.group_user"
    )

    def _tc_case_equipment(self):
        self.ensure_one()
        if self.tc_equipment_id:
            return self.tc_equipment_id
        equipment = self.env["tc.equipment"]._tc_installed_at(self.tc_location_id)
        if equipment:
            return equipment
        raise UserError(
            self.env._(
                "Case %(name)s has no equipment and its location has no installed "
                "ONT or router.",
                name=self.display_name,
            )
        )

    def action_tc_run_diagnostics(self):
        """Button: diagnostics of the case's device."""
        self.ensure_one()
        self.env["tc.equipment"]._tc_check_operator()
        return self._tc_case_equipment()._tc_run_diagnostics(ticket=self)

    def action_tc_remote_reboot(self):
        """Button: TR-069 reboot of the case's device."""
        self.ensure_one()
        self.env["tc.equipment"]._tc_check_operator()
        equipment = self._tc_case_equipment()
        return self.env["tc.network.action"]._tc_tr069(equipment, "reboot", ticket=self)
