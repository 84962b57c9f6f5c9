# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # jobs at this service location (used by the technicians' record rule on
    # contacts: a technician sees the customers and locations of their own jobs)
    tc_location_job_ids = fields.One2many(
        "project.task", "tc_location_id", "Dispatch jobs at this location"
    )
