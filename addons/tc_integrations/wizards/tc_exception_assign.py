# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


class TcExceptionAssign(models.TransientModel):
    _name = "tc.exception.assign"
    _description = "Assign exceptions to a person"

    user_id = fields.Many2one(
        "res.users",
        "Assign to",
        required=True,
        domain=lambda self: [
            ("groups_id", "in", self.env.ref("tc_care.group_agent").ids),
            ("share", "=", False),
        ],
    )

    def action_confirm(self):
        if self.env.context.get("active_model") != "tc.exception":
            raise UserError(self.env._("Nothing to assign."))
        rows = self.env["tc.exception"].browse(self.env.context.get("active_ids") or [])
        rows = rows.exists()
        if not rows:
            raise UserError(self.env._("These exceptions were handled meanwhile."))
        rows._tc_assign(self.user_id)
        return {"type": "ir.actions.act_window_close"}
