# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Tickets (``tickets.csv``): ``helpdesk.ticket`` cases with their customer,
location, subscription, assignee, kind, stage and parent, and their original dates.

A ticket whose parent is not imported yet waits in ``tc.legacy.import.deferred``;
after the file, the "deferred" phase places the waiting ones in rounds as their
parents arrive and rejects the rest with their parent's reason. Case kinds come
from tc_care's case API (``helpdesk.ticket.type._tc_get``).
"""

from html import escape

from psycopg2.extras import execute_values

from ...lib.legacy_format import TICKET_STATUSES, Reason, _lt
from ...lib.legacy_rows import parse_row
from .base import EntityImporter, Item


class TicketImporter(EntityImporter):
    entity = "tickets"

    def after_read(self, stat):
        return {"phase": "deferred"}

    def __init__(self, runner):
        super().__init__(runner)
        self._stages = None
        self._kinds = {}

    def _ticket_refs(self):
        """Legacy status -> stage id (helpdesk_mgmt's stages)."""
        if self._stages is None:
            self._stages = {
                status: self.env.ref(xmlid).id
                for status, xmlid in TICKET_STATUSES.items()
            }
        return self._stages

    def _kind(self, code):
        """The case kind of a legacy kind code (the codes are tc_care's)."""
        if code not in self._kinds:
            self._kinds[code] = self.env["helpdesk.ticket.type"]._tc_get(code).id
        return self._kinds[code]

    def import_items(self, items, final=False):
        """Tickets whose parent is known (in the database or earlier in this
        batch) are imported in waves; the others wait in the deferred table
        (``final``: they are rejected instead)."""
        stages = self._ticket_refs()
        Ticket = self.env["helpdesk.ticket"]
        data_of = [i.data for i in items]
        customers = self._customer_ids([d["customer_id"] for d in data_of])
        locations = self._location_ids([d["location_id"] for d in data_of])
        subscriptions = self._lookup(
            "tc_legacy_subscription",
            [d["subscription_id"] for d in data_of],
            columns="name, partner_id",
        )
        users = self._users([d["assignee"] for d in data_of])
        known = self._lookup(
            "helpdesk_ticket",
            [i.legacy_id for i in items] + [d["parent_id"] for d in data_of],
        )
        existing = {
            i.legacy_id: known[i.legacy_id] for i in items if i.legacy_id in known
        }
        pending = []
        for item in items:
            data = item.data
            customer, reason = self._customer_of(data, customers)
            location = sub = False
            if not reason and data["location_id"]:
                found = locations.get(data["location_id"])
                reason = self._location_reason(data, found, customer)
                location = found and found[0]
            if not reason and data["subscription_id"]:
                sub = subscriptions.get(data["subscription_id"])
                if not sub:
                    reason = Reason(
                        _lt("unknown subscription '%(ref)s'"),
                        ref=data["subscription_id"],
                    )
            if not reason and data["assignee"] and data["assignee"] not in users:
                reason = Reason(
                    _lt(
                        "unknown assignee '%(login)s' (no internal user has this login or e-mail)"
                    ),
                    login=data["assignee"],
                )
            if not reason and data["parent_id"] == item.legacy_id:
                reason = Reason(_lt("a ticket cannot be its own parent"))
            if reason:
                self._reject(item, reason)
                continue
            closed = data["closed_at"]
            created = data["created_at"]
            user = users.get(data["assignee"]) if data["assignee"] else None
            item.vals = {
                "tc_legacy_id": item.legacy_id,
                "number": data["number"] or item.legacy_id,
                "name": data["subject"],
                # helpdesk_mgmt requires a description; the subject stands in
                "description": data["description"]
                or f"<p>{escape(data['subject'])}</p>",
                "partner_id": customer,
                "tc_location_id": location,
                "tc_subscription_ref": sub[0] if sub else False,
                "user_id": user[0] if user else False,
                "type_id": self._kind(data["kind"]) if data["kind"] else False,
                "stage_id": stages[data["status"]],
                "priority": data["priority"],
                "tc_last_progress_at": closed or created,
            }
            pending.append(item)
        # waves: a child goes in once its parent has an id
        while pending:
            wave, rest = [], []
            for item in pending:
                parent = item.data["parent_id"]
                if not parent or parent in known:
                    item.vals["tc_parent_id"] = known[parent] if parent else False
                    wave.append(item)
                else:
                    rest.append(item)
            if not wave:
                break
            done = self._upsert(
                Ticket,
                wave,
                existing,
                compare=[
                    *(f for f in wave[0].vals if f != "tc_last_progress_at"),
                ],
            )
            known.update(done)
            self._pin_ticket_dates([i for i in wave if i.legacy_id in done], done)
            pending = rest
        if not pending:
            return
        if final:
            reasons = self._parent_reasons(
                {i.data["parent_id"] for i in pending},
                # rejected in this batch: before, and these (a parent that is
                # itself waiting for a parent that never came)
                [(line, lid) for line, lid, _r in self.rejects]
                + [(i.line, i.legacy_id) for i in pending],
            )
            for item in pending:
                self._reject(item, reasons[item.data["parent_id"]])
            return
        self.env["tc.legacy.import.deferred"].create(
            [
                {
                    "run_id": self.run.id,
                    "line": item.line,
                    "legacy_id": item.legacy_id,
                    "parent_legacy_id": item.data["parent_id"],
                    "data": item.raw,
                }
                for item in pending
            ]
        )

    def _parent_reasons(self, parents, batch_rejects):
        """Parent legacy id → why the children of a parent that never came are
        rejected: the parent's rejected row (its first line) or an unknown
        parent. One query for all the parents. A parent is rejected when it was
        in an earlier batch, is in ``batch_rejects`` ((line, legacy id) of this
        batch) or still waits in the deferred table (in the final rounds every
        waiting row is rejected): the reasons do not depend on the batch size."""
        parents = sorted(parents)
        self.cr.execute(
            """
            SELECT DISTINCT ON (legacy_id) legacy_id, line
              FROM (SELECT legacy_id, line FROM tc_legacy_import_reject
                     WHERE run_id = %(run)s AND entity = 'tickets'
                       AND legacy_id = ANY(%(parents)s)
                    UNION ALL
                    SELECT legacy_id, line FROM tc_legacy_import_deferred
                     WHERE run_id = %(run)s AND legacy_id = ANY(%(parents)s)) r
             ORDER BY legacy_id, line
            """,
            {"run": self.run.id, "parents": parents},
        )
        lines = dict(self.cr.fetchall())
        wanted = set(parents)
        for line, legacy_id in batch_rejects:
            if legacy_id in wanted and line < lines.get(legacy_id, line + 1):
                lines[legacy_id] = line
        return {
            parent: Reason(
                _lt("parent ticket '%(ref)s' was rejected (line %(line)s)"),
                ref=parent,
                line=lines[parent],
            )
            if parent in lines
            else Reason(_lt("unknown parent ticket '%(ref)s'"), ref=parent)
            for parent in parents
        }

    def _pin_ticket_dates(self, items, ids):
        """Original dates: the ORM sets creation, assignment, stage and closing
        dates to now; one UPDATE per batch puts the legacy ones back."""
        if not items:
            return
        self.env.flush_all()
        rows = []
        for item in items:
            data = item.data
            created = data["created_at"]
            closed = data["closed_at"] or None
            rows.append(
                (
                    ids[item.legacy_id],
                    created,
                    closed,
                    closed or created,
                    created if item.vals["user_id"] else None,
                    closed or created,
                )
            )
        execute_values(
            self.cr._obj,
            """
            UPDATE helpdesk_ticket t
               SET create_date = v.created, closed_date = v.closed,
                   last_stage_update = v.stage_update, assigned_date = v.assigned,
                   tc_last_progress_at = v.progress
              FROM (VALUES %s) AS v(id, created, closed, stage_update, assigned, progress)
             WHERE t.id = v.id
               AND (t.create_date, t.closed_date, t.last_stage_update,
                    t.assigned_date, t.tc_last_progress_at)
                   IS DISTINCT FROM
                   (v.created, v.closed, v.stage_update, v.assigned, v.progress)
            """,
            rows,
            template="(%s, %s::timestamp, %s::timestamp, %s::timestamp, "
            "%s::timestamp, %s::timestamp)",
        )
        self.env["helpdesk.ticket"].invalidate_model(
            [
                "create_date",
                "closed_date",
                "last_stage_update",
                "assigned_date",
                "tc_last_progress_at",
            ]
        )

    def resolve_deferred(self, stat):
        """After the file: tickets read before their parent, in rounds, until
        no more can be placed; the rest are rejected."""
        batch = self.run.batch_size
        self.cr.execute(
            """
            SELECT d.id, d.line, d.legacy_id, d.data FROM tc_legacy_import_deferred d
             WHERE d.run_id = %s
               AND EXISTS (SELECT 1 FROM helpdesk_ticket t
                            WHERE t.tc_legacy_id = d.parent_legacy_id)
             ORDER BY d.line LIMIT %s
            """,
            (self.run.id, batch),
        )
        rows = self.cr.fetchall()
        final = not rows
        if final:
            self.cr.execute(
                "SELECT id, line, legacy_id, data FROM tc_legacy_import_deferred "
                "WHERE run_id = %s ORDER BY line LIMIT %s",
                (self.run.id, batch),
            )
            rows = self.cr.fetchall()
            if not rows:
                stat.write({"state": "done"})
                return
        self.cr.execute(
            "DELETE FROM tc_legacy_import_deferred WHERE id = ANY(%s)",
            ([r[0] for r in rows],),
        )
        items = []
        for _id, line, legacy_id, raw in rows:
            _lid, data, _reason = parse_row("tickets", raw)
            items.append(Item(line, legacy_id, data, raw))
        self.import_items(items, final=final)
        stat.deferred_round += 1
