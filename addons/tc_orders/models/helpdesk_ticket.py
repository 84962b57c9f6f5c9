# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Cases: their refund/credit requests and their requests to suspend or resume the
customer's service (buttons for the care team)."""

from odoo import fields, models
from odoo.exceptions import AccessError


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    # refunds and credits are the care team's business, not the customer's
    tc_adjustment_ids = fields.One2many(
        "tc.adjustment.request",
        "ticket_id",
        "Adjustment requests",
        groups="tc_care.group_agent",
    )
    tc_adjustment_count = fields.Integer(
        compute="_compute_tc_adjustment_count", groups="tc_care.group_agent"
    )

    tc_subscription_request_count = fields.Integer(
        compute="_compute_tc_subscription_request_count", groups="tc_care.group_agent"
    )

    def _compute_tc_subscription_request_count(self):
        data = self.env["tc.subscription.request"]._read_group(
            [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
        )
        counts = {ticket.id: count for ticket, count in data}
        for ticket in self:
            ticket.tc_subscription_request_count = counts.get(ticket.id, 0)

    def _compute_tc_adjustment_count(self):
        data = self.env["tc.adjustment.request"]._read_group(
            [("ticket_id", "in", self.ids)], ["ticket_id"], ["__count"]
        )
        counts = {ticket.id: count for ticket, count in data}
        for ticket in self:
            ticket.tc_adjustment_count = counts.get(ticket.id, 0)

    def _tc_check_agent(self):
        if not self.env.user.has_group("tc_care.group_agent"):
            raise AccessError(
                self.env._("Only the care team requests refunds and credits.")
            )

    def action_tc_request_adjustment(self):
        """Open a new refund/credit request prefilled from this case."""
        self.ensure_one()
        self._tc_check_agent()
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
        self._tc_check_agent()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.adjustment.request",
            "view_mode": "list,form",
            "domain": [("ticket_id", "=", self.id)],
            "context": {"default_ticket_id": self.id},
            "name": self.env._("Adjustment requests"),
        }

    def action_tc_request_subscription_change(self):
        """Open a new request to suspend (or resume) the case's subscription."""
        self.ensure_one()
        self._tc_check_agent()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.subscription.request",
            "view_mode": "form",
            "target": "current",
            "context": {
                "default_ticket_id": self.id,
                "default_partner_id": self.commercial_partner_id.id,
                "default_subscription_ref": self.tc_subscription_ref,
            },
            "name": self.env._("Suspend / resume service"),
        }

    def action_tc_view_subscription_requests(self):
        self.ensure_one()
        self._tc_check_agent()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.subscription.request",
            "view_mode": "list,form",
            "domain": [("ticket_id", "=", self.id)],
            "context": {"default_ticket_id": self.id},
            "name": self.env._("Subscription requests"),
        }
