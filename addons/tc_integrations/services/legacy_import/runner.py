# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The legacy import runner: one batch at a time, for the command line and the queue
jobs alike (docs/import.md, docs/architecture.md).

A batch is read from the current file at the run's byte offset, validated
(``lib/legacy_format``, duplicates found through ``tc.legacy.import.seen``), then
handed to the file's entity importer (the registry ``IMPORTERS`` in this package's
``__init__``: customers.py, locations.py, ...), which resolves its references with
one query per kind of reference and writes it (one ORM ``create`` per batch with
tracking, chatter logging and follower subscription off; messages: one bulk insert).
The batch's counts, rejected rows and the next offset are written in the same
transaction, so a commit after each batch makes the run resumable.
"""

import io
import logging
import os
import time
from collections import defaultdict

from odoo import fields
from odoo.exceptions import UserError

from odoo.addons.tc_care.services.bulk import insert_rows

from ...lib.legacy_format import (
    FILE_NAMES,
    CsvReader,
    FileError,
    Reason,
    _lt,
    file_fingerprint,
)
from ...lib.legacy_rows import parse_row
from .base import IMPORT_CONTEXT, Item
from .registry import IMPORTERS

_logger = logging.getLogger(__name__)


class LegacyImporter:
    """The work of one run (``run``: a ``tc.legacy.import.run``), batch by batch,
    each file by its importer in ``registry.IMPORTERS``."""

    def __init__(self, run):
        self.run = run.sudo()
        self.env = self.run.env(context=dict(run.env.context, **IMPORT_CONTEXT))
        self.run = self.run.with_env(self.env)
        self.cr = self.env.cr
        self.rejects = []  # (line, legacy_id, reason) of the current batch
        self.counts = defaultdict(int)

    # ------------------------------------------------------------------------------
    # files
    # ------------------------------------------------------------------------------
    def open(self, entity):
        """A binary file object for the entity's file, or None when the run has
        none."""
        run = self.run
        if run.source == "folder":
            path = os.path.join(run.folder, FILE_NAMES[entity])
            return open(path, "rb") if os.path.isfile(path) else None  # noqa: SIM115
        attachment = run.attachment_ids.filtered(
            lambda a: a.name == FILE_NAMES[entity]
        )[:1]
        if not attachment:
            return None
        if attachment.store_fname:
            return open(attachment._full_path(attachment.store_fname), "rb")  # noqa: SIM115
        return io.BytesIO(attachment.raw or b"")

    def stats_vals(self):
        """Values of the run's per-file stats: the files it has, in the registry's
        order, with their fingerprint and size."""
        vals_list = []
        for sequence, entity in enumerate(IMPORTERS):
            handle = self.open(entity)
            if handle is None:
                continue
            with handle:
                fingerprint = file_fingerprint(handle)
            vals_list.append(
                {
                    "run_id": self.run.id,
                    "sequence": sequence,
                    "entity": entity,
                    "file_name": FILE_NAMES[entity],
                    "fingerprint": fingerprint,
                    "size": int(fingerprint.split(":")[0]),
                }
            )
        return vals_list

    # ------------------------------------------------------------------------------
    # the step
    # ------------------------------------------------------------------------------
    def step(self):
        """Process one batch of the run. True while work remains."""
        run = self.run
        if run.state in ("draft", "failed"):
            run.write(
                {
                    "state": "running",
                    "started_at": run.started_at or fields.Datetime.now(),
                    "last_error": False,
                }
            )
        stat = run._tc_current_stat()
        if not stat:
            self._finish_run()
            return False
        if stat.state == "pending":
            stat.state = "running"
        run.current_entity = stat.entity
        self.rejects = []
        self.counts = defaultdict(int)
        self.started = time.monotonic()
        importer = IMPORTERS[stat.entity](self)
        if stat.phase == "read":
            self._read(stat, importer)
        elif stat.phase == "deferred":
            importer.resolve_deferred(stat)
        else:
            importer.finish(stat)
        self._save(stat)
        return True

    def _save(self, stat):
        if self.rejects:
            self.env["tc.legacy.import.reject"].create(
                [
                    {
                        "run_id": self.run.id,
                        "sequence": stat.sequence,
                        "entity": stat.entity,
                        "file_name": stat.file_name,
                        "line": line,
                        "legacy_id": legacy_id or False,
                        "reason": self._render(reason),
                    }
                    for line, legacy_id, reason in self.rejects
                ]
            )
        stat.write(
            {
                "created": stat.created + self.counts["created"],
                "updated": stat.updated + self.counts["updated"],
                "unchanged": stat.unchanged + self.counts["unchanged"],
                "rejected": stat.rejected + len(self.rejects),
                "seconds": stat.seconds + time.monotonic() - self.started,
            }
        )
        done = sum(s.size for s in self.run.stat_ids if s.state == "done")
        current = 0 if stat.state == "done" else stat.offset
        self.run.bytes_done = done + current
        self.env.flush_all()

    def _render(self, reason):
        if isinstance(reason, Reason):
            return reason.render(self.env._)
        return str(reason)

    def reject(self, item_or_line, reason, legacy_id=None):
        if isinstance(item_or_line, Item):
            self.rejects.append((item_or_line.line, item_or_line.legacy_id, reason))
        else:
            self.rejects.append((item_or_line, legacy_id, reason))

    def _read(self, stat, importer):
        entity = stat.entity
        handle = self.open(entity)
        if handle is None:
            raise UserError(
                self.env._(
                    "%(file)s is no longer there; the run cannot continue.",
                    file=stat.file_name,
                )
            )
        with handle:
            if file_fingerprint(handle) != stat.fingerprint:
                raise UserError(
                    self.env._(
                        "%(file)s changed since the run started; start a new run.",
                        file=stat.file_name,
                    )
                )
            try:
                reader = CsvReader(
                    handle, entity, offset=stat.offset, line=stat.next_line
                )
            except FileError as error:
                self.reject(1, error.reason)
                stat.write({"state": "done", "offset": stat.size})
                return
            rows = reader.read_batch(self.run.batch_size)
            items = self._validate(entity, rows)
            if items:
                importer.import_items(items)
            vals = {
                "offset": reader.offset,
                "next_line": reader.next_line,
                "rows": stat.rows + len(rows),
            }
            if reader.eof:
                vals.update(importer.after_read(stat))
            stat.write(vals)

    def _validate(self, entity, rows):
        """Rows → items; unreadable, invalid and duplicate rows are rejected."""
        parsed = []
        for row in rows:
            if row.reason:
                self.reject(row.line, row.reason)
                continue
            legacy_id, data, reason = parse_row(entity, row.data)
            parsed.append((row, legacy_id, data, reason))
        first_lines = self._claim_ids(
            entity, [(row.line, lid) for row, lid, _d, _r in parsed if lid]
        )
        items = []
        for row, legacy_id, data, reason in parsed:
            if legacy_id and first_lines.get(legacy_id, row.line) != row.line:
                self.reject(
                    row.line,
                    Reason(
                        _lt("duplicate legacy_id '%(id)s' (first on line %(line)s)"),
                        id=legacy_id,
                        line=first_lines[legacy_id],
                    ),
                    legacy_id,
                )
            elif reason:
                self.reject(row.line, reason, legacy_id)
            else:
                items.append(Item(row.line, legacy_id, data, row.data))
        return items

    def _claim_ids(self, entity, lines_ids):
        """Record the batch's legacy ids as read by this run; return the first
        line of each id that was read before (this batch or an earlier one)."""
        if not lines_ids:
            return {}
        first = {}
        for line, legacy_id in lines_ids:
            first.setdefault(legacy_id, line)
        # the ids no earlier row claimed are inserted; the others conflict
        claimed = insert_rows(
            self.env["tc.legacy.import.seen"],
            [
                {
                    "run_id": self.run.id,
                    "entity": entity,
                    "legacy_id": lid,
                    "line": line,
                }
                for lid, line in first.items()
            ],
            skip_conflicts=("run_id", "entity", "legacy_id"),
        )
        inserted = set(claimed.mapped("legacy_id"))
        earlier = [lid for lid in first if lid not in inserted]
        if earlier:
            self.cr.execute(
                "SELECT legacy_id, line FROM tc_legacy_import_seen "
                "WHERE run_id = %s AND entity = %s AND legacy_id = ANY(%s)",
                (self.run.id, entity, earlier),
            )
            first.update(dict(self.cr.fetchall()))
        return first

    # ------------------------------------------------------------------------------
    def _finish_run(self):
        run = self.run
        self.cr.execute(
            "DELETE FROM tc_legacy_import_seen WHERE run_id = %s", (run.id,)
        )
        run._tc_write_report()
        run.write(
            {
                "state": "done",
                "finished_at": fields.Datetime.now(),
                "current_entity": False,
                "bytes_done": run.bytes_total,
            }
        )
        _logger.info(
            "legacy import run %s done: %s created, %s updated, %s unchanged, "
            "%s rejected",
            run.id,
            run.created_count,
            run.updated_count,
            run.unchanged_count,
            run.reject_count,
        )
