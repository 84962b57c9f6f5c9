# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class HelpdeskTicketType(models.Model):
    _inherit = "helpdesk.ticket.type"

    tc_code = fields.Char(
        "Code",
        index=True,
        help="Stable code used by integrations (e.g. provisioning_failure).",
    )
    tc_stuck_hours = fields.Float(
        "Stuck after (hours)",
        default=24.0,
        help="A ticket of this type with no progress (stage change, staff message, "
        "linked event) for this long is flagged as stuck. 0 disables.",
    )

    tc_default_team_id = fields.Many2one(
        "helpdesk.ticket.team",
        "Default team",
        help="Cases of this kind opened without a team (by integrations, order "
        "reviews, the portal) go to this team, and so get its SLAs.",
    )

    _sql_constraints = [
        ("tc_code_uniq", "unique(tc_code)", "The case kind code must be unique."),
    ]
