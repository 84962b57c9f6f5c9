# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError


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
        """Button (supervisors): the rows come from the context, so they are read
        in the user's rights (record rules) before anything is assigned."""
        if not self.env.user.has_group("tc_care.group_supervisor"):
            raise AccessError(self.env._("Only supervisors assign exceptions."))
        if self.env.context.get("active_model") != "tc.exception":
            raise UserError(self.env._("Nothing to assign."))
        rows = self.env["tc.exception"].browse(self.env.context.get("active_ids") or [])
        rows = rows.exists()
        rows.check_access("read")
        if not rows:
            raise UserError(self.env._("These exceptions were handled meanwhile."))
        # the field's domain is the form's; over RPC any user id can be sent
        if self.user_id.share or not self.user_id.has_group("tc_care.group_agent"):
            raise UserError(self.env._("Exceptions go to care staff only."))
        rows._tc_assign(self.user_id)
        return {"type": "ir.actions.act_window_close"}
