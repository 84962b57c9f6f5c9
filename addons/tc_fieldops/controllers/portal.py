# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import BadRequest

from odoo import fields, http
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk

UPCOMING_STATES = ("to_schedule", "scheduled", "en_route", "on_site")
MAX_TEXT = 1000
# the only values of /my/appointments?message=
MESSAGES = ("reschedule_requested", "confirmed")


class TcFieldopsCustomerPortal(CustomerPortalHelpdesk):
    """Customers' appointments: /my/appointments and the ticket page.

    Jobs are internal records (customers have no access to project tasks): they are
    read as superuser, always within the user's customer (commercial partner), and
    only plain values leave the controller (``project.task._tc_portal_values``).
    Appointments are for customers (portal users): internal users see none. Every
    parameter is checked: a job that is not the customer's is 404, one that cannot
    change any more or a bad value 400 (website error pages
    exist for 400/403/404/500 only)."""

    def _tc_jobs(self, extra_domain=None):
        Task = request.env["project.task"].sudo()
        if not request.env.user.share:
            return Task.browse()
        domain = Task._tc_portal_domain(request.env.user.partner_id) + (
            extra_domain or []
        )
        return Task.search(domain, order="planned_date_start, id")

    def _tc_upcoming_domain(self):
        return [
            ("tc_job_state", "in", UPCOMING_STATES),
            "|",
            ("planned_date_end", "=", False),
            ("planned_date_end", ">=", fields.Datetime.now()),
        ]

    def _tc_own_job(self, job_id):
        """The job if it is one of the user's customer's, else an empty recordset."""
        return self._tc_jobs([("id", "=", job_id)])

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "tc_appointment_count" in counters:
            values["tc_appointment_count"] = len(
                self._tc_jobs(self._tc_upcoming_domain())
            )
        return values

    @http.route(["/my/appointments"], type="http", auth="user", website=True)
    def tc_portal_my_appointments(self, message=None, **kw):
        if message is not None and message not in MESSAGES:
            raise BadRequest(request.env._("Unknown message."))
        values = self._prepare_portal_layout_values()
        jobs = self._tc_jobs(self._tc_upcoming_domain())
        values.update(
            {
                "page_name": "tc_appointments",
                "tc_appointments": [job._tc_portal_values() for job in jobs],
                "tc_message": message,
            }
        )
        return request.render("tc_fieldops.portal_my_appointments", values)

    @http.route(
        ["/my/appointments/<int:job_id>/reschedule"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def tc_portal_reschedule(self, job_id, reason="", preferred="", **kw):
        reason = _text(reason, required=True)
        preferred = _text(preferred)
        job = self._tc_own_job(job_id)
        if not job:
            raise request.not_found()
        if job.tc_job_state not in UPCOMING_STATES:
            raise BadRequest(request.env._("This appointment can no longer change."))
        job._tc_request_reschedule(reason, preferred)
        return request.redirect("/my/appointments?message=reschedule_requested")

    @http.route(
        ["/my/appointments/<int:job_id>/confirm"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def tc_portal_confirm(self, job_id, **kw):
        job = self._tc_own_job(job_id)
        if not job:
            raise request.not_found()
        if job.tc_job_state != "scheduled":
            raise BadRequest(
                request.env._("Only a scheduled appointment can be confirmed.")
            )
        job._tc_confirm_by_customer()
        return request.redirect("/my/appointments?message=confirmed")

    def _ticket_get_page_view_values(self, ticket, access_token, **kwargs):
        values = super()._ticket_get_page_view_values(ticket, access_token, **kwargs)
        # the page was granted (ticket access checked by helpdesk_mgmt); its jobs are
        # shown only when they are the logged-in customer's
        jobs = (
            self._tc_jobs([("tc_case_id", "=", ticket.id)])
            if not request.env.user._is_public()
            else request.env["project.task"]
        )
        values["tc_appointments"] = [job._tc_portal_values() for job in jobs]
        return values


def _text(value, required=False):
    """A customer's free text: a string of at most MAX_TEXT characters (400
    otherwise), stripped."""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise BadRequest(
            request.env._("Texts are limited to %(n)s characters.", n=MAX_TEXT)
        )
    value = value.strip()
    if required and not value:
        raise BadRequest(request.env._("Please tell us why."))
    return value
