# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A remote fix before the truck: from a dispatch job, read the customer's device
(SNMP diagnostics) or reboot it (TR-069) through tc_network."""

from odoo import models
from odoo.exceptions import UserError


class ProjectTask(models.Model):
    _inherit = "project.task"

    def _tc_job_equipment(self):
        self.ensure_one()
        equipment = self.tc_case_id.tc_equipment_id or self.env[
            "tc.equipment"
        ]._tc_installed_at(self.tc_location_id)
        if not equipment:
            raise UserError(
                self.env._(
                    "Job %(job)s has no case equipment and no ONT or router is "
                    "installed at its location.",
                    job=self.display_name,
                )
            )
        return equipment

    def action_tc_run_diagnostics(self):
        """Read the customer's device now (SNMP), from the job."""
        self.ensure_one()
        self._tc_check_group("tc_fieldops.group_dispatcher")
        self.check_access("read")
        return self._tc_job_equipment()._tc_run_diagnostics(
            ticket=self.tc_case_id or None
        )

    def action_tc_remote_reboot(self):
        """Try a remote reboot (TR-069) before sending someone."""
        self.ensure_one()
        self._tc_check_group("tc_fieldops.group_dispatcher")
        self.check_access("read")
        return self.env["tc.network.action"]._tc_tr069(
            self._tc_job_equipment(), "reboot", ticket=self.tc_case_id or None
        )
