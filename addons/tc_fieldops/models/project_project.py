# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    tc_is_field_ops = fields.Boolean(
        "Field operations",
        index=True,
        help="Tasks of this project are dispatch jobs: scheduled on technicians, "
        "worked in the field views and linked to cases.",
    )
    tc_dispatch_user_id = fields.Many2one(
        "res.users",
        "Dispatch contact",
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("tc_fieldops.group_dispatcher").id)
        ],
        help="Receives customers' reschedule requests (default: the project manager).",
    )
