# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""tc.equipment seen from dispatch: dispatchers run diagnostics and remote fixes
before sending a technician."""

from odoo import api, models


class TcEquipment(models.Model):
    _inherit = "tc.equipment"

    @api.model
    def _tc_operator_groups(self):
        return super()._tc_operator_groups() + ["tc_fieldops.group_dispatcher"]
