# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class MailMessage(models.Model):
    """Imported ticket messages keep their legacy id: a second run updates them
    instead of posting them again."""

    _name = "mail.message"
    _inherit = ["mail.message", "tc.legacy.mixin"]

    def init(self):
        # mail.message's own init() does not call super(): the mixin's would
        # never run
        res = super().init()
        self._tc_legacy_index()
        return res
