# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.3.0: portal users see only the stage entries of their cases' timeline
(incident entries name internal incidents). The rule is noupdate data, so an
upgrade does not rewrite it by itself."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref("tc_care.tc_case_timeline_rule_portal", raise_if_not_found=False)
    if rule:
        rule.domain_force = (
            "[('ticket_id.commercial_partner_id', '=', "
            "user.commercial_partner_id.id), ('kind', '=', 'stage')]"
        )
