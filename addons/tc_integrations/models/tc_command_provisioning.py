# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The data plane's answer to a ``RetryProvisioning`` command, on its case: the
acknowledgement (remote command id, status, already applied) goes on the timeline
and the case keeps waiting for the next provisioning event; a refusal or a give-up
(the outbox's activity path) ends the wait."""

from odoo import models

from .helpdesk_ticket_provisioning import COMMAND, RETRY_WAIT


class TcCommand(models.Model):
    _inherit = "tc.command"

    def _tc_on_acked(self, result):
        res = super()._tc_on_acked(result)
        if self.name == COMMAND and self.ticket_id:
            self.ticket_id._tc_timeline(
                "command",
                self.env._(
                    "Provisioning retry accepted by the data plane: command "
                    "%(remote)s, status %(status)s%(again)s; waiting for its next "
                    "provisioning event",
                    remote=result.command_id or "-",
                    status=result.status or result.http_status,
                    again=self.env._(" (already applied)")
                    if result.already_applied
                    else "",
                )[:250],
                progress=True,
                res_model=self._name,
                res_id=self.id,
                correlation_id=self.correlation_id,
            )
        return res

    def _tc_refused(self, error, status):
        res = super()._tc_refused(error, status)
        self._tc_end_retry_wait()
        return res

    def _tc_exhausted(self, error, attempts, **vals):
        res = super()._tc_exhausted(error, attempts, **vals)
        self._tc_end_retry_wait()
        return res

    def _tc_end_retry_wait(self):
        """A retry that will not happen: its case waits for a person (the
        activity the outbox gave it), not for the data plane."""
        cases = self.filtered(lambda c: c.name == COMMAND).ticket_id.sudo()
        cases.filtered(lambda c: c.tc_waiting_for == RETRY_WAIT).write(
            {"tc_waiting_for": False}
        )
