# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class TcFieldopsReschedule(models.Model):
    """One change of a scheduled job's window or technician: before, after, who,
    when and why. Written by ``project.task`` only; never edited."""

    _name = "tc.fieldops.reschedule"
    _description = "Field job reschedule"
    _order = "date desc, id desc"
    _rec_name = "task_id"

    task_id = fields.Many2one(
        "project.task", "Job", required=True, ondelete="cascade", index=True
    )
    date = fields.Datetime("When", required=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", "By", required=True)
    reason = fields.Char(required=True)
    old_start = fields.Datetime("Previous start")
    old_end = fields.Datetime("Previous end")
    old_technician_id = fields.Many2one("hr.employee", "Previous technician")
    new_start = fields.Datetime("New start")
    new_end = fields.Datetime("New end")
    new_technician_id = fields.Many2one("hr.employee", "New technician")

    def write(self, vals):
        if vals:
            raise UserError(self.env._("The reschedule history cannot be changed."))
        return super().write(vals)
