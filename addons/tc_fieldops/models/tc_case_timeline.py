# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


def _keep_as_notes(entries):
    # The timeline is append-only (tc.case.timeline.write refuses changes): on
    # uninstall our entries stay in the audit trail, as plain notes.
    if entries:
        entries.env.cr.execute(
            "UPDATE tc_case_timeline SET kind = 'note' WHERE id IN %s",
            [tuple(entries.ids)],
        )
        entries.invalidate_recordset(["kind"])


class TcCaseTimeline(models.Model):
    _inherit = "tc.case.timeline"

    kind = fields.Selection(
        selection_add=[("field_job", "Field job")],
        ondelete={"field_job": _keep_as_notes},
    )
