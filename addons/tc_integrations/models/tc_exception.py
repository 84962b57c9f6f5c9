# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The exception queue: everything a person must handle, in one list.

A read-only SQL view over the records that already hold the work (open cases of
the exception kinds, failed events, dead or refused commands, degraded / offline
devices without an open case) rather than a table of copies: nothing to keep in
sync, a row disappears the moment its record is handled, and the ORM gives the
list, search, graph and pivot for free. Actions on a row act on its record (or
its case): bulk assignment writes the case's assignee.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

KINDS = [
    ("provisioning_failure", "Provisioning failure"),
    ("payment_dispute", "Payment dispute"),
    ("reconciliation_mismatch", "Reconciliation mismatch"),
    ("failed_event", "Failed event"),
    ("dead_command", "Dead or refused command"),
    ("degraded_device", "Degraded device without case"),
]
CASE_KINDS = ("provisioning_failure", "payment_dispute", "reconciliation_mismatch")
AGE_BUCKETS = [
    ("a_lt1d", "< 1 day"),
    ("b_1_3d", "1-3 days"),
    ("c_3_7d", "3-7 days"),
    ("d_gt7d", "> 7 days"),
]
# row id = record id * 10 + the kind's digit: stable across reads
KIND_DIGIT = {code: n for n, (code, _label) in enumerate(KINDS, start=1)}


