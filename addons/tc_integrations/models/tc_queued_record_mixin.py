# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError


class TcQueuedRecordMixin(models.AbstractModel):
    """What tc.event and tc.command share as records worked by queue jobs: their
    age, the row lock that makes a second delivery of the same job harmless
    (queue_job is at least once), and the cron that re-queues work whose job was
    lost (OCA/connector #148)."""

    _name = "tc.queued.record.mixin"
    _description = "Record processed by queue jobs"

    _tc_open_states = ()  # states in which a job still has work to do
    _tc_start_field = "create_date"  # when the work appeared

    age_hours = fields.Float("Age (h)", compute="_compute_age_hours")

    def _compute_age_hours(self):
        now = fields.Datetime.now()
        for rec in self:
            start = rec[self._tc_start_field] or now
            rec.age_hours = round((now - start).total_seconds() / 3600, 2)

    def _tc_lock(self):
        """Row lock: a second run of the same job waits for the first one's
        transaction (retried later) and then finds the work done."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id = %s FOR UPDATE NOWAIT",
                        SQL.identifier(self._table),
                        self.id,
                    )
                )
        except psycopg2.errors.LockNotAvailable:
            raise RetryableJobError(
                "%s %s is being worked on by another worker"
                % (self._description, self.display_name),
                seconds=10,
                ignore_retry=True,
            ) from None
        self.invalidate_recordset()

    def _tc_schedule(self, eta=None):
        raise NotImplementedError

    @api.model
    def _cron_requeue(self, limit=1000):
        """Safety net for jobs lost by the queue: re-enqueue open records whose
        next attempt is due. ``identity_key`` skips those that still have a pending
        job; the stored state makes a duplicate run harmless."""
        now = fields.Datetime.now()
        due = self.sudo().search(
            [
                ("state", "in", self._tc_open_states),
                "|",
                ("next_attempt_at", "<=", now - timedelta(minutes=5)),
                "&",
                ("next_attempt_at", "=", False),
                (self._tc_start_field, "<=", now - timedelta(minutes=5)),
            ],
            limit=limit,
        )
        due._tc_schedule()
        return len(due)
