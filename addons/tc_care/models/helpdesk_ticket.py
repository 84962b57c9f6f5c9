# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import Counter, defaultdict
from datetime import timedelta

import pytz
from markupsafe import Markup
from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import clean_context
from odoo.tools.safe_eval import safe_eval

from odoo.addons.helpdesk_ticket_partner_response.models.helpdesk_ticket import (
    HelpdeskTicket as PartnerResponseTicket,
)

from ..services import trust
from ..services.bulk import insert_rows
from .helpdesk_ticket_sla import (
    LEVEL_AT_RISK,
    LEVEL_BREACHED,
    LEVEL_LONG_BREACHED,
    SLA_STATUS,
)

_logger = logging.getLogger(__name__)

REF_FIELDS = (
    "tc_order_ref",
    "tc_subscription_ref",
    "tc_invoice_ref",
    "tc_payment_ref",
    "tc_provisioning_job_ref",
    "tc_correlation_id",
)
# ticket fields whose change can change which SLAs apply
SLA_MATCH_FIELDS = {"priority", "type_id", "team_id", "category_id", "tag_ids"}
# fields only TC Ops' own code writes (as superuser): a person's write, by any path
# and with any context, is refused (docs/security.md)
SYSTEM_FIELDS = {
    "tc_first_response_at",
    "tc_last_progress_at",
    "tc_is_stuck",
    "tc_stuck_reason",
    "tc_stuck_since",
    "tc_sla_status",
    "tc_sla_deadline",
    "tc_is_open",
    "tc_tier",
    "tc_incident_child_count",
}


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    # -- ISP references (ids of records owned by the microservices) ---------------
    tc_order_ref = fields.Char("Order ref", index="btree_not_null", tracking=True)
    tc_subscription_ref = fields.Char(
        "Subscription ref", index="btree_not_null", tracking=True
    )
    tc_invoice_ref = fields.Char("Invoice ref", index="btree_not_null", tracking=True)
    tc_payment_ref = fields.Char("Payment ref", index="btree_not_null", tracking=True)
    tc_provisioning_job_ref = fields.Char(
        "Provisioning job ref", index="btree_not_null", tracking=True
    )
    tc_correlation_id = fields.Char(
        "Correlation id", index="btree_not_null", groups="base.group_user"
    )
    tc_any_ref = fields.Char(
        "Any reference",
        compute="_compute_tc_any_ref",
        search="_search_tc_any_ref",
        help="Finds a case by order, subscription, invoice, payment, provisioning "
        "job reference or correlation id.",
        groups="base.group_user",
    )
    # -- customer and location --------------------------------------------------
    tc_location_id = fields.Many2one(
        "res.partner",
        "Service location",
        index="btree_not_null",
        domain="[('type', '=', 'service_location'), "
        "('commercial_partner_id', '=', commercial_partner_id)]",
        tracking=True,
    )
    tc_tier = fields.Selection(
        string="Customer tier",
        related="commercial_partner_id.tc_tier",
        store=True,
        groups="base.group_user",
    )
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
    tc_is_open = fields.Boolean(
        "Open",
        compute="_compute_tc_is_open",
        store=True,
        help="Stored copy of 'not stage.closed': queues and crons filter on it "
        "through an index instead of joining the stages of every ticket.",
    )
    # -- progress and stuck detection ------------------------------------------------
    tc_last_progress_at = fields.Datetime(
        "Last progress",
        default=fields.Datetime.now,
        readonly=True,
        index=True,
        help="Last stage change, staff message or linked event.",
        groups="base.group_user",
    )
    tc_is_stuck = fields.Boolean(
        "Stuck", readonly=True, index=True, groups="base.group_user"
    )
    tc_stuck_reason = fields.Char(
        "Why is it stuck?", readonly=True, groups="base.group_user"
    )
    tc_stuck_since = fields.Datetime(readonly=True, groups="base.group_user")
    tc_waiting_for = fields.Char(
        "Waiting for",
        help="What the case waits for, set by integrations "
        "(e.g. 'ProvisioningFailed follow-up').",
        groups="base.group_user",
    )
    tc_timeline_ids = fields.One2many(
        "tc.case.timeline", "ticket_id", "Timeline", groups="base.group_user"
    )
    tc_interaction_ids = fields.One2many(
        "tc.care.interaction", "ticket_id", "Interactions", groups="base.group_user"
    )
    # -- outage incidents ------------------------------------------------------------
    tc_is_incident = fields.Boolean("Outage incident", index=True, tracking=True)
    tc_incident_id = fields.Many2one(
        "helpdesk.ticket",
        "Incident",
        index="btree_not_null",
        domain="[('tc_is_incident', '=', True)]",
        tracking=True,
    )
    tc_incident_child_ids = fields.One2many(
        "helpdesk.ticket", "tc_incident_id", "Affected cases", groups="base.group_user"
    )
    tc_incident_child_count = fields.Integer(
        compute="_compute_tc_incident_child_count", groups="base.group_user"
    )
    tc_incident_olt_ref = fields.Char(
        "Affected OLT",
        help="Locations on this OLT are affected.",
        groups="base.group_user",
    )
    tc_incident_pon_port = fields.Char(
        "Affected PON port",
        help="Empty: the whole OLT is affected.",
        groups="base.group_user",
    )
    tc_incident_location_ids = fields.Many2many(
        "res.partner",
        "helpdesk_ticket_tc_incident_location_rel",
        "ticket_id",
        "partner_id",
        "Affected locations",
        domain=[("type", "=", "service_location")],
        groups="base.group_user",
    )
    tc_customer_notice = fields.Text(
        "Customer notice", help="Shown in the portal to affected customers."
    )
    # -- case hierarchy: follow-ups and split cases (and legacy parents) ------------
    # Outages have their own link (tc_incident_id); this one is the plain
    # parent/child of a case history, e.g. what a legacy system imported.
    tc_parent_id = fields.Many2one(
        "helpdesk.ticket",
        "Parent case",
        index="btree_not_null",
        ondelete="set null",
        help="The case this one follows up or was split from.",
        groups="base.group_user",
    )
    tc_child_ids = fields.One2many(
        "helpdesk.ticket", "tc_parent_id", "Sub-cases", groups="base.group_user"
    )

    # ------------------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------------------
    @api.depends(*REF_FIELDS)
    def _compute_tc_any_ref(self):
        for ticket in self:
            ticket.tc_any_ref = " ".join(filter(None, (ticket[f] for f in REF_FIELDS)))

    def _search_tc_any_ref(self, operator, value):
        if operator not in ("=", "ilike", "like", "=ilike"):
            raise UserError(
                self.env._("Unsupported search on references: %s", operator)
            )
        domain = []
        for field_name in REF_FIELDS:
            domain = (
                ["|", (field_name, operator, value)] + domain
                if domain
                else [(field_name, operator, value)]
            )
        return domain

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

    @api.depends("team_id")
    def _compute_stage_id(self):
        # Override reason (performance): helpdesk_mgmt searches the team's
        # applicable stages once per ticket, and this compute runs on every change
        # of assignee (team_id depends on user_id): escalating 1,000 breached
        # tickets to the escalation user ran 1,000 identical searches. Same rule
        # (keep the stage if it still applies, else the team's first), one search
        # per team. docs/upstream.md
        stages_of = {}
        for ticket in self:
            team = ticket.team_id
            key = (team.id, team.company_id.id if team else self.env.company.id)
            if key not in stages_of:
                stages_of[key] = team._get_applicable_stages()
            applicable = stages_of[key]
            if ticket.stage_id not in applicable:
                ticket.stage_id = applicable[:1]

    @api.depends("stage_id.closed")
    def _compute_tc_is_open(self):
        for ticket in self:
            ticket.tc_is_open = not ticket.stage_id.closed

    def init(self):
        res = super().init()
        # stuck detection and the queues read open tickets only: partial indexes
        # keep those reads proportional to the open tickets, not to the history
        # The predicates are written exactly as the ORM writes these domains
        # (booleans: "IS NULL OR = FALSE"), so PostgreSQL can prove the query
        # implies them and use the index.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS helpdesk_ticket_tc_stuck_candidates_idx
            ON helpdesk_ticket (type_id, tc_last_progress_at)
            WHERE "tc_is_open" = TRUE
              AND ("tc_is_stuck" IS NULL OR "tc_is_stuck" = FALSE)
              AND ("tc_is_incident" IS NULL OR "tc_is_incident" = FALSE)
            """
        )
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS helpdesk_ticket_tc_open_deadline_idx
            ON helpdesk_ticket (tc_sla_deadline, priority DESC, id)
            WHERE "tc_is_open" = TRUE
            """
        )
        return res

    @api.depends("tc_incident_child_ids")
    def _compute_tc_incident_child_count(self):
        for ticket in self:
            ticket.tc_incident_child_count = len(ticket.tc_incident_child_ids)

    @api.constrains("tc_incident_id", "tc_is_incident")
    def _check_tc_incident(self):
        for ticket in self:
            if ticket.tc_incident_id and ticket.tc_is_incident:
                raise ValidationError(
                    self.env._(
                        "%(t)s is an incident itself and cannot be attached to "
                        "another incident.",
                        t=ticket.display_name,
                    )
                )
            if ticket.tc_incident_id and not ticket.tc_incident_id.tc_is_incident:
                raise ValidationError(
                    self.env._(
                        "%(p)s is not an outage incident.",
                        p=ticket.tc_incident_id.display_name,
                    )
                )

    @api.constrains("tc_parent_id")
    def _check_tc_parent(self):
        if self._has_cycle("tc_parent_id"):
            raise ValidationError(
                self.env._("A case cannot be its own parent, even indirectly.")
            )

    @api.onchange("tc_location_id")
    def _onchange_tc_location_id(self):
        if self.tc_location_id and not self.partner_id:
            self.partner_id = self.tc_location_id.parent_id

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

    # ------------------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # progress starts when the case starts (imports keep original dates)
            vals.setdefault(
                "tc_last_progress_at", vals.get("create_date") or fields.Datetime.now()
            )
            if vals.get("type_id") and not vals.get("team_id"):
                case_type = self.env["helpdesk.ticket.type"].browse(vals["type_id"])
                if case_type.tc_default_team_id:
                    vals["team_id"] = case_type.tc_default_team_id.id
            if vals.get("tc_location_id") and not vals.get("partner_id"):
                location = self.env["res.partner"].browse(vals["tc_location_id"])
                vals["partner_id"] = location.parent_id.id
        with trust.system(trust.SLA_LINES):  # OCA's create places the SLA lines
            tickets = super().create(vals_list)
        tickets.filtered(
            lambda t: t.tc_location_id and not t.tc_incident_id and not t.tc_is_incident
        )._tc_attach_to_open_incidents()
        return tickets

    def write(self, vals):
        if SYSTEM_FIELDS & set(vals) and not self.env.su:
            raise AccessError(
                self.env._(
                    "These fields are kept by TC Ops itself and cannot be set by "
                    "hand: %(fields)s",
                    fields=", ".join(
                        self._fields[name].string
                        for name in sorted(SYSTEM_FIELDS & set(vals))
                    ),
                )
            )
        if "stage_id" in vals:
            vals = dict(vals)
            vals.setdefault("tc_last_progress_at", fields.Datetime.now())
        old_stages = {t.id: t.stage_id for t in self} if "stage_id" in vals else {}
        # OCA's write recomputes the SLA lines of a stage change
        with trust.system(trust.SLA_LINES):
            result = super().write(vals)
            if SLA_MATCH_FIELDS & set(vals):
                self._tc_refresh_slas()
        if "stage_id" in vals:
            self._tc_after_stage_change(old_stages)
        return result

    def _tc_after_stage_change(self, old_stages):
        entries = []
        for ticket in self:
            old = old_stages.get(ticket.id)
            if old == ticket.stage_id:
                continue
            entries.append(
                {
                    "ticket_id": ticket.id,
                    "kind": "stage",
                    "name": self.env._(
                        "Stage: %(old)s → %(new)s",
                        old=old.name if old else "-",
                        new=ticket.stage_id.name,
                    ),
                }
            )
        if entries:
            self.env["tc.case.timeline"].sudo().create(entries)
        self.filtered("tc_is_stuck")._tc_unstick()
        closed_incidents = self.filtered(
            lambda t: t.tc_is_incident and t.stage_id.closed
        )
        if closed_incidents:
            closed_incidents._tc_close_incident_children()

    def _tc_timeline(self, kind, name, progress=False, **extra):
        """Add one timeline entry to each ticket of ``self`` (used by every addon)."""
        vals_list = [
            dict(ticket_id=ticket.id, kind=kind, name=name, progress=progress, **extra)
            for ticket in self
        ]
        return self.env["tc.case.timeline"].sudo().create(vals_list)

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

    def _tc_mark_progress(self, when=None):
        when = when or fields.Datetime.now()
        to_move = self.filtered(
            lambda t: not t.tc_last_progress_at or t.tc_last_progress_at < when
        )
        if to_move:
            to_move.sudo().write({"tc_last_progress_at": when})
        self.filtered("tc_is_stuck")._tc_unstick()

    def _tc_unstick(self):
        self.sudo().write(
            {"tc_is_stuck": False, "tc_stuck_reason": False, "tc_stuck_since": False}
        )

    # ------------------------------------------------------------------------------
    # messages: first response and progress
    # ------------------------------------------------------------------------------
    def _message_post_after_hook(self, message, msg_vals):
        # Override reason (bug): helpdesk_ticket_partner_response reads
        # base.public_user (an archived user) as the posting user, so every reply
        # of a portal customer raises AccessError (docs/upstream.md). We apply its
        # rule here with the public user read as superuser, and skip only its
        # implementation in the chain (no other installed module overrides this).
        self._tc_partner_response_stage()
        # pylint: disable=bad-super-call
        result = super(PartnerResponseTicket, self)._message_post_after_hook(
            message, msg_vals
        )
        author = message.author_id
        staff = author and any(not u.share for u in author.user_ids)
        if staff and message.message_type == "comment":
            when = message.date or fields.Datetime.now()
            self._tc_mark_progress(when)
            is_public = not message.subtype_id.internal if message.subtype_id else False
            if is_public:
                self._tc_first_response(when)
        return result

    def _tc_partner_response_stage(self):
        """helpdesk_ticket_partner_response's rule: a message of the customer on a
        ticket waiting in one of the team's source stages moves it on."""
        public_partner = self.env.ref("base.public_user").sudo().partner_id
        if (
            self
            and self.env.user.partner_id.id in (self.partner_id.id, public_partner.id)
            and self.team_id.autoupdate_ticket_stage
            and self.stage_id in self.team_id.autopupdate_src_stage_ids
        ):
            self.sudo().stage_id = self.team_id.autopupdate_dest_stage_id.id

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

    # ------------------------------------------------------------------------------
    # escalation cron
    # ------------------------------------------------------------------------------
    @api.model
    def _tc_level3_delta(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("tc_care.sla_level3_hours", "4")
        )
        try:
            return timedelta(hours=float(value))
        except ValueError:
            return timedelta(hours=4)

    @api.model
    def _cron_escalate_sla(self, limit=5000):
        """Escalate SLA lines that crossed a threshold since their last level.

        Set-based: one search on the stored, indexed ``tc_at_risk_at`` / ``deadline``
        / ``tc_escalation_level`` of the lines (partial index, see
        ``helpdesk.ticket.sla.init``), so a run reads the lines that are due, not all
        open tickets. Idempotent: the level is stored, a second run finds nothing.
        """
        now = fields.Datetime.now()
        long_ago = now - self._tc_level3_delta()
        Line = self.env["helpdesk.ticket.sla"].sudo()
        lines = Line.search(
            [
                ("state", "in", ("in_progress", "expired")),
                ("tc_escalation_level", "<", LEVEL_LONG_BREACHED),
                "|",
                "|",
                "&",
                ("tc_escalation_level", "<", LEVEL_AT_RISK),
                ("tc_at_risk_at", "<=", now),
                "&",
                ("tc_escalation_level", "<", LEVEL_BREACHED),
                ("deadline", "<=", now),
                ("deadline", "<=", long_ago),
            ],
            limit=limit,
            order="deadline",
        )
        by_level = defaultdict(lambda: Line.browse())
        for line in lines:
            if line.deadline and line.deadline <= long_ago:
                level = LEVEL_LONG_BREACHED
            elif line.deadline and line.deadline <= now:
                level = LEVEL_BREACHED
            else:
                level = LEVEL_AT_RISK
            if level > line.tc_escalation_level:
                by_level[level] |= line
        for level, level_lines in sorted(by_level.items()):
            vals = {"tc_escalation_level": level}
            if level >= LEVEL_BREACHED:
                vals["state"] = "expired"
            level_lines.write(vals)
            level_lines.ticket_id._tc_escalate(level, level_lines)
        if len(lines) == limit:  # more are due: run again right away
            self.env.ref("tc_care.ir_cron_tc_escalate_sla")._trigger()
        return len(lines)

    def _message_create(self, values_list):
        # Override reason (performance): the escalation cron logs up to a thousand
        # notes a run through mail's own _message_log_batch (which builds author,
        # reply-to and escaped bodies); inside the cron's server-side BULK_NOTES
        # flag (services/trust.py; never a context key, which any client can send)
        # they are written in one INSERT instead of one ORM create each
        # (services/bulk.py). Anything with attachments, recipients or tracking, and
        # every message of a request, goes through mail and its sanitiser.
        relational = ("attachment_ids", "partner_ids", "tracking_value_ids")
        if not trust.allowed(trust.BULK_NOTES) or any(
            values.get(name) for values in values_list for name in relational
        ):
            return super()._message_create(values_list)
        rows = []
        for values in values_list:
            row = {k: v for k, v in values.items() if k not in relational}
            # mail.message sanitizes an escaped text into one paragraph; a plain
            # str is escaped here (Markup % str escapes), never stored as HTML
            row["body"] = Markup("<p>%s</p>") % row["body"] if row["body"] else ""
            rows.append(row)
        # as mail does: no default_* keys of the ticket's context on the messages
        env = self.env(context=clean_context(self.env.context))
        return insert_rows(env["mail.message"].sudo(), rows)

    def _tc_instant_formatter(self):
        """A function (naive UTC datetime, tz name) -> text in the language's date
        and time format and that time zone (the team calendar's, else the
        user's). Odoo's ``format_datetime`` goes through babel on every call,
        which at a thousand escalations a run was a tenth of the run."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        pattern = "%s %s" % (
            lang.date_format or "%m/%d/%Y",
            (lang.time_format or "%H:%M:%S").replace(":%S", ""),
        )
        zones = {}

        def text(value, tz_name=None):
            tz_name = tz_name or self.env.user.tz or "UTC"
            if tz_name not in zones:
                try:
                    zones[tz_name] = pytz.timezone(tz_name)
                except pytz.UnknownTimeZoneError:
                    zones[tz_name] = pytz.utc
            zone = zones[tz_name]
            local = pytz.utc.localize(value).astimezone(zone)
            return "%s (%s)" % (local.strftime(pattern), zone.zone)

        return text

    def _tc_escalate(self, level, lines):
        """Act on tickets whose SLA lines just reached ``level``, in batch: one
        write per reassignment target, then the notes, activities and timeline
        entries in one INSERT each (services/bulk.py)."""
        lines_by_ticket = defaultdict(list)
        for line in lines:
            lines_by_ticket[line.ticket_id].append(line)
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id("helpdesk.ticket")
        today = fields.Date.context_today(self)
        activities, timeline, notes = [], [], {}
        reassign = defaultdict(list)
        when_text = self._tc_instant_formatter()
        for ticket, tlines in lines_by_ticket.items():
            names = ", ".join(line.sla_id.name for line in tlines)
            team = ticket.team_id
            when = when_text(
                min(line.deadline for line in tlines),
                team.resource_calendar_id.tz,
            )
            if level == LEVEL_AT_RISK:
                summary = self.env._("SLA at risk: %(names)s", names=names)
                note = self.env._("Deadline %(when)s.", when=when)
                user = ticket.user_id or team.tc_supervisor_id or team.user_id
            elif level == LEVEL_BREACHED:
                summary = self.env._("SLA breached: %(names)s", names=names)
                note = self.env._("Deadline was %(when)s.", when=when)
                escalation_user = team.tc_escalation_user_id
                if escalation_user and ticket.user_id != escalation_user:
                    reassign[escalation_user.id].append(ticket.id)
                    note += " " + self.env._(
                        "Reassigned to %(user)s.", user=escalation_user.name
                    )
                user = team.tc_supervisor_id or team.user_id
            else:
                summary = self.env._("SLA breached for long: %(names)s", names=names)
                note = self.env._("Deadline was %(when)s.", when=when)
                user = team.tc_manager_id or team.tc_supervisor_id or team.user_id
            if level >= LEVEL_BREACHED:
                notes[ticket.id] = f"{summary}. {note}"
            if user:
                activities.append(
                    {
                        "res_model_id": model_id,
                        "res_model": self._name,
                        "res_id": ticket.id,
                        "activity_type_id": activity_type.id,
                        "summary": summary,
                        "note": Markup("<p>%s</p>") % note,
                        "user_id": user.id,
                        "user_tz": user.tz,
                        "date_deadline": today,
                        "date_done": False,
                    }
                )
            timeline.append(
                {
                    "ticket_id": ticket.id,
                    "kind": "escalation",
                    "name": self.env._(
                        "Level %(level)s: %(summary)s", level=level, summary=summary
                    )
                    + (f" → {user.name}" if user else ""),
                }
            )
        # No e-mail per escalated ticket (a run can escalate hundreds): the
        # activities show in each person's activity menu and the notes in the
        # chatter. mail_auto_subscribe_no_notify: no "assigned to you" mail per
        # reassigned ticket.
        tickets = self.browse(ticket.id for ticket in lines_by_ticket).sudo()
        for user_id, ticket_ids in reassign.items():
            # mail_notrack: the escalation note below already says "Reassigned to
            # X"; tracking would log a second message per ticket.
            # BULK_FOLLOWERS: the new assignee's follower rows in one INSERT
            # (mail_followers.py)
            with trust.system(trust.BULK_FOLLOWERS):
                self.browse(ticket_ids).sudo().with_context(
                    mail_auto_subscribe_no_notify=True,
                    mail_notrack=True,
                ).write({"user_id": user_id})
        # Notes, activities and timeline entries are written in one INSERT each
        # (services/bulk.py: 0.7 s of ORM work at 1,000 tickets). What
        # mail.activity.create would do besides: no "assigned to you" mail (one
        # per activity) and no subscription of the supervisor to every ticket
        # (every later customer reply would notify them); the activity counter
        # of each user is refreshed below, as create does.
        if notes:
            with trust.system(trust.BULK_NOTES):
                tickets.filtered(lambda t: t.id in notes)._message_log_batch(
                    bodies=notes, author_id=self.env.ref("base.partner_root").id
                )
        if activities:
            names = dict(zip(tickets.ids, tickets.mapped("display_name"), strict=True))
            for vals in activities:
                vals["res_name"] = names[vals["res_id"]]
            insert_rows(self.env["mail.activity"].sudo(), activities)
            per_user = Counter(vals["user_id"] for vals in activities)
            for user in self.env["res.users"].browse(per_user):
                user._bus_send(
                    "mail.activity/updated",
                    {"activity_created": True, "count_diff": per_user[user.id]},
                )
        # escalation entries are not progress (tc.case.timeline.create's hook)
        insert_rows(self.env["tc.case.timeline"].sudo(), timeline)

    # ------------------------------------------------------------------------------
    # stuck detection cron
    # ------------------------------------------------------------------------------
    @api.model
    def _cron_detect_stuck(self, limit=5000):
        """Flag open tickets with no progress for their type's threshold.

        One search per case kind (a handful) on the indexed ``tc_last_progress_at``
        among tickets not yet flagged; the reason is written in words."""
        now = fields.Datetime.now()
        Type = self.env["helpdesk.ticket.type"].sudo()
        default_hours = 24.0
        thresholds = [(t, t.tc_stuck_hours) for t in Type.search([])]
        thresholds.append((Type.browse(), default_hours))  # tickets without a type
        flagged = self.browse()
        for case_type, hours in thresholds:
            if not hours:
                continue
            since = now - timedelta(hours=hours)
            tickets = (
                self.sudo()
                .with_context(active_test=True)
                .search(
                    [
                        ("tc_is_open", "=", True),
                        ("tc_is_stuck", "=", False),
                        ("tc_is_incident", "=", False),
                        ("type_id", "=", case_type.id or False),
                        ("tc_last_progress_at", "<=", since),
                    ],
                    limit=limit,
                )
            )
            if tickets:
                tickets._tc_flag_stuck(now, hours)
                self.env["tc.case.timeline"].sudo().create(
                    [
                        {"ticket_id": t.id, "kind": "stuck", "name": t.tc_stuck_reason}
                        for t in tickets
                    ]
                )
            flagged |= tickets
        return len(flagged)

    def _tc_flag_stuck(self, now, hours):
        # One UPDATE for the batch: the three fields are read-only, untracked and
        # nothing computes from them, so skipping write() loses no behaviour and
        # keeps a run proportional to the tickets due.
        when_text = self._tc_instant_formatter()
        rows = [(t.id, t._tc_stuck_reason(hours, when_text), now) for t in self]
        self.flush_model(["tc_is_stuck", "tc_stuck_since", "tc_stuck_reason"])
        execute_values(
            self.env.cr._obj,
            """
            UPDATE helpdesk_ticket t
               SET tc_is_stuck = true, tc_stuck_since = v.since,
                   tc_stuck_reason = v.reason
              FROM (VALUES %s) AS v(id, reason, since)
             WHERE t.id = v.id
            """,
            rows,
            template="(%s, %s, %s::timestamp)",
        )
        self.invalidate_recordset(["tc_is_stuck", "tc_stuck_since", "tc_stuck_reason"])

    def _tc_stuck_reason(self, hours, when_text=None):
        self.ensure_one()
        when_text = when_text or self._tc_instant_formatter()
        since = when_text(
            self.tc_last_progress_at, self.team_id.resource_calendar_id.tz
        )
        if self.tc_waiting_for:
            return self.env._(
                "waiting for %(what)s since %(since)s",
                what=self.tc_waiting_for,
                since=since,
            )
        if not self.user_id:
            return self.env._("no assignee; no progress since %(since)s", since=since)
        pause_stages = self.ticket_sla_ids.sla_id.ignore_stage_ids
        if self.stage_id in pause_stages:
            return self.env._(
                "waiting on the customer (%(stage)s) since %(since)s",
                stage=self.stage_id.name,
                since=since,
            )
        # (not an f-string inside the _() call: babel's extractor evaluates it and
        # gives up on the whole file)
        threshold = "%g" % hours
        return self.env._(
            "no stage change, staff message or event since %(since)s "
            "(threshold %(hours)s h for %(kind)s)",
            since=since,
            hours=threshold,
            kind=self.type_id.name or self.env._("cases without kind"),
        )

    # ------------------------------------------------------------------------------
    # outage incidents
    # ------------------------------------------------------------------------------
    def _tc_incident_covers(self, location):
        self.ensure_one()
        # only a yes/no leaves: the network references are read as superuser (a
        # portal customer's own locations included; they cannot read them)
        location = location.sudo()
        if location in self.tc_incident_location_ids:
            return True
        if self.tc_incident_olt_ref and location.tc_olt_ref == self.tc_incident_olt_ref:
            return not self.tc_incident_pon_port or (
                location.tc_pon_port == self.tc_incident_pon_port
            )
        return False

    def _tc_open_incidents(self):
        return self.sudo().search(
            [("tc_is_incident", "=", True), ("tc_is_open", "=", True)]
        )

    def _tc_attach_to_open_incidents(self):
        """New tickets at a location under an open incident become its children."""
        incidents = self._tc_open_incidents() if self else self.browse()
        if not incidents:
            return
        for ticket in self:
            incident = next(
                (i for i in incidents if i._tc_incident_covers(ticket.tc_location_id)),
                None,
            )
            if incident:
                ticket.sudo().tc_incident_id = incident
                ticket._tc_timeline(
                    "incident",
                    self.env._(
                        "Attached to outage incident %(name)s",
                        name=incident.display_name,
                    ),
                )

    def _tc_require_group(self, xmlid):
        """Buttons are public methods, callable by RPC by anyone who can read the
        record: each checks its role here, as its view's ``groups`` says."""
        if not self.env.su and not self.env.user.has_group(xmlid):
            raise AccessError(
                self.env._(
                    "You are not allowed to do this: it needs the %(group)s role.",
                    group=self.env.ref(xmlid).sudo().full_name,
                )
            )

    def action_tc_attach_affected(self):
        """Attach open tickets at the incident's locations (button on the incident,
        supervisors)."""
        self._tc_require_group("tc_care.group_supervisor")
        self.check_access("write")
        for incident in self.filtered("tc_is_incident"):
            candidates = self.sudo().search(
                [
                    ("tc_is_incident", "=", False),
                    ("tc_incident_id", "=", False),
                    ("tc_location_id", "!=", False),
                    ("tc_is_open", "=", True),
                ]
            )
            affected = candidates.filtered(
                lambda t, i=incident: i._tc_incident_covers(t.tc_location_id)
            )
            affected.write({"tc_incident_id": incident.id})
            affected._tc_timeline(
                "incident",
                self.env._(
                    "Attached to outage incident %(name)s", name=incident.display_name
                ),
            )
        return True

    def _tc_close_incident_children(self):
        for incident in self:
            children = incident.tc_incident_child_ids.filtered(
                lambda t: not t.stage_id.closed
            )
            if not children:
                continue
            closed_stage = incident.stage_id
            # posted to the customers: a resolution text of its own (the notice
            # says what is going on while the outage lasts; the incident's name,
            # OLT and PON port are internal); staff see the incident on the case
            body = self.env._("The outage affecting your service has been resolved.")
            children.write({"stage_id": closed_stage.id})
            for child in children:
                child.message_post(
                    body=body, subtype_xmlid="mail.mt_comment", message_type="comment"
                )
            children._tc_timeline("incident", body, progress=True)

    def action_tc_view_incident_children(self):
        self._tc_require_group("tc_care.group_agent")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "helpdesk_mgmt.helpdesk_ticket_action"
        )
        action.update(
            {
                "domain": [("tc_incident_id", "=", self.id)],
                "context": {"default_tc_incident_id": self.id},
                "name": self.env._("Affected cases"),
            }
        )
        return action

    def action_tc_log_interaction(self):
        self._tc_require_group("tc_care.group_agent")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.care.interaction",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
            "name": self.env._("Log interaction"),
        }

    # ------------------------------------------------------------------------------
    # demo data support
    # ------------------------------------------------------------------------------
    @api.model
    def _tc_demo_age(self, xmlids_hours):
        """Demo only: make cases look ``hours`` old (creation, SLA clocks and last
        progress), then run the escalation and stuck crons as the scheduler would."""
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
        self._cron_escalate_sla()
        self._cron_detect_stuck()

    @api.model
    def _tc_demo_answer_and_close(self, xmlid, body):
        """Demo only: a staff member answers publicly, then the case is closed."""
        ticket = self.env.ref(xmlid)
        agent = ticket.user_id or self.env.user
        ticket.with_user(agent).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        done = self.env["helpdesk.ticket.stage"].search(
            [("closed", "=", True)], order="sequence", limit=1
        )
        ticket.stage_id = done

    @api.model
    def _tc_demo_at_risk(self, xmlid):
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
        self._cron_escalate_sla()