class TcException(models.Model):
    _name = "tc.exception"
    _description = "Exception to handle"
    _auto = False
    _order = "sla_deadline, start_date, id"
    _rec_name = "name"
    # what the view reads: flushed before every search on it
    _depends = {
        "helpdesk.ticket": [
            "name",
            "type_id",
            "user_id",
            "team_id",
            "partner_id",
            "company_id",
            "tc_sla_deadline",
            "tc_sla_status",
            "tc_is_open",
            "tc_is_stuck",
            "tc_stuck_reason",
            "tc_waiting_for",
            "tc_equipment_id",
        ],
        "helpdesk.ticket.type": ["tc_code"],
        "tc.event": [
            "state",
            "event_type",
            "event_id",
            "ticket_ids",
            "processed_at",
            "received_at",
            "last_error",
        ],
        "tc.command": ["name", "state", "ticket_id", "sent_at", "last_error"],
        "tc.equipment": [
            "name",
            "health",
            "health_reason",
            "active",
            "state",
            "partner_id",
            "location_id",
            "last_polled_at",
        ],
        "res.partner": ["parent_id"],
    }

    kind = fields.Selection(KINDS, readonly=True)
    name = fields.Char("What", readonly=True)
    res_model = fields.Char("Record model", readonly=True)
    res_id = fields.Many2oneReference("Record", model_field="res_model", readonly=True)
    ticket_id = fields.Many2one("helpdesk.ticket", "Case", readonly=True)
    user_id = fields.Many2one("res.users", "Assigned to", readonly=True)
    team_id = fields.Many2one("helpdesk.ticket.team", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    sla_deadline = fields.Datetime("SLA deadline", readonly=True)
    start_date = fields.Datetime("Since", readonly=True)
    age_hours = fields.Float("Age (h)", readonly=True, aggregator="max")
    age_bucket = fields.Selection(AGE_BUCKETS, "Age", readonly=True)
    is_stuck = fields.Boolean("Stuck", readonly=True)
    status = fields.Char(readonly=True)
    reason = fields.Char("Why", readonly=True)
    timeline_ids = fields.One2many("tc.case.timeline", compute="_compute_timeline_ids")

    def init(self):
        digit = KIND_DIGIT
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW tc_exception AS (
            WITH rows AS (
              SELECT t.id * 10 + CASE ty.tc_code
                         WHEN 'provisioning_failure' THEN %(d_pf)s
                         WHEN 'payment_dispute' THEN %(d_pd)s
                         ELSE %(d_rm)s END AS id,
                     ty.tc_code AS kind,
                     t.name AS name,
                     'helpdesk.ticket'::varchar AS res_model,
                     t.id AS res_id,
                     t.id AS ticket_id,
                     t.user_id, t.team_id, t.partner_id, t.company_id,
                     t.tc_sla_deadline AS sla_deadline,
                     t.create_date AS start_date,
                     COALESCE(t.tc_is_stuck, FALSE) AS is_stuck,
                     t.tc_sla_status::varchar AS status,
                     COALESCE(t.tc_stuck_reason, t.tc_waiting_for) AS reason
                FROM helpdesk_ticket t
                JOIN helpdesk_ticket_type ty ON ty.id = t.type_id
               WHERE t.tc_is_open = TRUE
                 AND ty.tc_code IN %(case_kinds)s
              UNION ALL
              SELECT e.id * 10 + %(d_fe)s, 'failed_event',
                     e.event_type || ' ' || e.event_id,
                     'tc.event', e.id, c.id,
                     c.user_id, c.team_id, c.partner_id, c.company_id,
                     c.tc_sla_deadline, COALESCE(e.processed_at, e.received_at),
                     COALESCE(c.tc_is_stuck, FALSE), e.state::varchar,
                     LEFT(e.last_error, 250)
                FROM tc_event e
                LEFT JOIN LATERAL (
                     SELECT t.* FROM tc_event_helpdesk_ticket_rel r
                       JOIN helpdesk_ticket t ON t.id = r.ticket_id
                      WHERE r.event_id = e.id
                      ORDER BY t.id DESC LIMIT 1) c ON TRUE
               WHERE e.state = 'failed'
              UNION ALL
              SELECT m.id * 10 + %(d_dc)s, 'dead_command', m.name,
                     'tc.command', m.id, c.id,
                     c.user_id, c.team_id, c.partner_id, c.company_id,
                     c.tc_sla_deadline, COALESCE(m.sent_at, m.create_date),
                     COALESCE(c.tc_is_stuck, FALSE), m.state::varchar,
                     LEFT(m.last_error, 250)
                FROM tc_command m
                LEFT JOIN helpdesk_ticket c ON c.id = m.ticket_id
               WHERE m.state IN ('dead', 'failed')
              UNION ALL
              SELECT q.id * 10 + %(d_dd)s, 'degraded_device', q.name,
                     'tc.equipment', q.id, NULL,
                     NULL, NULL, COALESCE(q.partner_id, loc.parent_id), NULL,
                     NULL, COALESCE(q.last_polled_at, q.write_date),
                     FALSE, q.health::varchar, q.health_reason
                FROM tc_equipment q
                LEFT JOIN res_partner loc ON loc.id = q.location_id
               WHERE q.health IN ('degraded', 'offline')
                 AND q.active AND q.state = 'installed'
                 AND NOT EXISTS (
                     SELECT 1 FROM helpdesk_ticket t
                      WHERE t.tc_equipment_id = q.id AND t.tc_is_open = TRUE)
            )
            SELECT rows.*,
                   EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - rows.start_date)
                       / 3600.0 AS age_hours,
                   CASE
                     WHEN rows.start_date > (now() AT TIME ZONE 'UTC')
                          - interval '1 day' THEN 'a_lt1d'
                     WHEN rows.start_date > (now() AT TIME ZONE 'UTC')
                          - interval '3 days' THEN 'b_1_3d'
                     WHEN rows.start_date > (now() AT TIME ZONE 'UTC')
                          - interval '7 days' THEN 'c_3_7d'
                     ELSE 'd_gt7d' END AS age_bucket
              FROM rows
            )
            """,
                d_pf=digit["provisioning_failure"],
                d_pd=digit["payment_dispute"],
                d_rm=digit["reconciliation_mismatch"],
                d_fe=digit["failed_event"],
                d_dc=digit["dead_command"],
                d_dd=digit["degraded_device"],
                case_kinds=CASE_KINDS,
            )
        )

    def _compute_timeline_ids(self):
        for row in self:
            row.timeline_ids = row.ticket_id.tc_timeline_ids[:50]

    # -- actions -----------------------------------------------------------------------
    def _tc_check_group(self, group):
        if not self.env.user.has_group(group):
            raise AccessError(self.env._("The exception queue is for care staff."))

    def action_open_record(self):
        """Button (care staff): the row's record, opened in the user's rights."""
        self._tc_check_group("tc_care.group_agent")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_case(self):
        """Button (care staff)."""
        self._tc_check_group("tc_care.group_agent")
        self.ensure_one()
        if not self.ticket_id:
            raise UserError(self.env._("%s has no case yet.", self.name))
        return {
            "type": "ir.actions.act_window",
            "res_model": "helpdesk.ticket",
            "res_id": self.ticket_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_open_assign_wizard(self):
        """Button (supervisors)."""
        self._tc_check_group("tc_care.group_supervisor")
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.exception.assign",
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Assign"),
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def _tc_cases(self):
        """The case of each row, opened for rows that have none yet (a device
        without case gets a technical-fault case, its location's open one if any;
        an event or command without case an exception case). Returns the cases, in
        the current user's rights."""
        Ticket = self.env["helpdesk.ticket"]
        cases = Ticket
        for row in self:
            if row.ticket_id:
                cases |= row.ticket_id
                continue
            if row.kind == "degraded_device":
                device = self.env["tc.equipment"].browse(row.res_id)
                # the fault cases' own rule (tc_network): the open case of the
                # device or of its location is reused, never a duplicate
                case = Ticket.browse(
                    device._tc_open_fault_cases([(device, row.status, row.reason)]).id
                )
                # opened or reused: the line says where it was taken up
                case._tc_timeline(
                    "diagnostic", self.env._("Taken up from the exception queue")
                )
            else:
                record = self.env[row.res_model].sudo().browse(row.res_id)
                case = Ticket.browse(
                    Ticket._tc_open_case(
                        "general_inquiry",
                        row.name,
                        description=row.reason or row.name,
                        correlation_id=record.correlation_id,
                    ).id
                )
                if row.res_model == "tc.command":
                    record.ticket_id = case
                else:
                    record._tc_touch(case, self.env._("Case opened from the queue"))
            cases |= case
        return cases

    def _tc_assign(self, user):
        """Bulk assignment: the rows' cases go to ``user`` (one write)."""
        cases = self._tc_cases()
        cases.write({"user_id": user.id})
        cases._tc_timeline(
            "note",
            self.env._(
                "Assigned to %(user)s from the exception queue by %(by)s",
                user=user.name,
                by=self.env.user.name,
            ),
        )
        return cases

    # -- daily digest ------------------------------------------------------------------
    @api.model
    def _tc_digest_data(self, oldest=10):
        """Counts per kind and the oldest open items, for the supervisors' mail."""
        Exception_ = self.sudo()
        labels = dict(KINDS)
        groups = Exception_._read_group([], ["kind"], ["__count", "age_hours:max"])
        by_kind = [
            {
                "kind": labels.get(kind, kind),
                "count": count,
                "oldest_days": round((age or 0) / 24, 1),
            }
            for kind, count, age in sorted(groups, key=lambda g: -g[1])
        ]
        items = Exception_.search([], order="start_date, id", limit=oldest)
        return {
            "total": sum(g["count"] for g in by_kind),
            "by_kind": by_kind,
            "oldest": [
                {
                    "kind": labels.get(row.kind, row.kind),
                    "name": row.name,
                    "age_days": round(row.age_hours / 24, 1),
                    "assignee": row.user_id.name or "-",
                    "deadline": row.sla_deadline
                    and fields.Datetime.to_string(row.sla_deadline)
                    or "-",
                }
                for row in items
            ],
        }

    @api.model
    def _cron_send_digest(self):
        """Daily mail to the supervisors: counts per kind and the oldest items."""
        supervisors = (
            self.env.ref("tc_care.group_supervisor")
            .sudo()
            .users.filtered(lambda u: u.active and not u.share and u.email)
        )
        if not supervisors:
            return False
        data = self._tc_digest_data()
        template = self.env.ref("tc_integrations.mail_template_exception_digest")
        company = self.env.company
        mail_id = template.with_context(tc_digest=data).send_mail(
            company.id,
            email_values={
                "recipient_ids": [(6, 0, supervisors.partner_id.ids)],
                "auto_delete": True,
            },
        )
        return mail_id
