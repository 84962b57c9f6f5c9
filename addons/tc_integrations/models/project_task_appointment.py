# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A dispatch job's appointment with the order service: after every create / write of
a job that touches its schedule, confirmation or status (whoever makes it: a
dispatcher, the portal's confirm as superuser, a status button), the job's live
``tc.installation.appointment`` is made to match its confirmed window and technician,
or cancelled with the job. No context key skips it."""

from odoo import api, fields, models

from .tc_installation_appointment import LIVE_STATES

# a write of any of these may change what the order service must be told
APPOINTMENT_FIELDS = frozenset(
    {
        "planned_date_start",
        "planned_date_end",
        "tc_technician_id",
        "tc_customer_confirmed",
        "tc_job_state",
        "tc_case_id",
        "project_id",
        "state",
    }
)
# a confirmed job in these states has an appointment
APPOINTMENT_JOB_STATES = ("scheduled", "en_route")


class ProjectTask(models.Model):
    _inherit = "project.task"

    tc_appointment_ids = fields.One2many(
        "tc.installation.appointment",
        "task_id",
        "Appointments sent",
        groups="tc_fieldops.group_dispatcher,tc_care.group_agent",
    )

    @api.model_create_multi
    def create(self, vals_list):
        tasks = super().create(vals_list)
        tasks._tc_sync_appointments()
        return tasks

    def write(self, vals):
        result = super().write(vals)
        if APPOINTMENT_FIELDS & set(vals):
            self._tc_sync_appointments()
        return result

    def _tc_appointment_values(self):
        """What the order service must hold for this job, or None: a scheduled job
        of a case with an order, confirmed by the customer. Read as superuser."""
        self.ensure_one()
        job = self.sudo()
        order = job.tc_case_id.tc_order_ref
        if not (
            job.tc_is_job
            and job.tc_job_state in APPOINTMENT_JOB_STATES
            and job.tc_customer_confirmed
            and order
            and job.tc_technician_id
            and job.planned_date_start
            and job.planned_date_end
        ):
            return None
        technician = job.tc_technician_id
        return {
            "task_id": job.id,
            "ticket_id": job.tc_case_id.id,
            "order_ref": order,
            "window_start": job.planned_date_start,
            "window_end": job.planned_date_end,
            "technician_id": technician.id,
            "technician_ref": technician.barcode or "EMP-%d" % technician.id,
        }

    def _tc_sync_appointments(self):
        """Make each job's live appointment match what it should be: none → a new
        one; another window or technician → a new one, then the old one cancelled
        after it; a cancelled job → its appointment cancelled. Safe to run again
        (nothing changes when it matches)."""
        Appointment = self.env["tc.installation.appointment"].sudo()
        for job in self._tc_jobs().sudo():
            cancelled = job.tc_job_state == "cancelled"
            values = None if cancelled else job._tc_appointment_values()
            if not cancelled and not values:
                continue
            held = Appointment._tc_held_for(job)
            if cancelled:
                held._tc_cancel("job_cancelled")
            elif not (held.state in LIVE_STATES and held._tc_matches(values)):
                Appointment._tc_book(values, replaces=held)
