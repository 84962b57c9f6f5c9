# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The timeline kind tc_fieldops writes on a case: its field jobs (kept as notes
when tc_fieldops is uninstalled)."""

from odoo import fields, models


class TcCaseTimeline(models.Model):
    _inherit = "tc.case.timeline"

    kind = fields.Selection(
        selection_add=[("field_job", "Field job")],
        ondelete={"field_job": lambda entries: entries._tc_keep_as_notes()},
    )
