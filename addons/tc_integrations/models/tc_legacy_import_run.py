# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import io
import logging
import os

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib.legacy_format import ENTITIES, FILE_NAMES
from ..services.legacy_import import LegacyImporter
from ..services.trust import legacy_importing

_logger = logging.getLogger(__name__)

ENTITY_SELECTION = [
    ("customers", "Customers"),
    ("locations", "Service locations"),
    ("equipment", "Equipment"),
    ("subscriptions", "Subscription references"),
    ("tickets", "Tickets"),
    ("messages", "Ticket messages"),
]


class TcLegacyImportRun(models.Model):
    """One import of a legacy system's files (docs/import.md).

    The work is done batch by batch by ``services/legacy_import``'s ``LegacyImporter``;
    each batch commits its records, its counts, its rejected rows and the byte
    offset where the next batch starts, together. A run that is stopped (killed
    command, lost job) continues from the last committed batch and ends as an
    uninterrupted run would have.
    """

    _name = "tc.legacy.import.run"
    _description = "Legacy import run"
    _order = "id desc"

    name = fields.Char(required=True, readonly=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="draft",
        required=True,
        readonly=True,
        index=True,
    )
    source = fields.Selection(
        [
            ("folder", "Folder on the server (command line)"),
            ("upload", "Uploaded files"),
        ],
        required=True,
        readonly=True,
    )
    # Only the command line (a person on the server) imports a folder; the
    # backend never reads server paths for a user.
    folder = fields.Char(readonly=True, groups="base.group_system")
    attachment_ids = fields.Many2many(
        "ir.attachment", string="Files", readonly=True, copy=False
    )
    batch_size = fields.Integer(default=1000, required=True, readonly=True)
    user_id = fields.Many2one(
        "res.users", "Started by", default=lambda self: self.env.user, readonly=True
    )
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    current_entity = fields.Selection(ENTITY_SELECTION, readonly=True)
    bytes_total = fields.Integer(readonly=True)
    bytes_done = fields.Integer(readonly=True)
    progress = fields.Float(compute="_compute_progress", digits=(5, 1))
    stat_ids = fields.One2many("tc.legacy.import.stat", "run_id", "Per file")
    reject_ids = fields.One2many("tc.legacy.import.reject", "run_id", "Rejected rows")
    reject_count = fields.Integer("Rejected", compute="_compute_totals")
    created_count = fields.Integer("Created", compute="_compute_totals")
    updated_count = fields.Integer("Updated", compute="_compute_totals")
    unchanged_count = fields.Integer("Unchanged", compute="_compute_totals")
    report_file = fields.Binary("Rejected rows (CSV)", attachment=True, readonly=True)
    report_filename = fields.Char(readonly=True)
    last_error = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "batch_size_positive",
            "CHECK(batch_size > 0)",
            "The batch size must be positive.",
        ),
    ]

    @api.depends("bytes_done", "bytes_total", "state")
    def _compute_progress(self):
        for run in self:
            if run.state == "done":
                run.progress = 100.0
            elif run.bytes_total:
                run.progress = min(99.9, 100.0 * run.bytes_done / run.bytes_total)
            else:
                run.progress = 0.0

    @api.depends(
        "stat_ids.created",
        "stat_ids.updated",
        "stat_ids.unchanged",
        "stat_ids.rejected",
    )
    def _compute_totals(self):
        for run in self:
            run.created_count = sum(run.stat_ids.mapped("created"))
            run.updated_count = sum(run.stat_ids.mapped("updated"))
            run.unchanged_count = sum(run.stat_ids.mapped("unchanged"))
            run.reject_count = sum(run.stat_ids.mapped("rejected"))

    # ------------------------------------------------------------------------------
    # creation
    # ------------------------------------------------------------------------------
    @api.model
    def _tc_create_for_folder(self, folder, batch_size=1000):
        """A run over ``<folder>/<entity>.csv`` (command line)."""
        folder = os.path.abspath(folder)
        if not os.path.isdir(folder):
            raise UserError(self.env._("%(folder)s is not a folder.", folder=folder))
        present = [
            e for e in ENTITIES if os.path.isfile(os.path.join(folder, FILE_NAMES[e]))
        ]
        if not present:
            raise UserError(
                self.env._(
                    "%(folder)s holds none of the import files (%(names)s).",
                    folder=folder,
                    names=", ".join(FILE_NAMES.values()),
                )
            )
        run = self.sudo().create(
            {
                "name": self.env._("Import of %(folder)s", folder=folder),
                "source": "folder",
                "folder": folder,
                "batch_size": batch_size,
            }
        )
        run._tc_init_stats()
        return run

    @api.model
    def _tc_create_for_uploads(self, files, batch_size=1000):
        """A run over uploaded files: ``files`` maps entity -> (file name, bytes).
        Runs are system records (no create right for people): the wizard checks
        the role, the run records who started it."""
        run = self.sudo().create(
            {
                "name": self.env._(
                    "Import of %(files)s",
                    files=", ".join(n for n, _d in files.values()),
                ),
                "source": "upload",
                "batch_size": batch_size,
                "user_id": self.env.uid,
            }
        )
        attachments = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": FILE_NAMES[entity],
                        "raw": data,
                        "res_model": self._name,
                        "res_id": run.id,
                        "mimetype": "text/csv",
                    }
                    for entity, (_name, data) in files.items()
                ]
            )
        )
        run.attachment_ids = attachments
        run._tc_init_stats()
        return run

    def _tc_init_stats(self):
        self.ensure_one()
        vals_list = LegacyImporter(self).stats_vals()
        self.env["tc.legacy.import.stat"].sudo().create(vals_list)
        self.sudo().bytes_total = sum(vals["size"] for vals in vals_list)

    # ------------------------------------------------------------------------------
    # running
    # ------------------------------------------------------------------------------
    def _tc_current_stat(self):
        """The file being worked on: the first one not done (empty at the end)."""
        self.ensure_one()
        return self.stat_ids.filtered(lambda s: s.state != "done")[:1]

    def _tc_step(self):
        """Process one batch; True while there is more to do. The caller commits
        (the command line after each batch, a queue job at its end)."""
        self.ensure_one()
        # the importer's own writes (imported cases' SLA lines, incidents) know
        # they are the import through this flag, never through a context key
        with legacy_importing():
            return LegacyImporter(self).step()

    def _tc_lock(self):
        """Row lock: a second delivery of the same job (queue_job is at least
        once) waits, then finds the batch done."""
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM tc_legacy_import_run WHERE id = %s "
                        "FOR UPDATE NOWAIT",
                        self.id,
                    )
                )
        except psycopg2.errors.LockNotAvailable:
            raise RetryableJobError(
                f"import run {self.id} is being worked on by another worker",
                seconds=10,
                ignore_retry=True,
            ) from None
        self.invalidate_recordset()

    def _tc_check_manager(self):
        if not self.env.user.has_group("tc_care.group_manager"):
            raise AccessError(self.env._("Only care managers run legacy imports."))

    def action_start(self):
        """Button (care managers): run the uploaded files as queue jobs, one
        batch per job (as the system: people have no write right on runs)."""
        self._tc_check_manager()
        for run in self:
            if run.source != "upload":
                raise UserError(
                    self.env._(
                        "Runs over a server folder are run from the command line "
                        "(see docs/import.md)."
                    )
                )
            if run.state == "done":
                raise UserError(self.env._("This run is finished."))
            run.sudo()._tc_enqueue()
        return True

    def _tc_enqueue(self):
        self.ensure_one()
        if self.state != "running":
            self.sudo().write({"state": "running", "last_error": False})
        self.with_delay(
            channel="root.tc_import",
            description=self.env._("Legacy import %(name)s", name=self.name),
        )._tc_job_step(self._tc_position())

    def _tc_position(self):
        """Where the run stands: the expected state of a job's first batch."""
        stat = self._tc_current_stat()
        return (
            f"{stat.entity}:{stat.phase}:{stat.offset}:{stat.deferred_round}"
            if stat
            else "end"
        )

    def _tc_job_step(self, position):
        """Queue job: one batch, then the next job. A job whose position is no
        longer the run's (a second delivery of an old job) does nothing."""
        self.ensure_one()
        self._tc_lock()
        if self.state != "running" or self._tc_position() != position:
            return "already done"
        try:
            more = self._tc_step()
        except RetryableJobError:
            raise
        except Exception as exc:
            _logger.exception("legacy import run %s failed", self.id)
            self.env.cr.rollback()
            self.sudo().write({"state": "failed", "last_error": str(exc)})
            return "failed"
        if more:
            self._tc_enqueue()
        return "more" if more else "done"

    def action_resume(self):
        """Button (care managers): continue a failed or stopped run from its last
        committed batch."""
        self._tc_check_manager()
        for run in self:
            if run.state not in ("failed", "running"):
                raise UserError(self.env._("Only a failed or stopped run can resume."))
        return self.action_start()

    # ------------------------------------------------------------------------------
    # report
    # ------------------------------------------------------------------------------
    def _tc_write_report(self):
        """The downloadable report of every rejected row (file, line, reason)."""
        self.ensure_one()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["file", "line", "legacy_id", "reason"])
        self.env.cr.execute(
            SQL(
                "SELECT file_name, line, legacy_id, reason FROM tc_legacy_import_reject "
                "WHERE run_id = %s ORDER BY sequence, line",
                self.id,
            )
        )
        for row in self.env.cr.fetchall():
            writer.writerow(row)
        self.sudo().write(
            {
                "report_file": base64.b64encode(buffer.getvalue().encode()),
                "report_filename": f"import-{self.id}-rejected.csv",
            }
        )

    def action_view_rejects(self):
        """Button (care managers)."""
        self._tc_check_manager()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.legacy.import.reject",
            "view_mode": "list",
            "domain": [("run_id", "=", self.id)],
            "name": self.env._("Rejected rows"),
        }


