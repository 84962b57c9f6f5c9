# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What a record worked by queue jobs is (tc.event, tc.command): its retry policy
(attempts, backoff), its row lock, its age and the cron that re-queues lost jobs."""

from datetime import timedelta

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.queue_job.exception import RetryableJobError

from ..lib.retry import backoff_seconds


class TcQueuedRecordMixin(models.AbstractModel):
    """What tc.event and tc.command share as records worked by queue jobs: their
    retry policy, their age, the row lock that makes a second delivery of the same
    job harmless (queue_job is at least once), and the cron that re-queues work
    whose job was lost (OCA/connector #148).

    A model using it has ``state`` (with a ``retry`` state), ``attempts``,
    ``last_error`` and ``next_attempt_at``, and implements ``_tc_schedule`` and
    ``_tc_exhausted``."""

    _name = "tc.queued.record.mixin"
    _description = "Record processed by queue jobs"

    _tc_open_states = ()  # states in which a job still has work to do
    _tc_start_field = "create_date"  # when the work appeared
    # retry policy: failed attempts before the record gives up, and the wait
    # between them (lib/retry.py: base * 2**(n-1) seconds up to cap, plus jitter)
    _tc_max_attempts = 5
    _tc_backoff = (30, 3600)  # (base, cap) in seconds

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

    # -- retry policy ------------------------------------------------------------------
    def _tc_next_attempt_at(self, attempts, retry_after=None):
        """When the next attempt is due after ``attempts`` failed ones (never
        sooner than the peer's ``Retry-After``)."""
        base, cap = self._tc_backoff
        delay = backoff_seconds(attempts, base=base, cap=cap, retry_after=retry_after)
        return fields.Datetime.now() + timedelta(seconds=delay)

    def _tc_attempt_failed(self, error, retry_after=None, **vals):
        """One more failed attempt (``error``: masked text): the next one is queued
        after the backoff until ``_tc_max_attempts`` have failed, then the model's
        ``_tc_exhausted`` decides. ``vals``: more fields to write either way."""
        self.ensure_one()
        attempts = self.attempts + 1
        if attempts >= self._tc_max_attempts:
            return self._tc_exhausted(error, attempts, **vals)
        eta = self._tc_next_attempt_at(attempts, retry_after)
        self.write(
            dict(
                vals,
                state="retry",
                attempts=attempts,
                last_error=error,
                next_attempt_at=eta,
            )
        )
        self._tc_schedule(eta=eta)
        return "retry"

    def _tc_exhausted(self, error, attempts, **vals):
        """The last attempt failed: leave the record for a person."""
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
