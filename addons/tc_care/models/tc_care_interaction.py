# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

INTERACTION_KINDS = [("call", "Call"), ("sms", "SMS"), ("visit", "Visit")]
OUTCOMES = [
    ("resolved", "Resolved"),
    ("follow_up", "Follow-up needed"),
    ("no_answer", "No answer"),
    ("callback", "Callback requested"),
    ("info_given", "Information given"),
]


class TcCareInteraction(models.Model):
    """A call, SMS or visit logged on a case: who, when, which way, outcome."""

    _name = "tc.care.interaction"
    _description = "Case interaction"
    _order = "date desc, id desc"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(INTERACTION_KINDS, required=True, default="call")
    direction = fields.Selection(
        [("inbound", "Inbound"), ("outbound", "Outbound")],
        required=True,
        default="outbound",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    agent_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user
    )
    outcome = fields.Selection(OUTCOMES, required=True)
    duration_minutes = fields.Float("Duration (min)")
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        subtype = self.env.ref("tc_care.mt_interaction")
        kinds = dict(INTERACTION_KINDS)
        outcomes = dict(OUTCOMES)
        for rec in records:
            summary = self.env._(
                "%(kind)s (%(direction)s) by %(agent)s: %(outcome)s",
                kind=kinds[rec.kind],
                direction=rec.direction,
                agent=rec.agent_id.name,
                outcome=outcomes[rec.outcome],
            )
            rec.ticket_id.message_post(
                body=summary + (f"\n{rec.note}" if rec.note else ""),
                subtype_id=subtype.id,
                message_type="comment",
            )
            rec.ticket_id._tc_timeline("interaction", summary, progress=True)
        return records

    def _check_access(self, operation):
        # visible and editable only as far as the case itself is (like OCA's SLA lines)
        result = super()._check_access(operation)
        return result or self.ticket_id._check_access(
            "read" if operation == "read" else "write"
        )
