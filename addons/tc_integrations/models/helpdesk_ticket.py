# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    tc_api_partner_id = fields.Many2one(
        "res.partner",
        "Opened by partner",
        readonly=True,
        index="btree_not_null",
        help="The API partner that opened this case (partner API).",
    )
