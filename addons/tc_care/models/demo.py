# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data support of tc_care: what the demo XML calls (``<function
model="tc.care.demo" .../>``) to make the demo cases show every SLA status and a
stuck case. No table, no public method; never called outside demo data loading.
"""

from datetime import timedelta

from odoo import api, fields, models


class TcCareDemo(models.AbstractModel):
    _name = "tc.care.demo"
    _description = "TC Care demo data helpers"

    @api.model
    def _age(self, xmlids_hours):
        """Demo only: make cases look ``hours`` old (creation, SLA clocks and last
        progress), then run the escalation and stuck crons as the scheduler would."""
        Ticket = self.env["helpdesk.ticket"]
        now = fields.Datetime.now()
        self.env.flush_all()
        for xmlid, hours in xmlids_hours:
            ticket = self.env.ref(xmlid)
            then = now - timedelta(hours=hours)
            self.env.cr.execute(
                "UPDATE helpdesk_ticket SET create_date = %s, tc_last_progress_at = %s "
                "WHERE id = %s",
                (then, then, ticket.id),
            )
            self.env.cr.execute(
                "UPDATE helpdesk_ticket_sla SET last_state_date = %s "
                "WHERE ticket_id = %s AND last_state_date IS NOT NULL",
                (then, ticket.id),
            )
        self.env.invalidate_all()
        lines = self.env["helpdesk.ticket.sla"].search(
            [("ticket_id", "in", [self.env.ref(x).id for x, _h in xmlids_hours])]
        )
        lines._compute_deadline()
        lines.flush_recordset()
        Ticket._cron_escalate_sla()
        Ticket._cron_detect_stuck()

    @api.model
    def _answer_and_close(self, xmlid, body):
        """Demo only: a staff member answers publicly, then the case is closed."""
        ticket = self.env.ref(xmlid)
        agent = ticket.user_id or self.env.user
        ticket.with_user(agent).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        ticket._tc_close_cases()

    @api.model
    def _at_risk(self, xmlid):
        """Demo only: a case answered in time whose resolution clock has used most
        of its time (at risk from an hour ago, deadline in two hours)."""
        ticket = self.env.ref(xmlid)
        now = fields.Datetime.now()
        ticket.with_user(ticket.user_id or self.env.user).message_post(
            body=self.env._("We are looking into it."),
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE helpdesk_ticket_sla SET tc_at_risk_at = %s, deadline = %s "
            "WHERE ticket_id = %s AND state = 'in_progress'",
            (now - timedelta(hours=1), now + timedelta(hours=2), ticket.id),
        )
        self.env.invalidate_all()
        self.env["helpdesk.ticket"]._cron_escalate_sla()
