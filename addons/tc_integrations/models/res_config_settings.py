# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    tc_reconciliation_hour = fields.Integer(
        "Reconcile at (hour)",
        config_parameter="tc_integrations.reconciliation_hour",
        default=2,
        help="Local hour (company time zone, 0-23) after which the night's "
        "reconciliation of the previous day runs.",
    )
    tc_reconciliation_group_by_customer = fields.Boolean(
        "One case per customer",
        config_parameter="tc_integrations.reconciliation_group_by_customer",
        help="Mismatches of one customer go into that customer's open "
        "reconciliation case instead of a case each.",
    )
    tc_reconciliation_page_size = fields.Integer(
        "Report page size",
        config_parameter="tc_integrations.reconciliation_page_size",
        default=500,
    )

    @api.constrains("tc_reconciliation_hour", "tc_reconciliation_page_size")
    def _check_tc_reconciliation(self):
        for settings in self:
            if not 0 <= settings.tc_reconciliation_hour <= 23:
                raise ValidationError(
                    self.env._("The reconciliation hour is between 0 and 23.")
                )
            if not 1 <= settings.tc_reconciliation_page_size <= 1000:
                raise ValidationError(
                    self.env._("The report page size is between 1 and 1000.")
                )
