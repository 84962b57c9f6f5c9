# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from odoo.addons.helpdesk_mgmt.controllers.myaccount import CustomerPortalHelpdesk
from odoo.addons.helpdesk_type.controllers.main import HelpdeskTicketControllerTypes


class PortalLocationError(UserError):
    """The submitted service location does not belong to the user's customer."""


def _tc_own_locations():
    """Service locations of the current user's customer (commercial partner).

    Read as the user: the base portal rule lets a portal user read the contacts
    under their commercial partner, which is exactly this set."""
    return request.env.user.commercial_partner_id.tc_location_ids


def _tc_location_label(location):
    return location.name or location.street or location.display_name


class TcCareHelpdeskTicketController(HelpdeskTicketControllerTypes):
    """New-ticket form: the customer picks one of their own service locations."""

    @http.route()
    def support_ticket_close(self, **kw):
        # OCA closes the ticket with sudo from any id it is given: only a ticket
        # the user may read (their customer's) can be closed; others are refused
        # the way OCA refuses their page, with a redirect to /my.
        try:
            ticket_id = int(kw.get("ticket_id") or 0)
        except ValueError:
            ticket_id = 0
        ticket = request.env["helpdesk.ticket"].browse(ticket_id)
        if not ticket_id or not ticket.exists() or not ticket.has_access("read"):
            return request.redirect("/my")
        return super().support_ticket_close(**kw)

    def _get_create_new_ticket_values(self, **kw):
        values = super()._get_create_new_ticket_values(**kw)
        locations = _tc_own_locations()
        selected = kw.get("tc_location_id") or (
            str(locations.id) if len(locations) == 1 else ""
        )
        values.update(
            {
                "tc_locations": [
                    (location.id, _tc_location_label(location))
                    for location in locations
                ],
                "tc_location_selected": selected,
            }
        )
        return values

    def _tc_portal_location(self, value):
        """The service location chosen on the form, checked to belong to the
        user's customer. Empty means "not about a specific location"."""
        locations = _tc_own_locations()
        if not value:
            return locations.browse()
        try:
            location_id = int(value)
        except (TypeError, ValueError):
            location_id = 0
        if location_id not in locations.ids:
            raise PortalLocationError(
                request.env._(
                    "The selected service location is not one of yours. "
                    "Please choose one of your service locations."
                )
            )
        return locations.browse(location_id)

    def _prepare_submit_ticket_vals(self, **kw):
        vals = super()._prepare_submit_ticket_vals(**kw)
        location = self._tc_portal_location(kw.get("tc_location_id"))
        if location:
            vals["tc_location_id"] = location.id
        return vals

    @http.route()
    def submit_ticket(self, **kw):
        try:
            # the savepoint guarantees that a refused submission leaves nothing
            with request.env.cr.savepoint():
                return super().submit_ticket(**kw)
        except PortalLocationError as error:
            response = self.create_new_ticket(**kw)
            response.qcontext["tc_error"] = error.args[0]
            response.status_code = 400
            return response


class TcCareCustomerPortal(CustomerPortalHelpdesk):
    """/my and /my/tickets: SLA status, service location and outage notices."""

    def _tc_outage_notices(self):
        """Open outage incidents covering one of the user's service locations.

        Incidents are other people's tickets: they are read with sudo, and only
        their customer notice and start (plus the user's own affected locations)
        leave this method, as plain values, never as records. The incident's name,
        OLT and PON port are internal and never shown."""
        locations = _tc_own_locations()
        if not locations:
            return []
        notices = []
        default_notice = request.env._(
            "We are working on an outage that affects your service."
        )
        for incident in request.env["helpdesk.ticket"]._tc_open_incidents():
            affected = locations.filtered(
                lambda location, incident=incident: incident._tc_incident_covers(
                    location
                )
            )
            if affected:
                notices.append(
                    {
                        "since": incident.create_date,
                        "notice": incident.tc_customer_notice or default_notice,
                        "locations": [_tc_location_label(loc) for loc in affected],
                    }
                )
        return notices

    def _tc_add_outage_notices(self, response):
        if getattr(response, "qcontext", None) is not None:
            response.qcontext["tc_outage_notices"] = self._tc_outage_notices()
        return response

    @http.route()
    def home(self, **kw):
        return self._tc_add_outage_notices(super().home(**kw))

    @http.route()
    def portal_my_tickets(self, *args, **kw):
        return self._tc_add_outage_notices(super().portal_my_tickets(*args, **kw))
