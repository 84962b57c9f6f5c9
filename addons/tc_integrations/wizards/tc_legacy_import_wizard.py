# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..lib.legacy_format import ENTITIES

# Bigger histories go through the command line (docs/import.md): an upload is
# held in memory by the web request and copied to the filestore.
MAX_UPLOAD_MB = 64


class TcLegacyImportWizard(models.TransientModel):
    _name = "tc.legacy.import.wizard"
    _description = "Import legacy files"

    customers_file = fields.Binary("customers.csv")
    customers_name = fields.Char()
    locations_file = fields.Binary("locations.csv")
    locations_name = fields.Char()
    equipment_file = fields.Binary("equipment.csv")
    equipment_name = fields.Char()
    subscriptions_file = fields.Binary("subscriptions.csv")
    subscriptions_name = fields.Char()
    tickets_file = fields.Binary("tickets.csv")
    tickets_name = fields.Char()
    messages_file = fields.Binary("messages.csv")
    messages_name = fields.Char()
    batch_size = fields.Integer(default=500, required=True)

    def action_import(self):
        """Button (care managers)."""
        self.ensure_one()
        if not self.env.user.has_group("tc_care.group_manager"):
            raise AccessError(self.env._("Only care managers import legacy files."))
        if not 1 <= self.batch_size <= 5000:
            raise UserError(self.env._("The batch size must be between 1 and 5000."))
        files = {}
        total = 0
        for entity in ENTITIES:
            content = self[f"{entity}_file"]
            if content:
                data = base64.b64decode(content)
                total += len(data)
                files[entity] = (self[f"{entity}_name"] or f"{entity}.csv", data)
        if not files:
            raise UserError(self.env._("Choose at least one file to import."))
        if total > MAX_UPLOAD_MB * 1024 * 1024:
            raise UserError(
                self.env._(
                    "These files are over %(mb)s MB: import them with the command "
                    "line (docs/import.md).",
                    mb=MAX_UPLOAD_MB,
                )
            )
        run = self.env["tc.legacy.import.run"]._tc_create_for_uploads(
            files, batch_size=self.batch_size
        )
        run.action_start()
        # the run holds the files now: the wizard row (kept until the transient
        # vacuum) does not keep a second copy of the customers' data
        self.write({f"{entity}_file": False for entity in ENTITIES})
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.legacy.import.run",
            "res_id": run.id,
            "view_mode": "form",
            "target": "current",
        }
