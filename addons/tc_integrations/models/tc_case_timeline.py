# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The timeline kinds tc_integrations writes on a case: events received and
commands sent (kept as notes when tc_integrations is uninstalled)."""

from odoo import fields, models


class TcCaseTimeline(models.Model):
    _inherit = "tc.case.timeline"

    kind = fields.Selection(
        selection_add=[("event", "Event"), ("command", "Command"), ("diagnostic",)],
        ondelete={
            "event": lambda entries: entries._tc_keep_as_notes(),
            "command": lambda entries: entries._tc_keep_as_notes(),
        },
    )
