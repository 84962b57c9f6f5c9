# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Stuck detection (helpdesk.ticket): the stuck flag, reason and date of a case,
the cron that flags open cases without progress past their kind's threshold, the
reason in words, and clearing the flag when the case moves again.
"""

from datetime import timedelta

from psycopg2.extras import execute_values

from odoo import api, fields, models


class HelpdeskTicketStuck(models.Model):
    _inherit = "helpdesk.ticket"

    # -- stuck detection ------------------------------------------------------------
    tc_is_stuck = fields.Boolean(
        "Stuck", readonly=True, index=True, groups="base.group_user"
    )
    tc_stuck_reason = fields.Char(
        "Why is it stuck?", readonly=True, groups="base.group_user"
    )
    tc_stuck_since = fields.Datetime(
        "Stuck since", readonly=True, groups="base.group_user"
    )

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

    def _tc_unstick(self):
        self.sudo().write(
            {"tc_is_stuck": False, "tc_stuck_reason": False, "tc_stuck_since": False}
        )
