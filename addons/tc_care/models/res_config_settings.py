# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    tc_sla_at_risk_share = fields.Float(
        "SLA at risk at",
        config_parameter="tc_care.sla_at_risk_share",
        default=0.8,
        help="Share of an SLA's target (working time) after which it is at risk: "
        "0.8 = at risk once 80% of the time is used.",
    )
    tc_sla_level3_hours = fields.Float(
        "Escalate to manager after (hours breached)",
        config_parameter="tc_care.sla_level3_hours",
        default=4.0,
    )
