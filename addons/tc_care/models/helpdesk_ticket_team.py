# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class HelpdeskTicketTeam(models.Model):
    _inherit = "helpdesk.ticket.team"

    tc_escalation_user_id = fields.Many2one(
        "res.users",
        "Escalation user",
        help="Breached tickets (level 2) are reassigned to this user.",
    )
    tc_supervisor_id = fields.Many2one(
        "res.users",
        "Supervisor",
        help="Gets an activity when a ticket of the team breaches its SLA.",
    )
    tc_manager_id = fields.Many2one(
        "res.users",
        "Manager",
        help="Gets an activity when a ticket stays breached (level 3).",
    )
