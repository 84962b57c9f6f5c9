# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The case timeline (tc.case.timeline): the append-only "why is it stuck?" trail of
a case, and the kinds of entry tc_care itself writes. An addon that writes kinds of
its own adds them in its ``models/tc_case_timeline.py`` (``selection_add``, with
``ondelete`` keeping its entries as notes when it is uninstalled:
``_tc_keep_as_notes``)."""

from odoo import api, fields, models
from odoo.exceptions import UserError

# tc_care's own kinds; "note" is the plain kind every addon may write
TIMELINE_KINDS = [
    ("stage", "Stage change"),
    ("sla", "SLA"),
    ("escalation", "Escalation"),
    ("stuck", "Stuck"),
    ("incident", "Incident"),
    ("interaction", "Interaction"),
    ("note", "Note"),
]


class TcCaseTimeline(models.Model):
    """The "why is it stuck?" timeline of a case.

    Append-only: every addon that touches a case adds an entry here (tc_care for
    stages, SLA events, escalations; tc_integrations for events and commands;
    tc_network for diagnostics; tc_fieldops for field jobs) through
    ``helpdesk.ticket._tc_timeline()``.
    """

    _name = "tc.case.timeline"
    _description = "Case timeline entry"
    _order = "date desc, id desc"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    kind = fields.Selection(TIMELINE_KINDS, required=True)
    name = fields.Char("What happened", required=True)
    user_id = fields.Many2one("res.users", "By", default=lambda self: self.env.user)
    progress = fields.Boolean(
        help="This entry counts as progress for stuck detection (stage change, "
        "staff message, linked event)."
    )
    res_model = fields.Char("Related model")
    res_id = fields.Many2oneReference("Related record", model_field="res_model")
    correlation_id = fields.Char(index="btree_not_null")

    @api.model_create_multi
    def create(self, vals_list):
        entries = super().create(vals_list)
        progressed = entries.filtered("progress")
        if progressed:
            progressed.ticket_id._tc_mark_progress(max(progressed.mapped("date")))
        return entries

    def _tc_keep_as_notes(self):
        """``ondelete`` policy of the kinds other addons add: when the addon that
        owns a kind is uninstalled, its entries stay in the audit trail as plain
        notes (one UPDATE: ``write`` refuses changes to an entry)."""
        if self:
            self.env.cr.execute(
                "UPDATE tc_case_timeline SET kind = 'note' WHERE id IN %s",
                [tuple(self.ids)],
            )
            self.invalidate_recordset(["kind"])

    def write(self, vals):
        # An audit trail: entries are not edited once written.
        if set(vals) - {"res_model", "res_id"}:
            raise UserError(
                self.env._("Timeline entries cannot be changed once written.")
            )
        return super().write(vals)

    def _check_access(self, operation):
        # visible and editable only as far as the case itself is (like OCA's SLA lines)
        result = super()._check_access(operation)
        return result or self.ticket_id._check_access(
            "read" if operation == "read" else "write"
        )
