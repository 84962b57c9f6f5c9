# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class TcFieldopsJobCheck(models.Model):
    """A checklist item of a job, copied from its checklist. The photo is an image
    stored as an attachment of the item."""

    _name = "tc.fieldops.job.check"
    _inherit = ["tc.fieldops.job.line.mixin"]
    _description = "Field job checklist item"
    _order = "sequence, id"
    # a technician ticks, photographs and comments the items of the checklist
    _tc_technician_fields = ("done", "photo", "note")
    _tc_system_fields = ("done_at", "done_by_id")

    task_id = fields.Many2one(
        "project.task", "Job", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char("Item", required=True)
    description = fields.Text()
    required = fields.Boolean(readonly=True)
    photo_required = fields.Boolean("Photo required", readonly=True)
    done = fields.Boolean()
    done_at = fields.Datetime("Done on", readonly=True)
    done_by_id = fields.Many2one("res.users", "Done by", readonly=True)
    photo = fields.Image(max_width=1920, max_height=1920)
    note = fields.Char()

    def _tc_line_vals(self, vals):
        if "done" in vals:
            vals = dict(vals)
            if vals["done"]:
                vals.update(done_at=fields.Datetime.now(), done_by_id=self.env.uid)
            else:
                vals.update(done_at=False, done_by_id=False)
        return vals
