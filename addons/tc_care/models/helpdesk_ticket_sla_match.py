# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Which SLAs apply to a case and where it stands (helpdesk.ticket): batched SLA
matching (``_tc_match_slas``, OCA's ``_get_sla`` / ``set_sla`` / ``refresh_sla``
overridden), SLA lines placed with a deadline from another system, the stored SLA
status and next deadline, and the first response that stops the response clocks.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.safe_eval import safe_eval

from ..services import trust
from .helpdesk_ticket_sla import SLA_STATUS


class HelpdeskTicketSlaMatch(models.Model):
    _inherit = "helpdesk.ticket"

    # -- SLA ----------------------------------------------------------------------
    tc_sla_status = fields.Selection(
        SLA_STATUS,
        "SLA status",
        compute="_compute_tc_sla_status",
        store=True,
        index=True,
    )
    tc_sla_deadline = fields.Datetime(
        "Next SLA deadline",
        compute="_compute_tc_sla_status",
        store=True,
        index=True,
        help="Earliest deadline of the SLAs still running.",
    )
    tc_first_response_at = fields.Datetime("First response", readonly=True)

    @api.depends(
        "ticket_sla_ids.tc_status", "ticket_sla_ids.deadline", "ticket_sla_ids.state"
    )
    def _compute_tc_sla_status(self):
        order = ["breached", "at_risk", "on_track", "met"]
        # compute the lines' fields for the whole batch at once, not per ticket
        lines = self.ticket_sla_ids
        lines.mapped("tc_status")
        lines.mapped("deadline")
        for ticket in self:
            statuses, deadlines = set(), []
            for line in ticket.ticket_sla_ids:
                statuses.add(line.tc_status)
                if line.state == "in_progress" and line.deadline:
                    deadlines.append(line.deadline)
            ticket.tc_sla_status = next((s for s in order if s in statuses), False)
            ticket.tc_sla_deadline = min(deadlines, default=False)

    # ------------------------------------------------------------------------------
    # SLA matching, batched
    # ------------------------------------------------------------------------------
    def _tc_match_slas(self):
        """Return {ticket: helpdesk.sla recordset} for every ticket of ``self``.

        Same result as OCA's ``_get_sla`` (per ticket: one search with
        ``_get_sla_ticket_domain`` and one domain evaluation per SLA), but batched:
        one search per distinct (team, tags, category, type) combination, each SLA
        domain evaluated once on the batch, our tier/priority filters once per
        distinct (combination, tier, priority).
        """
        sla_model = self.env["helpdesk.sla"]
        groups = defaultdict(list)  # ids, not recordset unions (quadratic)
        for ticket in self:
            key = (
                ticket.team_id.id,
                tuple(sorted(ticket.tag_ids.ids)),
                ticket.category_id.id,
                ticket.type_id.id,
                ticket.company_id.id,
            )
            groups[key].append(ticket.id)
        domain_matches = {}  # sla id -> set of ticket ids matching its domain

        def matches_domain(sla, ticket_id):
            if sla.id not in domain_matches:
                domain_matches[sla.id] = set(
                    self.filtered_domain(safe_eval(sla.domain)).ids
                )
            return ticket_id in domain_matches[sla.id]

        result = {}
        for ids in groups.values():
            group = self.browse(ids)
            candidates = [
                (sla, sla.tc_customer_tier, sla.tc_priority, sla.domain)
                for sla in sla_model.search(group[0]._get_sla_ticket_domain())
            ]
            by_tier_priority = {}
            for ticket in group:
                tier = ticket.commercial_partner_id.tc_tier or "standard"
                key = (tier, ticket.priority)
                if key not in by_tier_priority:
                    by_tier_priority[key] = [
                        (sla, domain)
                        for sla, sla_tier, sla_priority, domain in candidates
                        if (not sla_tier or sla_tier == tier)
                        and (not sla_priority or sla_priority == ticket.priority)
                    ]
                result[ticket] = sla_model.browse(
                    sla.id
                    for sla, domain in by_tier_priority[key]
                    if not domain
                    or domain.strip() in ("", "[]")
                    or matches_domain(sla, ticket.id)
                )
        return result

    def _get_sla(self):
        return self._tc_match_slas().get(self, self.env["helpdesk.sla"])

    def _get_sla_ticket_domain(self):
        # SLAs whose deadline comes from another system are placed, not matched
        return super()._get_sla_ticket_domain() + [("tc_fixed_deadline", "=", False)]

    def set_sla(self):
        """Override of OCA's per-ticket loop: one create for all lines of the batch,
        with their values computed in one pass (``_tc_new_line_values``: each
        distinct calendar, start and target planned once). Lines with a fixed
        deadline (placed by an integration) are kept.

        OCA's method is public (callable by RPC) and drops every line, breached
        ones included: only the ticket's create (SLA_LINES flag) and superuser code
        may call it; people re-match with the *Refresh SLA* button."""
        if not (self.env.su or trust.allowed(trust.SLA_LINES)):
            raise AccessError(self.env._("SLAs are placed when the case is created."))
        Line = self.env["helpdesk.ticket.sla"]
        # one query (none found when called from create) instead of loading the
        # one2many of every ticket
        Line.search(
            [("ticket_id", "in", self.ids), ("tc_deadline_override", "=", False)]
        ).unlink()
        tickets = self.filtered(lambda t: t.team_id.use_sla)
        if not tickets:
            return
        # not cached, so creating the lines does not update 2 x N cached one2many
        # values one line at a time; it is read once, when needed
        self.invalidate_recordset(["ticket_sla_ids"])
        pairs = [
            (ticket, sla)
            for ticket, slas in tickets._tc_match_slas().items()
            for sla in slas
        ]
        if pairs:
            Line.create(Line._tc_new_line_values(pairs))

    def refresh_sla(self):
        """OCA's *Refresh SLA* button. Override reason (security): OCA's version
        drops lines that no longer match, breached ones included, and creates lines
        as the user; ours keeps the breach history (``_tc_refresh_slas``) and
        writes the lines through the workflow flag. Staff only."""
        if not self.env.user._is_internal():
            raise AccessError(self.env._("Only staff can refresh a case's SLAs."))
        self.check_access("write")
        with trust.system(trust.SLA_LINES):
            self._tc_refresh_slas()
        return True

    def _tc_refresh_slas(self):
        """Re-match SLAs after a change of priority, type, team, tags or tier: lines
        that no longer apply go, new ones are created as at the ticket's creation
        (OCA's rule); untouched lines keep their clock."""
        matches = self.filtered(lambda t: t.team_id.use_sla)._tc_match_slas()
        to_create = []
        to_unlink = self.env["helpdesk.ticket.sla"]
        for ticket in self:
            slas = matches.get(ticket, self.env["helpdesk.sla"])
            to_unlink |= ticket.ticket_sla_ids.filtered(
                lambda line, slas=slas: (
                    line.sla_id not in slas
                    and line.state != "expired"
                    and not line.tc_deadline_override
                )
            )
            missing = slas - ticket.ticket_sla_ids.sla_id
            to_create += [(ticket, sla) for sla in missing]
        to_unlink.unlink()
        if to_create:
            Line = self.env["helpdesk.ticket.sla"]
            Line.create(Line._tc_new_line_values(to_create))

    def _tc_set_fixed_deadline(self, sla, deadline):
        """Place ``sla`` on each case with a deadline given by another system
        (``helpdesk.sla.tc_fixed_deadline``); a later call moves the deadline of a
        line still running. Works for cases without team or calendar."""
        if isinstance(sla, int):
            sla = self.env["helpdesk.sla"].browse(sla)
        deadline = fields.Datetime.to_datetime(deadline)
        Line = self.env["helpdesk.ticket.sla"].sudo()
        to_create = []
        for ticket in self:
            line = ticket.sudo().ticket_sla_ids.filtered(lambda x: x.sla_id == sla)[:1]
            if not line:
                to_create.append(
                    {
                        "ticket_id": ticket.id,
                        "sla_id": sla.id,
                        "tc_deadline_override": deadline,
                    }
                )
            elif line.state in ("in_progress", "on_hold"):
                if line.tc_deadline_override != deadline:
                    line.tc_deadline_override = deadline
        return Line.create(to_create) if to_create else Line

    def _tc_first_response(self, when):
        for ticket in self.filtered(lambda t: not t.tc_first_response_at):
            ticket.sudo().tc_first_response_at = when
            met = ticket.ticket_sla_ids.sudo()._tc_mark_responded(when)
            for line in met:
                ticket._tc_timeline(
                    "sla",
                    self.env._(
                        "First response %(state)s (%(sla)s)",
                        state=self.env._("met")
                        if line.state == "accomplished"
                        else self.env._("late"),
                        sla=line.sla_id.name,
                    ),
                )
