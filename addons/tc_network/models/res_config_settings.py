# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


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
    tc_olt_timeout = fields.Float(
        "OLT deadline (s)",
        config_parameter="tc_network.olt_timeout",
        help="Longest one OLT may take for all its walks; 0: derived from its "
        "credential's timeout and retries.",
    )
    tc_bulk_max_repetitions = fields.Integer(
        "Rows per GETBULK",
        config_parameter="tc_network.bulk_max_repetitions",
        default=50,
    )
    tc_outage_expected_hours = fields.Integer(
        "Outage expected repair time (h)",
        config_parameter="tc_network.outage_expected_hours",
        default=4,
    )

    @api.constrains(
        "tc_poll_concurrency",
        "tc_olt_timeout",
        "tc_bulk_max_repetitions",
        "tc_outage_expected_hours",
    )
    def _check_tc_network_settings(self):
        for rec in self:
            if rec.tc_poll_concurrency < 1 or rec.tc_poll_concurrency > 1024:
                raise ValidationError(
                    self.env._("SNMP polling concurrency must be between 1 and 1024.")
                )
            if rec.tc_olt_timeout < 0:
                raise ValidationError(
                    self.env._("The OLT deadline cannot be negative.")
                )
            if not 1 <= rec.tc_bulk_max_repetitions <= 200:
                raise ValidationError(
                    self.env._("Rows per GETBULK must be between 1 and 200.")
                )
            if not 1 <= rec.tc_outage_expected_hours <= 240:
                raise ValidationError(
                    self.env._(
                        "The expected repair time told to customers must be between "
                        "1 and 240 hours."
                    )
                )
