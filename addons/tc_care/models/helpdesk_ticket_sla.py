# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..services import trust
from .helpdesk_sla import SLA_TARGETS

SLA_STATUS = [
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("breached", "Breached"),
    ("met", "Met"),
]
# escalation levels
LEVEL_AT_RISK, LEVEL_BREACHED, LEVEL_LONG_BREACHED = 1, 2, 3


def _status(state, level):
    if state == "accomplished":
        return "met"
    if state == "expired" or level >= LEVEL_BREACHED:
        return "breached"
    if level == LEVEL_AT_RISK:
        return "at_risk"
    return "on_track"


class _Planner:
    """Deadline and at-risk instant of an SLA line, planned on a calendar with
    its leaves (OCA's ``plan_hours``), each distinct (calendar, hours, start)
    once."""

    def __init__(self, share):
        self.share = share
        self.cache = {}

    def _plan(self, calendar, hours, start):
        if hours <= 0:
            return start
        key = (calendar.id, round(hours, 6), start)
        if key not in self.cache:
            if calendar:
                self.cache[key] = calendar.plan_hours(hours, start, compute_leaves=True)
            else:  # no calendar at all: the clock runs around the clock
                self.cache[key] = start + timedelta(hours=hours)
        return self.cache[key]

    def __call__(self, calendar, hours, consumed, start):
        """(deadline, at risk from) of a line, or (False, False) without start."""
        if not start:
            return False, False
        return (
            self._plan(calendar, hours - consumed, start),
            self._plan(calendar, hours * self.share - consumed, start),
        )


