# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    tc_acs_nbi_url = fields.Char(
        "GenieACS NBI URL",
        config_parameter="tc_network.acs_nbi_url",
        help="e.g. http://acs.internal:7557 — reachable from Odoo only, never from "
        "customers or partners (the NBI has no authentication).",
    )
    tc_poll_concurrency = fields.Integer(
        "SNMP polling concurrency",
        config_parameter="tc_network.poll_concurrency",
        default=64,
    )