class TcLegacyImportStat(models.Model):
    """Counts and position of one file of a run."""

    _name = "tc.legacy.import.stat"
    _description = "Legacy import: one file of a run"
    _order = "run_id, sequence"

    run_id = fields.Many2one(
        "tc.legacy.import.run", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    entity = fields.Selection(ENTITY_SELECTION, required=True)
    file_name = fields.Char("File")
    fingerprint = fields.Char(help="Size and hash of the file's first 64 KiB.")
    size = fields.Integer("Bytes")
    state = fields.Selection(
        [("pending", "Pending"), ("running", "Running"), ("done", "Done")],
        default="pending",
        required=True,
    )
    # reading the file, then (tickets) resolving children read before their
    # parent, then (messages) deriving first response / last progress
    phase = fields.Selection(
        [("read", "Reading"), ("deferred", "Parents"), ("finish", "Finishing")],
        default="read",
        required=True,
    )
    offset = fields.Integer("Byte offset", help="Where the next batch starts.")
    next_line = fields.Integer(default=2)
    deferred_round = fields.Integer()
    rows = fields.Integer("Rows read")
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    rejected = fields.Integer()
    seconds = fields.Float("Time (s)", digits=(12, 3), help="Time spent on this file.")
    rows_per_second = fields.Float(
        "Rows/s", compute="_compute_progress", digits=(10, 0)
    )
    progress = fields.Float(compute="_compute_progress", digits=(5, 1))

    @api.depends("offset", "size", "state", "rows", "seconds")
    def _compute_progress(self):
        for stat in self:
            if stat.state == "done":
                stat.progress = 100.0
            else:
                stat.progress = 100.0 * stat.offset / stat.size if stat.size else 0.0
            stat.rows_per_second = stat.rows / stat.seconds if stat.seconds else 0.0


class TcLegacyImportReject(models.Model):
    """A row that was not imported, and why."""

    _name = "tc.legacy.import.reject"
    _description = "Legacy import: rejected row"
    _order = "run_id, sequence, line"
    _log_access = False

    run_id = fields.Many2one(
        "tc.legacy.import.run", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    entity = fields.Selection(ENTITY_SELECTION, required=True)
    file_name = fields.Char("File")
    line = fields.Integer()
    legacy_id = fields.Char("Legacy id")
    reason = fields.Char(required=True)


class TcLegacyImportSeen(models.Model):
    """Legacy ids a run has read, with their first line: finds a duplicate
    within a file with one query per batch, without keeping the ids in memory
    (and survives a resume). Emptied when the run ends."""

    _name = "tc.legacy.import.seen"
    _description = "Legacy import: ids read by a run"
    _log_access = False

    run_id = fields.Many2one("tc.legacy.import.run", required=True, ondelete="cascade")
    entity = fields.Char(required=True)
    legacy_id = fields.Char(required=True)
    line = fields.Integer(required=True)

    _sql_constraints = [
        ("uniq", "unique(run_id, entity, legacy_id)", "Seen once per run."),
    ]


class TcLegacyImportDeferred(models.Model):
    """A ticket row read before its parent: imported once the parent is, or
    rejected at the end of the file if it never comes."""

    _name = "tc.legacy.import.deferred"
    _description = "Legacy import: row waiting for its parent"
    _log_access = False

    run_id = fields.Many2one(
        "tc.legacy.import.run", required=True, ondelete="cascade", index=True
    )
    line = fields.Integer(required=True)
    legacy_id = fields.Char(required=True)
    parent_legacy_id = fields.Char(required=True)
    data = fields.Json(required=True)
