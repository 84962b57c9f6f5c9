# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The SLA escalation cron (helpdesk.ticket): SLA lines that crossed their at-risk,
breached or long-breached threshold escalate in batch (reassignment, activities,
chatter notes and timeline entries written in one INSERT each), with the bulk
message path and the date formatter it needs. Performance-critical: bench/care_bench.py
measures it (bench/RESULTS.md).
"""

from collections import Counter, defaultdict
from datetime import timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools.misc import clean_context

from ..services import trust
from ..services.bulk import insert_rows
from .helpdesk_ticket_sla import (
    LEVEL_AT_RISK,
    LEVEL_BREACHED,
    LEVEL_LONG_BREACHED,
)


class HelpdeskTicketEscalation(models.Model):
    _inherit = "helpdesk.ticket"

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