class HelpdeskTicketSla(models.Model):
    _inherit = "helpdesk.ticket.sla"

    # helpdesk.ticket.set_sla computes the values of a whole batch of new lines in
    # plain Python (_tc_new_line_values) and passes them to create. Odoo keeps
    # given values of computed fields only when they are editable (readonly=False)
    # and precomputed; OCA's readonly fields are recomputed per line after the
    # insert, which was most of the SLA creation cost. readonly=False changes no
    # screen (OCA shows the lines read-only: list, not editable; the ticket's
    # one2many is readonly) and no right (readonly never blocked write()).
    # Without given values they are computed as before (OCA's refresh_sla).
    hours = fields.Float(
        compute="_compute_sla_data", store=True, readonly=False, precompute=True
    )
    expected_stage_id = fields.Many2one(
        compute="_compute_sla_data", store=True, readonly=False, precompute=True
    )
    last_state_date = fields.Datetime(
        compute="_compute_sla_data", store=True, readonly=False, precompute=True
    )
    state = fields.Selection(
        compute="_compute_sla_data", store=True, readonly=False, precompute=True
    )
    deadline = fields.Datetime(
        compute="_compute_deadline", store=True, readonly=False, precompute=True
    )
    # computed, not related: a related field is readonly, so a value given at
    # create would be written a second time (an UPDATE of every new line)
    tc_target = fields.Selection(
        selection=SLA_TARGETS,
        string="Target",
        compute="_compute_tc_target",
        store=True,
        readonly=False,
        precompute=True,
    )
    tc_at_risk_at = fields.Datetime(
        "At risk from",
        compute="_compute_deadline",
        store=True,
        readonly=False,
        precompute=True,
        help="When the configured share of the target is used up.",
    )
    tc_escalation_level = fields.Integer(
        "Escalation level",
        default=0,
        readonly=True,
        help="0 none, 1 at risk, 2 breached, 3 breached for long.",
    )
    tc_met_at = fields.Datetime("Met at", readonly=True)
    tc_status = fields.Selection(
        SLA_STATUS,
        "SLA status",
        compute="_compute_tc_status",
        store=True,
        readonly=False,
        precompute=True,
    )
    tc_deadline_override = fields.Datetime(
        "Fixed deadline",
        readonly=True,
        help="A deadline given by another system (e.g. the respond-by date of a "
        "chargeback): the line ends then, whatever the working hours; its clock "
        "is never paused. Such lines are placed by integrations with "
        "helpdesk.ticket._tc_set_fixed_deadline() and kept when SLAs are matched "
        "again.",
    )

    def init(self):
        # The escalation cron reads only the lines that can still escalate; this
        # partial index keeps that read proportional to them, not to all lines.
        # Same predicate as the SQL the ORM writes for the cron's domain (an integer
        # "< 3" also matches NULL), so PostgreSQL proves the implication.
        self.env.cr.execute(
            "DROP INDEX IF EXISTS helpdesk_ticket_sla_tc_escalation_idx"
        )
        # OCA leaves helpdesk_ticket_sla.ticket_id unindexed: every ticket_sla_ids
        # read was a sequential scan (500k rows at 250k tickets)
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS helpdesk_ticket_sla_ticket_id_idx
            ON helpdesk_ticket_sla (ticket_id)
            """
        )
        # one index per instant the cron compares, so the OR of its three
        # conditions becomes a BitmapOr of two small index scans
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS helpdesk_ticket_sla_tc_esc_risk_idx
            ON helpdesk_ticket_sla (tc_at_risk_at)
            WHERE "state" IN ('in_progress', 'expired')
              AND ("tc_escalation_level" < 3 OR "tc_escalation_level" IS NULL)
            """
        )
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS helpdesk_ticket_sla_tc_esc_deadline_idx
            ON helpdesk_ticket_sla (deadline)
            WHERE "state" IN ('in_progress', 'expired')
              AND ("tc_escalation_level" < 3 OR "tc_escalation_level" IS NULL)
            """
        )

    @api.model
    def default_get(self, fields_list):
        # OCA's ``state`` has default "accomplished", which its compute always
        # replaced. Now that the field is editable (see above), a default would be
        # kept as a given value: a line created with only ticket and SLA (OCA's
        # refresh_sla, fixed-deadline lines) would start "accomplished".
        values = super().default_get(fields_list)
        values.pop("state", None)
        return values

    # -- who writes SLA lines ---------------------------------------------------------
    # Override reason (security): OCA gives helpdesk users write and create on SLA
    # lines, and tc_care made state and deadline editable (precomputed values), so
    # an agent could mark their own breached line "accomplished" by RPC. Lines are
    # the case's audit of its promises: only the workflow writes them (the ticket's
    # create, stage changes and SLA re-matching inside the server-side SLA_LINES
    # flag, crons and integrations as superuser), never a person directly.
    def _tc_check_workflow(self):
        if not (self.env.su or trust.allowed(trust.SLA_LINES)):
            raise AccessError(
                self.env._(
                    "SLA lines are kept by the case's workflow (stages, SLA rules, "
                    "integrations) and cannot be created, changed or deleted by hand."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._tc_check_workflow()
        return super().create(vals_list)

    def write(self, vals):
        self._tc_check_workflow()
        return super().write(vals)

    def unlink(self):
        self._tc_check_workflow()
        return super().unlink()

    @api.depends("sla_id.tc_target")
    def _compute_tc_target(self):
        for line in self:
            line.tc_target = line.sla_id.tc_target

    @api.depends("state", "tc_escalation_level")
    def _compute_tc_status(self):
        self.mapped("state")  # OCA computes it per line: one batch instead
        for line in self:
            line.tc_status = _status(line.state, line.tc_escalation_level)

    @api.model
    def _tc_at_risk_share(self):
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("tc_care.sla_at_risk_share", "0.8")
        )
        try:
            share = float(value)
        except ValueError:
            share = 0.8
        return min(max(share, 0.0), 1.0)

    def _tc_calendar(self):
        self.ensure_one()
        return self._tc_ticket_calendar(self.ticket_id)

    @api.model
    def _tc_ticket_calendar(self, ticket):
        # OCA's deadline needs the team's calendar; a ticket without one (no team,
        # OCA/helpdesk #885) falls back to the company's working hours.
        return (
            ticket.team_id.resource_calendar_id
            or ticket.company_id.resource_calendar_id
            or self.env.company.resource_calendar_id
        )

    @api.depends(
        "hours",
        "consumed_time",
        "ticket_id",
        "last_state_date",
        "state",
        "tc_deadline_override",
    )
    def _compute_deadline(self):
        """Same deadlines as OCA's ``_compute_deadline`` plus the at-risk instant.

        Override reason (performance): OCA plans every line on the calendar on its
        own. Lines created in one batch mostly share calendar, start and remaining
        hours, so each distinct (calendar, start, hours) is planned once.
        """
        share = self._tc_at_risk_share()
        plan = _Planner(share)
        now = fields.Datetime.now()
        for record in self:
            deadline, at_risk = record.deadline, record.tc_at_risk_at
            if record.state in ["accomplished", "expired"] and deadline:
                # OCA: keep the deadline in the past once the SLA is settled
                record.tc_at_risk_at = at_risk
                continue
            if record.tc_deadline_override:
                # wall-clock time: at risk once the share of the time is used up
                fixed = record.tc_deadline_override
                start = min(record.ticket_id.create_date or now, fixed)
                record.deadline = fixed
                record.tc_at_risk_at = start + (fixed - start) * share
                continue
            start = record.last_state_date or record.ticket_id.create_date
            record.deadline, record.tc_at_risk_at = plan(
                record._tc_calendar(), record.hours, record.consumed_time, start
            )

    @api.model
    def _tc_new_line_values(self, pairs):
        """Values of new lines for ``pairs`` of (ticket, sla), for ``create``.

        The same values as OCA's ``_compute_sla_data`` and our
        ``_compute_deadline`` / ``_compute_tc_status`` (a test compares them),
        computed once per ticket and SLA instead of per line through the ORM.
        """
        plan = _Planner(self._tc_at_risk_share())
        sla_data, ticket_data = {}, {}
        vals_list = []
        for ticket, sla in pairs:
            if sla.id not in sla_data:
                sla_data[sla.id] = (
                    sla.hours,
                    sla.days,
                    sla.stage_id.id,
                    sla.stage_id.sequence,
                    set(sla.ignore_stage_ids.ids),
                    sla.tc_target,
                )
            if ticket.id not in ticket_data:
                ticket_data[ticket.id] = (
                    # OCA: a day of SLA is the team calendar's hours per day
                    ticket.team_id.resource_calendar_id.hours_per_day,
                    self._tc_ticket_calendar(ticket),
                    ticket.stage_id.id,
                    ticket.stage_id.sequence,
                    ticket.create_date,
                )
            hours, days, stage_id, stage_seq, ignored, target = sla_data[sla.id]
            per_day, calendar, ticket_stage, ticket_seq, created = ticket_data[
                ticket.id
            ]
            hours += per_day * days
            if ticket_stage in ignored:
                state, last_state_date = "on_hold", False
            elif ticket_seq >= stage_seq:
                state, last_state_date = "accomplished", created
            else:
                state, last_state_date = "in_progress", created
            deadline, at_risk = plan(calendar, hours, 0.0, last_state_date or created)
            vals_list.append(
                {
                    "ticket_id": ticket.id,
                    "sla_id": sla.id,
                    "hours": hours,
                    "expected_stage_id": stage_id,
                    "state": state,
                    "last_state_date": last_state_date,
                    "deadline": deadline,
                    "tc_at_risk_at": at_risk,
                    "tc_target": target,
                    "tc_status": _status(state, 0),
                }
            )
        return vals_list

    def _stage_recompute(self):
        if self.tc_deadline_override:
            return self._tc_fixed_stage_recompute()
        if self.tc_met_at and self.tc_target == "first_response":
            # met by a public staff reply: later stage moves do not undo it
            return
        result = super()._stage_recompute()
        if self.state == "accomplished" and not self.tc_met_at:
            self.tc_met_at = fields.Datetime.now()
        elif self.state != "accomplished" and self.tc_met_at:
            self.tc_met_at = False
        return result

    def _tc_fixed_stage_recompute(self):
        """OCA's stage rule for a line with a fixed deadline: no working-time
        clock (it needs no calendar, the case may have no team) and no pause."""
        self.ensure_one()
        now = fields.Datetime.now()
        if self.state == "expired":
            return
        reached = self.ticket_id.stage_id.sequence >= self.expected_stage_id.sequence
        if self.state == "accomplished" and not reached:
            self.write({"state": "in_progress", "tc_met_at": False})
        elif self.state in ("in_progress", "on_hold") and reached:
            on_time = self.deadline >= now
            self.write(
                {
                    "state": "accomplished" if on_time else "expired",
                    "tc_met_at": now if on_time else False,
                }
            )
        elif self.state == "on_hold":
            self.state = "in_progress"
        elif self.state == "in_progress" and self.deadline <= now:
            self.state = "expired"
        self.last_state_date = now

    def _tc_mark_responded(self, when):
        """First public staff reply: first-response lines still running are met."""
        lines = self.filtered(
            lambda line: (
                line.tc_target == "first_response"
                and line.state in ("in_progress", "on_hold")
            )
        )
        for line in lines:
            on_time = not line.deadline or line.deadline >= when
            line.write(
                {
                    "state": "accomplished" if on_time else "expired",
                    "tc_met_at": when if on_time else False,
                }
            )
        return lines
