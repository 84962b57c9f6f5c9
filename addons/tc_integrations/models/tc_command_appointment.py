# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The outbox's side of installation appointments: the answers to
Create/CancelInstallationAppointment move their appointment
(``tc_installation_appointment.py``), and an appointment's cancellation never
reaches the order service before its own creation."""

from datetime import timedelta

from odoo import fields, models

from .tc_command import SENDABLE
from .tc_installation_appointment import CANCEL_COMMAND

APPOINTMENT = "tc.installation.appointment"


class TcCommand(models.Model):
    _inherit = "tc.command"

    def _tc_appointment(self):
        self.ensure_one()
        if self.res_model != APPOINTMENT or not self.res_id:
            return self.env[APPOINTMENT]
        return self.env[APPOINTMENT].sudo().browse(self.res_id).exists()

    def _tc_job_send(self):
        # Override: a cancel follows the new appointment's Create (``after``), and
        # must not overtake the Create of the appointment it cancels either (a
        # reschedule confirmed while that one was still being retried)
        if not self.env.su:
            return super()._tc_job_send()
        self.ensure_one()
        if self.name == CANCEL_COMMAND and self.state in SENDABLE:
            waiting = self._tc_wait_for_own_create()
            if waiting:
                return waiting
        return super()._tc_job_send()

    def _tc_wait_for_own_create(self):
        appointment = self._tc_appointment()
        create = appointment.create_command_id
        if not appointment:
            return False
        if appointment.cancel_command_id != self:
            # a later decision cancels it (this one waited behind a refused
            # replacement): one cancellation reaches the order service
            return self._tc_not_sent(
                self.env._(
                    "Not sent: %(other)s cancels appointment %(ref)s instead.",
                    other=appointment.cancel_command_id.display_name,
                    ref=appointment.name,
                )
            )
        if create.state == "failed":
            # the order service refused that appointment: nothing to cancel
            appointment.write({"state": "failed"})
            return self._tc_not_sent(
                self.env._(
                    "Not sent: the order service refused appointment %s, so there "
                    "is nothing to cancel.",
                    appointment.name,
                )
            )
        if not create or create == self.after_command_id:
            return False  # the outbox's own ``after`` rule holds it
        if create.state in SENDABLE + ("waiting",):
            # look again once that one has had its next try
            eta = max(
                create.next_attempt_at or fields.Datetime.now(),
                fields.Datetime.now(),
            ) + timedelta(seconds=30)
            self._tc_schedule(eta=eta)
            return "waiting for %s %s (%s)" % (create.name, create.id, create.state)
        return False

    def _tc_not_sent(self, why):
        self._tc_lock()
        self.write({"state": "cancelled", "next_attempt_at": False})
        self.message_post(body=why, subtype_xmlid="mail.mt_note")
        return "not sent: %s" % why

    def _tc_on_acked(self, result):
        res = super()._tc_on_acked(result)
        appointment = self._tc_appointment()
        if appointment:
            appointment._tc_on_command_acked(self, result)
        return res

    def _tc_refused(self, error, status):
        res = super()._tc_refused(error, status)
        appointment = self._tc_appointment()
        if appointment:
            appointment._tc_on_command_refused(self)
        return res
