# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError

TARGETS = ("tc.event", "tc.command")


class TcIntegrationIgnore(models.TransientModel):
    _name = "tc.integration.ignore"
    _description = "Ignore events or commands, with a reason"

    reason = fields.Text(required=True)

    def action_confirm(self):
        """Button (supervisors): ignores events / cancels commands; the records
        come from the context, so they are read in the user's rights first."""
        if not self.env.user.has_group("tc_care.group_supervisor"):
            raise AccessError(self.env._("Only supervisors ignore integration work."))
        model = self.env.context.get("active_model")
        if model not in TARGETS:
            raise UserError(self.env._("Nothing to ignore."))
        records = self.env[model].browse(self.env.context.get("active_ids") or [])
        records = records.exists()
        records.check_access("read")
        records._tc_ignore(self.reason)
        return {"type": "ir.actions.act_window_close"}
