# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .res_partner import TIERS

SLA_TARGETS = [("first_response", "First response"), ("resolution", "Resolution")]


class HelpdeskSla(models.Model):
    _inherit = "helpdesk.sla"

    tc_target = fields.Selection(
        SLA_TARGETS,
        string="Target",
        default="resolution",
        required=True,
        help="First response: met by the first public reply of a staff member (or "
        "by reaching the target stage). Resolution: met by reaching the target stage.",
    )
    # Tier and priority are fields of their own rather than expressions in the
    # SLA's domain: they are matched in batch without evaluating a domain per ticket,
    # and a manager sees and filters them in the list.
    tc_customer_tier = fields.Selection(
        TIERS, "Customer tier", help="Empty: applies to every tier."
    )
    tc_priority = fields.Selection(
        [("0", "Low"), ("1", "Medium"), ("2", "High"), ("3", "Very High")],
        "Priority",
        help="Empty: applies to every priority.",
    )
    tc_fixed_deadline = fields.Boolean(
        "Deadline given by another system",
        help="Never matched to cases automatically: an integration places this "
        "SLA on a case with the deadline it was given (e.g. a chargeback's "
        "respond-by date), see helpdesk.ticket._tc_set_fixed_deadline().",
    )
