# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The timeline kinds tc_network writes on a case: diagnostics of its equipment
(kept as notes when tc_network is uninstalled)."""

from odoo import fields, models


class TcCaseTimeline(models.Model):
    _inherit = "tc.case.timeline"

    kind = fields.Selection(
        selection_add=[("diagnostic", "Diagnostic"), ("note",)],
        ondelete={"diagnostic": lambda entries: entries._tc_keep_as_notes()},
    )
