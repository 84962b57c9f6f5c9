# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class TcFieldopsMaterial(models.Model):
    _name = "tc.fieldops.material"
    _inherit = ["tc.fieldops.job.line.mixin"]
    _description = "Material used on a job"
    _order = "id"

    task_id = fields.Many2one(
        "project.task", "Job", required=True, ondelete="cascade", index=True
    )
    name = fields.Char("Material", required=True)
    quantity = fields.Float(default=1.0, digits=(16, 2))
    uom = fields.Char("Unit", default=lambda self: self.env._("pcs"))
