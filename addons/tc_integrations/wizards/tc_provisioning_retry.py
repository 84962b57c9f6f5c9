# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The *Retry provisioning* wizard of a provisioning-failure case: shows the job,
the failed attempt and the diagnostics summary the command will carry, takes the
agent's optional note, and asks the case to queue ``RetryProvisioning``
(``helpdesk.ticket._tc_retry_provisioning``, which reads everything from the case
again: no value shown here is trusted)."""

from odoo import api, fields, models


class TcProvisioningRetry(models.TransientModel):
    _name = "tc.provisioning.retry"
    _description = "Retry provisioning"

    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", required=True, ondelete="cascade"
    )
    # shown for the agent, computed from the case (never stored, never trusted)
    job_ref = fields.Char(
        "Provisioning job", compute="_compute_from_case", readonly=True
    )
    attempt = fields.Integer(
        "Failed attempt", compute="_compute_from_case", readonly=True
    )
    diagnostics = fields.Text(
        "Diagnostics summary",
        compute="_compute_from_case",
        readonly=True,
        help="The case's last remote diagnostics, as the system saw them; sent "
        "with the retry.",
    )
    note = fields.Text(help="Optional: what the data plane's operators should know.")

    @api.depends("ticket_id")
    def _compute_from_case(self):
        for wizard in self:
            case = wizard.ticket_id
            # what the user may read of the case only
            if not case or not case.has_access("read"):
                wizard.job_ref = wizard.diagnostics = False
                wizard.attempt = 0
                continue
            wizard.job_ref = case.sudo().tc_provisioning_job_ref
            wizard.attempt = case._tc_retry_attempt()
            wizard.diagnostics = case._tc_diagnostics_summary() or False

    def action_confirm(self):
        """Button (agents and above, on cases they may change)."""
        self.ensure_one()
        self.ticket_id._tc_retry_provisioning(self.note)
        return {"type": "ir.actions.act_window_close"}
