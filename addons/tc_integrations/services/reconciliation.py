# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The nightly reconciliation's work: the data plane's mismatch report, page by page,
into one case per mismatch (or per customer), deduplicated by ``mismatch_id``.

``tc.reconciliation.run`` (models/tc_reconciliation_run.py) holds a run's fields,
its buttons and the scheduled action; :class:`Reconciliation` does one run's work:
it reads the pages from the stored cursor, compares them with the stored
mismatches, records the new ones (and the rows it could not read), opens their
cases, touches the repeated ones, and once the report is complete resolves what it
no longer carries and closes those cases (through tc_care's case API).

Each page is one unit of work (``tc_care/services/units.py``): its mismatches,
cases, counters and the cursor after it are committed together (a savepoint in
tests), so a run killed at any point resumes at the first page it had not
committed and creates nothing twice (the unique ``mismatch_id`` is the last
guard). Pages are streamed: one page in memory at a time, one search for the
known ids of a page, one batched create of its cases, one INSERT of its
mismatches and one of their timeline entries (``tc_care/services/bulk.py``).
"""

import logging
import time
from collections import defaultdict

from odoo import fields
from odoo.exceptions import UserError

from odoo.addons.tc_care.services.units import unit

from ..lib import masking
from ..lib.api_client import DataPlaneClient, PermanentError, TransientError
from .reconciliation_page import PageStore

_logger = logging.getLogger(__name__)

UNFINISHED = ("running", "failed")
MAX_ERROR_LINES = 500  # error lines kept per run (the counters count them all)
RESOLVE_CHUNK = 1000
LOCK_KEY = 7311  # pg advisory lock namespace of reconciliation runs


class Reconciliation(PageStore):
    """One run's work (``run``: a ``tc.reconciliation.run`` record, as the system)."""

    retry_delays = (2, 10, 30)  # seconds before re-reading a page that failed

    def __init__(self, run):
        run.ensure_one()
        self.run = run
        self.env = run.env

    def client(self):
        settings = self.env["tc.settings"]._get()
        if not settings.api_configured:
            raise UserError(self.env._("The data-plane API is not configured."))
        return DataPlaneClient(
            settings.api_base_url,
            settings.api_token,
            tenant_id=settings.tenant_id or None,
            timeout=60,
        )

    def execute(self):
        """Read the report from the stored cursor to the end, then resolve what
        it no longer carries. Returns the state."""
        if self.run.state not in UNFINISHED:
            return self.run.state
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_KEY, self.run.id))
        if not cr.fetchone()[0]:
            _logger.info(
                "reconciliation %s is already running elsewhere", self.run.name
            )
            return "busy"
        try:
            return self.execute_locked()
        finally:
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_KEY, self.run.id))

    def execute_locked(self):
        with unit(self.env.cr):
            self.run.write(
                {
                    "state": "running",
                    "attempts": self.run.attempts + 1,
                    "started_at": self.run.started_at or fields.Datetime.now(),
                    "last_error": False,
                }
            )
        _logger.info(
            "reconciliation %s: start at cursor %s [correlation_id=%s]",
            self.run.report_date,
            self.run.cursor or "-",
            self.run.correlation_id,
        )
        try:
            client = self.client()
        except (UserError, PermanentError) as exc:
            return self.stop(str(exc))
        limit = self.run._tc_page_size()
        try:
            if not self.run.pages_complete:
                stopped = self.read_pages(client, limit)
                if stopped:
                    return stopped
            if not self.run.resolution_done:
                self.resolve_missing()
        except Exception as exc:  # a bug or a database error: stop, resume later
            _logger.exception(
                "reconciliation %s stopped [correlation_id=%s]",
                self.run.report_date,
                self.run.correlation_id,
            )
            return self.stop("%s: %s" % (type(exc).__name__, exc))
        finally:
            client.close()
        with unit(self.env.cr):
            state = (
                "partial"
                if self.run.failed_count or self.run.page_error_count
                else "done"
            )
            self.run.write({"state": state, "finished_at": fields.Datetime.now()})
        _logger.info(
            "reconciliation %s %s: %d pages, %d new, %d repeated, %d resolved, "
            "%d failed rows, %d failed pages in %.1fs [correlation_id=%s]",
            self.run.report_date,
            state,
            self.run.pages,
            self.run.new_count,
            self.run.repeated_count,
            self.run.resolved_count,
            self.run.failed_count,
            self.run.page_error_count,
            self.run.duration,
            self.run.correlation_id,
        )
        return state

    def stop(self, error):
        error = masking.mask_text(error)[:250]
        with unit(self.env.cr):
            self.log_errors([{"kind": "run", "message": error}])
            self.run.write({"state": "failed", "last_error": error})
        _logger.info(
            "reconciliation %s stopped at cursor %s: %s [correlation_id=%s]",
            self.run.report_date,
            self.run.cursor or "-",
            error,
            self.run.correlation_id,
        )
        return "failed"

    def read_pages(self, client, limit):
        """Pages from the stored cursor; returns "failed" when it had to stop."""
        cursor = self.run.cursor or None
        retries = 0
        while True:
            started = time.monotonic()
            try:
                items, next_cursor, has_more = client.reconciliation_page(
                    self.run.report_date,
                    cursor=cursor,
                    limit=limit,
                    correlation_id=self.run.correlation_id,
                )
            except PermanentError as exc:
                if exc.skip_to or exc.last_page:
                    # the page is unreadable but says where the next one is: record
                    # it and go on (what it held cannot be resolved tonight)
                    with unit(self.env.cr):
                        self.log_errors(
                            [
                                {
                                    "kind": "page",
                                    "cursor": cursor or "",
                                    "message": self.env._("Page skipped: %s", str(exc))[
                                        :250
                                    ],
                                }
                            ]
                        )
                        self.run.write(
                            {
                                "page_error_count": self.run.page_error_count + 1,
                                "cursor": exc.skip_to or cursor,
                                "pages_complete": exc.last_page,
                                "duration": self.run.duration
                                + time.monotonic()
                                - started,
                            }
                        )
                    if exc.last_page:
                        return False
                    cursor, retries = exc.skip_to, 0
                    continue
                stop = self.page_failed(exc, cursor, retries)
            except TransientError as exc:
                stop = self.page_failed(exc, cursor, retries)
            else:
                stop = None
            if stop is not None:
                if stop:
                    return "failed"
                retries += 1
                continue
            retries = 0
            with unit(self.env.cr):
                counts = self.process_page(items, cursor)
                self.run.write(
                    dict(
                        {k: self.run[k] + v for k, v in counts.items()},
                        pages=self.run.pages + 1,
                        cursor=next_cursor,
                        pages_complete=not has_more,
                        duration=self.run.duration + time.monotonic() - started,
                    )
                )
            if not has_more:
                return False
            cursor = next_cursor

    def page_failed(self, exc, cursor, retries):
        """A page could not be read at all: re-read it a few times, then stop the
        run (it resumes from this cursor). True = stop, False = retry."""
        message = masking.mask_text(str(exc))[:250]
        if retries < len(self.retry_delays):
            _logger.info(
                "reconciliation %s: page at %s failed, retrying: %s",
                self.run.report_date,
                cursor or "-",
                message,
            )
            with unit(self.env.cr):
                self.log_errors(
                    [
                        {
                            "kind": "page",
                            "cursor": cursor or "",
                            "message": self.env._("Read again: %s", message)[:250],
                        }
                    ]
                )
            time.sleep(self.retry_delays[retries])
            return False
        self.stop(self.env._("Stopped at cursor %(c)s: %(e)s", c=cursor, e=message))
        return True

    def log_errors(self, errors):
        if not errors:
            return
        room = MAX_ERROR_LINES - self.env["tc.reconciliation.run.error"].search_count(
            [("run_id", "=", self.run.id)]
        )
        if room <= 0:
            return
        self.env["tc.reconciliation.run.error"].sudo().create(
            [dict(e, run_id=self.run.id) for e in errors[:room]]
        )

    # -- one page ----------------------------------------------------------------------
    def resolve_missing(self):
        """Mismatches open before tonight and missing from tonight's complete
        report: resolved upstream, their case closed with a note once none of its
        mismatches is open. Not done when pages were skipped: what a skipped page
        held is unknown. Chunked, each chunk one unit of work."""
        if self.run.page_error_count:
            with unit(self.env.cr):
                self.log_errors(
                    [
                        {
                            "kind": "run",
                            "message": self.env._(
                                "Nothing was marked resolved upstream: %d page(s) "
                                "could not be read, so what they held is unknown.",
                                self.run.page_error_count,
                            ),
                        }
                    ]
                )
                self.run.write({"resolution_done": True})
            return
        Mismatch = self.env["tc.reconciliation.mismatch"].sudo()
        domain = [
            ("state", "=", "open"),
            ("last_seen_date", "<", self.run.report_date),
            ("company_id", "=", self.run.company_id.id),
        ]
        while True:
            started = time.monotonic()
            with unit(self.env.cr):
                batch = Mismatch.search(domain, limit=RESOLVE_CHUNK, order="id")
                if not batch:
                    self.run.write({"resolution_done": True})
                    return
                batch.write(
                    {"state": "resolved_upstream", "resolved_at": fields.Datetime.now()}
                )
                tickets = batch.ticket_id
                still_open = Mismatch.search(
                    [("ticket_id", "in", tickets.ids), ("state", "=", "open")]
                ).ticket_id
                to_close = tickets.filtered(
                    lambda t, still_open=still_open: t not in still_open
                )
                bodies, timeline = {}, []
                by_ticket = defaultdict(list)
                for mismatch in batch.filtered("ticket_id"):
                    by_ticket[mismatch.ticket_id.id].append(mismatch)
                for ticket_id, members in by_ticket.items():
                    text = self.env._(
                        "Resolved upstream: %(ids)s no longer in the reconciliation "
                        "report of %(date)s.",
                        ids=", ".join(m.mismatch_id for m in members),
                        date=self.run.report_date,
                    )
                    bodies[ticket_id] = text
                    timeline.append(
                        self.timeline_vals(
                            ticket_id, members[0].id, text, progress=True
                        )
                    )
                to_close.with_context(mail_notrack=True)._tc_close_cases()
                if bodies:
                    tickets.filtered(lambda t, b=bodies: t.id in b)._message_log_batch(
                        bodies=bodies, author_id=self.env.ref("base.partner_root").id
                    )
                    self.env["tc.case.timeline"].sudo().create(timeline)
                self.run.write(
                    {
                        "resolved_count": self.run.resolved_count + len(batch),
                        "duration": self.run.duration + time.monotonic() - started,
                    }
                )
