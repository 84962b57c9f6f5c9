# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    tc_adjustment_ids = fields.One2many(
        "tc.adjustment.request", "ticket_id", "Adjustment requests"
    )
    tc_adjustment_count = fields.Integer(compute="_compute_tc_adjustment_count")

    def _compute_tc_adjustment_count(self):
        data = self.env["tc.adjustment.request"]._read_group(
            [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
        )
        counts = {ticket.id: count for ticket, count in data}
        for ticket in self:
            ticket.tc_adjustment_count = counts.get(ticket.id, 0)

    def action_tc_request_adjustment(self):
        """Open a new refund/credit request prefilled from this case."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.adjustment.request",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_ticket_id": self.id,
                "default_partner_id": self.commercial_partner_id.id,
                "default_invoice_ref": self.tc_invoice_ref,
                "default_payment_ref": self.tc_payment_ref,
                "default_subscription_ref": self.tc_subscription_ref,
            },
            "name": self.env._("Request adjustment"),
        }

    def action_tc_view_adjustments(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.adjustment.request",
            "view_mode": "list,form",
            "domain": [("ticket_id", "=", self.id)],
            "context": {"default_ticket_id": self.id},
            "name": self.env._("Adjustment requests"),
        }
