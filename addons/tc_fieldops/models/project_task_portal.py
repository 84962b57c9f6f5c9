# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The customer's side of a dispatch job (the portal): which jobs are theirs, the
plain values they may see, their confirmation of an appointment and their request
to reschedule it. The routes are in controllers/portal.py."""

from odoo import api, fields, models

from .project_task import JOB_STATES


class ProjectTask(models.Model):
    _inherit = "project.task"

    tc_customer_confirmed = fields.Boolean(
        "Confirmed by the customer", copy=False, tracking=True
    )
    tc_confirmed_at = fields.Datetime("Confirmed on", copy=False, readonly=True)

    @api.model
    def _tc_portal_domain(self, partner):
        """Jobs of the customer ``partner`` (their commercial partner) as shown on
        the portal."""
        commercial = partner.commercial_partner_id
        return [
            ("tc_is_job", "=", True),
            "|",
            ("partner_id", "child_of", commercial.id),
            ("tc_location_id", "child_of", commercial.id),
        ]

    def _tc_portal_values(self):
        """Plain, customer-facing values of a job for its customer: nothing else
        leaves the server (not the job's internal name, dispatch notes, the
        technician's full name, or a case that is not the customer's own, such as
        an outage incident)."""
        self.ensure_one()
        job = self.sudo()
        states = dict(JOB_STATES)
        types = dict(job._fields["tc_job_type"]._description_selection(job.env))
        technician = job.tc_technician_id
        case = job.tc_case_id
        customer = (
            job.partner_id.commercial_partner_id
            or job.tc_location_id.commercial_partner_id
        )
        own_case = (
            case
            and not case.tc_is_incident
            and case.partner_id.commercial_partner_id == customer
        )
        return {
            "id": job.id,
            "type": types.get(job.tc_job_type, ""),
            "state": job.tc_job_state,
            "state_label": states.get(job.tc_job_state, ""),
            "window": job.tc_customer_window_label or "",
            "start": job.planned_date_start,
            "location": job.tc_location_id.name or job.tc_address or "",
            "address": job.tc_address or "",
            "technician": (technician.name or "").split(" ")[0] if technician else "",
            "confirmed": job.tc_customer_confirmed,
            "case": case.name if own_case else "",
            "can_change": job.tc_job_state in ("to_schedule", "scheduled"),
        }

    def _tc_request_reschedule(self, reason, preferred=None):
        """A customer asks for another time: an activity for dispatch and a note
        on the job. Called by the portal as superuser after its own checks."""
        self.ensure_one()
        job = self.sudo()
        partner = self.env.user.partner_id
        note = self.env._(
            "%(who)s asks to reschedule %(window)s. Reason: %(reason)s",
            who=partner.name,
            window=job.tc_customer_window_label or self.env._("(not scheduled)"),
            reason=reason or self.env._("none given"),
        )
        if preferred:
            note += "\n" + self.env._("Preferred: %(when)s", when=preferred)
        job.activity_schedule(
            "tc_fieldops.mail_activity_type_reschedule_request",
            summary=self.env._("Customer asks to reschedule"),
            note=note,
            user_id=job._tc_dispatch_user().id,
        )
        job.message_post(body=note, subtype_xmlid="mail.mt_note", author_id=partner.id)
        job._tc_case_timeline(
            self.env._("Customer asked to reschedule: %(reason)s", reason=reason or "-")
        )
        return True

    def _tc_confirm_by_customer(self):
        self.ensure_one()
        job = self.sudo()
        if not job.tc_customer_confirmed:
            job.write(
                {
                    "tc_customer_confirmed": True,
                    "tc_confirmed_at": fields.Datetime.now(),
                }
            )
            job.message_post(
                body=self.env._(
                    "The customer confirmed the appointment %(window)s.",
                    window=job.tc_customer_window_label,
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return True
