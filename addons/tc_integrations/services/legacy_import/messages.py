# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Ticket messages (``messages.csv``): the chatter history of the imported cases,
as ``mail.message`` comments and internal notes of their ticket, bodies sanitised
as the chatter's. Written with one INSERT per batch through tc_care's bulk writer
(``tc_care/services/bulk.py``: at ~780,000 messages one ORM create each would take
longer than the rest of the import), changed ones with one UPDATE.

After the file, the "finish" phase derives the first response and last progress
of the imported open cases from their history.
"""

from markupsafe import Markup
from psycopg2.extras import execute_values

from odoo.tools import clean_context, html_sanitize, plaintext2html

from odoo.addons.tc_care.services.bulk import insert_rows

from ...lib.legacy_format import Reason, _lt
from .base import EntityImporter


class MessageImporter(EntityImporter):
    entity = "messages"

    def after_read(self, stat):
        return {"phase": "finish"}

    def __init__(self, runner):
        super().__init__(runner)
        self._subtypes = None

    def _message_refs(self):
        """(comment, note) subtype ids."""
        if self._subtypes is None:
            self._subtypes = (
                self.env.ref("mail.mt_comment").id,
                self.env.ref("mail.mt_note").id,
            )
        return self._subtypes

    def import_items(self, items):
        comment, note = self._message_refs()
        tickets = self._lookup(
            "helpdesk_ticket",
            [i.data["ticket_id"] for i in items],
            columns="id, partner_id",
        )
        authors = self._users([i.data["author"] for i in items])
        existing = self._lookup(
            "mail_message",
            [i.legacy_id for i in items],
            columns="id, res_id, date, author_id, is_internal, subtype_id, body",
        )
        inserts, updates = [], []
        for item in items:
            data = item.data
            ticket = tickets.get(data["ticket_id"])
            if not ticket:
                self._reject(
                    item, Reason(_lt("unknown ticket '%(ref)s'"), ref=data["ticket_id"])
                )
                continue
            if data["author"]:
                author = authors.get(data["author"])
                if not author:
                    self._reject(
                        item,
                        Reason(
                            _lt(
                                "unknown author '%(login)s' (no internal user has "
                                "this login or e-mail)"
                            ),
                            login=data["author"],
                        ),
                    )
                    continue
                author_id = author[1]
            else:
                author_id = ticket[1]  # the ticket's customer
            internal = data["internal"]
            body = sanitize_body(data["body"])
            values = (
                ticket[0],
                data["date"],
                author_id,
                internal,
                note if internal else comment,
                body,
            )
            old = existing.get(item.legacy_id)
            if old is None:
                inserts.append(
                    {
                        "tc_legacy_id": item.legacy_id,
                        "res_id": ticket[0],
                        "date": data["date"],
                        "author_id": author_id,
                        "is_internal": internal,
                        "subtype_id": note if internal else comment,
                        "body": Markup(body),  # sanitised above
                        "message_type": "comment",
                        "model": "helpdesk.ticket",
                        "message_id": f"<tc-legacy-{item.legacy_id}@import>",
                        # a legacy message has no sender address of its own (the
                        # default would be the importing user's)
                        "email_from": False,
                    }
                )
                self.counts["created"] += 1
            elif tuple(old[1:]) != values:
                updates.append((old[0], *values))
                self.counts["updated"] += 1
            else:
                self.counts["unchanged"] += 1
        if inserts:
            # as mail does: no default_* key of the caller's context on messages
            Message = self.env["mail.message"].with_context(
                clean_context(self.env.context)
            )
            insert_rows(Message, inserts)
        if updates:
            execute_values(
                self.cr._obj,
                """
                UPDATE mail_message m
                   SET res_id = v.res_id, date = v.date, author_id = v.author_id,
                       is_internal = v.is_internal, subtype_id = v.subtype_id,
                       body = v.body, model = 'helpdesk.ticket'
                  FROM (VALUES %s) AS v(id, res_id, date, author_id, is_internal,
                                       subtype_id, body)
                 WHERE m.id = v.id
                """,
                updates,
                template="(%s, %s, %s::timestamp, %s, %s, %s, %s)",
            )
        self.env["mail.message"].invalidate_model()

    def finish(self, stat):
        """After the messages: first response and last progress of the imported
        open cases from their history (one UPDATE each, only rows that change)."""
        self.cr.execute(
            """
            WITH staff AS (
                SELECT m.res_id, min(m.date) FILTER (WHERE NOT m.is_internal) AS first_public,
                       max(m.date) AS last
                  FROM mail_message m
                 WHERE m.model = 'helpdesk.ticket' AND m.tc_legacy_id IS NOT NULL
                   AND m.message_type = 'comment'
                   AND EXISTS (SELECT 1 FROM res_users u
                                WHERE u.partner_id = m.author_id AND NOT u.share)
                 GROUP BY m.res_id
            )
            UPDATE helpdesk_ticket t
               SET tc_first_response_at = s.first_public,
                   tc_last_progress_at = CASE WHEN t.tc_is_open
                       THEN GREATEST(t.create_date, s.last) ELSE t.tc_last_progress_at END
              FROM staff s
             WHERE t.id = s.res_id AND t.tc_legacy_id IS NOT NULL
               AND (t.tc_first_response_at IS DISTINCT FROM s.first_public
                    OR (t.tc_is_open AND t.tc_last_progress_at
                        IS DISTINCT FROM GREATEST(t.create_date, s.last)))
            """
        )
        self.env["helpdesk.ticket"].invalidate_model(
            ["tc_first_response_at", "tc_last_progress_at"]
        )
        stat.write({"state": "done"})


def sanitize_body(body):
    """A legacy message body as the chatter stores it: HTML sanitised the way
    ``mail.message.body`` is; plain text (no tag) with its line breaks kept."""
    text = body.strip()
    if not text.startswith("<"):
        return str(plaintext2html(text))
    return str(html_sanitize(text, sanitize_style=True) or "")
