# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The case API: how any addon or system opens a case, closes cases and finds the
customer a case is about. Events, polls, commands, the reconciliation, the exception
queue and the partner API all go through these methods (open, close, reopen, customer) (and
``helpdesk.ticket.type._tc_get`` for the kind), so a case opened by a machine looks the
same whoever opened it."""

from markupsafe import Markup

from odoo import api, models
from odoo.tools import plaintext2html


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    @api.model
    def _tc_open_case(self, kind_code, name, description="", **vals):
        """Open a case of kind ``kind_code`` as the system and return it.

        ``description`` is plain text (from an event, a partner, a device: escaped,
        line breaks kept) or a ``Markup`` the caller built from escaped parts; empty
        means the name. ``correlation_id`` goes to ``tc_correlation_id``; any other
        keyword is a field value. A system case is unassigned unless ``user_id`` is
        given: helpdesk_mgmt's auto-assign would give it to the user the job runs as
        (OdooBot for crons), and the team queue would show it as taken."""
        correlation_id = vals.pop("correlation_id", None)
        text = description or name
        if not isinstance(text, Markup):
            text = plaintext2html(str(text))
        vals.setdefault("user_id", False)
        return (
            self.env["helpdesk.ticket"]
            .sudo()
            .create(
                dict(
                    vals,
                    name=name[:250],
                    description=text,
                    type_id=self.env["helpdesk.ticket.type"]._tc_get(kind_code).id,
                    tc_correlation_id=correlation_id or False,
                )
            )
        )

    def _tc_close_cases(self):
        """Close those of these cases that are still open (the first closed stage,
        nothing awaited any more), as the system; return them."""
        # as the system from the first read: the caller (a reviewer, a job) may
        # not be allowed to read the case it closes
        cases = self.sudo().filtered(lambda case: not case.stage_id.closed)
        if cases:
            stage = (
                self.env["helpdesk.ticket.stage"]
                .sudo()
                .search([("closed", "=", True)], order="sequence", limit=1)
            )
            cases.write({"stage_id": stage.id, "tc_waiting_for": False})
        return cases.with_env(self.env)

    def _tc_reopen_cases(self):
        """Reopen those of these cases that are closed (the first open stage their
        team may use, else the first open stage), as the system; return them. A
        case that a system closed and that the same system now reports failing
        again is reopened instead of duplicated (its history stays in one place)."""
        cases = self.sudo().filtered(lambda case: case.stage_id.closed)
        Stage = self.env["helpdesk.ticket.stage"].sudo()
        for team, team_cases in cases.grouped("team_id").items():
            stages = team.sudo()._get_applicable_stages() if team else Stage
            stage = stages.filtered(lambda s: not s.closed).sorted("sequence")[:1]
            stage = stage or Stage.search(
                [("closed", "=", False)], order="sequence", limit=1
            )
            team_cases.write({"stage_id": stage.id, "closed_date": False})
        return cases.with_env(self.env)

    @api.model
    def _tc_customer(self, ref, name=None, email=None):
        """The customer whose reference is ``ref`` (as the system), created from
        ``name`` / ``email`` when unknown. Without a reference a new contact is
        created each time: there is nothing to match on."""
        Partner = self.env["res.partner"].sudo()
        partner = Partner.search([("ref", "=", ref)], limit=1) if ref else Partner
        if not partner:
            partner = Partner.create(
                {
                    "name": name or ref or "Unknown customer",
                    "ref": ref or False,
                    "email": email or False,
                }
            )
        return partner
