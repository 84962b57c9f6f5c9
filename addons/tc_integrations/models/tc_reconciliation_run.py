# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Nightly reconciliation: the data plane's mismatch report, page by page, into
one case per mismatch (or per customer), deduplicated by ``mismatch_id``.

A run is one report date. Each page is one unit of work: its mismatches, cases,
counters and the cursor after it are committed together (a savepoint in tests),
so a run killed at any point resumes at the first page it had not committed and
creates nothing twice (the unique ``mismatch_id`` is the last guard). Pages are
streamed: one page in memory at a time, one search for the known ids of a page,
one batched create of its cases.
"""

import contextlib
import logging
import threading
import time
import uuid
from collections import defaultdict
from datetime import timedelta

import pytz
from markupsafe import Markup
from psycopg2.extras import execute_values

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import masking
from ..lib.api_client import DataPlaneClient, PermanentError, TransientError
from ..lib.reconciliation import BadMismatch, parse_mismatch
from .tc_reconciliation_mismatch import MISMATCH_TYPES

_logger = logging.getLogger(__name__)

RUN_STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Done with errors"),
    ("failed", "Stopped (resumes)"),
]
UNFINISHED = ("running", "failed")
MAX_AUTO_ATTEMPTS = 5  # automatic resumes of a stopped run before a person acts
MAX_ERROR_LINES = 500  # error lines kept per run (the counters count them all)
RESOLVE_CHUNK = 1000
LOCK_KEY = 7311  # pg advisory lock namespace of reconciliation runs
PARAM = "tc_integrations.reconciliation_"
REF_TO_TICKET = (
    ("invoice_ref", "tc_invoice_ref"),
    ("payment_ref", "tc_payment_ref"),
    ("order_ref", "tc_order_ref"),
    ("subscription_ref", "tc_subscription_ref"),
    ("provisioning_job_ref", "tc_provisioning_job_ref"),
)


class TcReconciliationRunError(models.Model):
    _name = "tc.reconciliation.run.error"
    _description = "Reconciliation run error"
    _order = "id"

    run_id = fields.Many2one(
        "tc.reconciliation.run", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [("page", "Page"), ("row", "Row"), ("run", "Run")], required=True
    )
    cursor = fields.Char("Page cursor", help="The cursor the page was read with.")
    mismatch_id = fields.Char("Mismatch id")
    message = fields.Char(required=True)


class TcReconciliationRun(models.Model):
    _name = "tc.reconciliation.run"
    _description = "Nightly reconciliation run"
    _order = "report_date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    report_date = fields.Date("Report date", required=True, readonly=True, index=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    state = fields.Selection(
        RUN_STATES, default="running", required=True, readonly=True, index=True
    )
    correlation_id = fields.Char(
        readonly=True, default=lambda self: uuid.uuid4().hex, copy=False
    )
    cursor = fields.Char(readonly=True, help="Cursor after the last committed page.")
    pages = fields.Integer(readonly=True)
    new_count = fields.Integer("New", readonly=True)
    repeated_count = fields.Integer("Repeated", readonly=True)
    resolved_count = fields.Integer("Resolved upstream", readonly=True)
    failed_count = fields.Integer(
        "Failed rows", readonly=True, help="Rows of the report that could not be read."
    )
    page_error_count = fields.Integer(
        "Failed pages", readonly=True, help="Pages of the report that were skipped."
    )
    cases_created = fields.Integer("Cases opened", readonly=True)
    attempts = fields.Integer(readonly=True, help="Starts and resumes.")
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)
    duration = fields.Float(
        "Duration (s)", readonly=True, help="Working time over all attempts."
    )
    pages_complete = fields.Boolean(
        readonly=True, help="Every page of the report was read."
    )
    resolution_done = fields.Boolean(readonly=True)
    last_error = fields.Char(readonly=True)
    error_ids = fields.One2many("tc.reconciliation.run.error", "run_id", "Errors")
    error_count = fields.Integer(compute="_compute_error_count")

    _sql_constraints = [
        (
            "date_company_uniq",
            "unique(report_date, company_id)",
            "There is one reconciliation run per night.",
        ),
    ]

    @api.depends("report_date")
    def _compute_name(self):
        for run in self:
            run.name = self.env._("Reconciliation %s", run.report_date or "")

    def _compute_error_count(self):
        counts = dict(
            self.env["tc.reconciliation.run.error"]._read_group(
                [("run_id", "in", self.ids)], ["run_id"], ["__count"]
            )
        )
        for run in self:
            run.error_count = counts.get(run, 0)

    # -- settings ---------------------------------------------------------------------
    @api.model
    def _tc_param(self, key, default):
        return self.env["ir.config_parameter"].sudo().get_param(PARAM + key, default)

    @api.model
    def _tc_page_size(self):
        try:
            return min(1000, max(1, int(self._tc_param("page_size", "500"))))
        except ValueError:
            return 500

    @api.model
    def _tc_group_by_customer(self):
        return self._tc_param("group_by_customer", "False") in ("True", "1", "true")

    @api.model
    def _tc_due_date(self, now=None):
        """The latest report date whose run is due: yesterday in the company's
        time zone once the configured local hour has passed, else the day before."""
        try:
            hour = min(23, max(0, int(self._tc_param("hour", "2"))))
        except ValueError:
            hour = 2
        tz_name = self.env.company.partner_id.tz or self.env.user.tz or "UTC"
        try:
            tz = pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        now = now or fields.Datetime.now()
        local = pytz.utc.localize(now).astimezone(tz)
        days = 1 if local.hour >= hour else 2
        return local.date() - timedelta(days=days)

    # -- entry points ------------------------------------------------------------------
    @api.model
    def _cron_reconcile(self):
        """Hourly: make sure the night that is due has a run, then run or resume
        every unfinished run (oldest first). Nothing to do most hours."""
        settings = self.env["tc.settings"]._get()
        if not settings.api_configured:
            _logger.info("reconciliation skipped: data-plane API not configured")
            return 0
        Run = self.sudo()
        due = self._tc_due_date()
        if not Run.search_count(
            [("report_date", "=", due), ("company_id", "=", self.env.company.id)]
        ):
            Run.create({"report_date": due})
            if self._tc_auto_commit():
                self.env.cr.commit()  # pylint: disable=invalid-commit
        runs = Run.search(
            [
                ("state", "in", UNFINISHED),
                ("attempts", "<", MAX_AUTO_ATTEMPTS),
                ("company_id", "=", self.env.company.id),
            ],
            order="report_date, id",
        )
        for run in runs:
            run._tc_execute()
        return len(runs)

    @api.model
    def _tc_reconcile(self, report_date):
        """Run (or resume) the night of ``report_date``; returns the run."""
        report_date = fields.Date.to_date(report_date)
        Run = self.sudo()
        run = Run.search(
            [
                ("report_date", "=", report_date),
                ("company_id", "=", self.env.company.id),
            ]
        )
        if not run:
            run = Run.create({"report_date": report_date})
        run._tc_execute()
        return run

    def action_resume(self):
        """A person resumes stopped runs: the scheduler picks them up at once."""
        if not self.env.user.has_group("tc_care.group_manager"):
            raise AccessError(self.env._("Only managers resume reconciliation runs."))
        runs = self.filtered(lambda r: r.state in UNFINISHED)
        if not runs:
            raise UserError(self.env._("Only stopped runs can be resumed."))
        runs.sudo().write({"attempts": 0})
        self.env.ref("tc_integrations.ir_cron_reconcile")._trigger()
        return True

    # -- the run -----------------------------------------------------------------------
    @staticmethod
    def _tc_auto_commit():
        return not getattr(threading.current_thread(), "testing", False)

    @contextlib.contextmanager
    def _tc_unit(self):
        """One unit of work: committed (savepoint in tests) or not at all."""
        if self._tc_auto_commit():
            try:
                yield
                self.env.cr.commit()  # pylint: disable=invalid-commit
            except BaseException:
                self.env.cr.rollback()
                raise
        else:
            with self.env.cr.savepoint():
                yield

    _tc_retry_delays = (2, 10, 30)  # seconds before re-reading a page that failed

    def _tc_client(self):
        settings = self.env["tc.settings"]._get()
        if not settings.api_configured:
            raise UserError(self.env._("The data-plane API is not configured."))
        return DataPlaneClient(
            settings.api_base_url,
            settings.api_token,
            tenant_id=settings.tenant_id or None,
            timeout=60,
        )

    def _tc_execute(self):
        """Read the report from the stored cursor to the end, then resolve what
        it no longer carries. Returns the state."""
        self.ensure_one()
        if self.state not in UNFINISHED:
            return self.state
        cr = self.env.cr
        cr.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_KEY, self.id))
        if not cr.fetchone()[0]:
            _logger.info("reconciliation %s is already running elsewhere", self.name)
            return "busy"
        try:
            return self._tc_execute_locked()
        finally:
            cr.execute("SELECT pg_advisory_unlock(%s, %s)", (LOCK_KEY, self.id))

    def _tc_execute_locked(self):
        with self._tc_unit():
            self.write(
                {
                    "state": "running",
                    "attempts": self.attempts + 1,
                    "started_at": self.started_at or fields.Datetime.now(),
                    "last_error": False,
                }
            )
        _logger.info(
            "reconciliation %s: start at cursor %s [correlation_id=%s]",
            self.report_date,
            self.cursor or "-",
            self.correlation_id,
        )
        try:
            client = self._tc_client()
        except (UserError, PermanentError) as exc:
            return self._tc_stop(str(exc))
        limit = self._tc_page_size()
        try:
            if not self.pages_complete:
                stopped = self._tc_read_pages(client, limit)
                if stopped:
                    return stopped
            if not self.resolution_done:
                self._tc_resolve_missing()
        except Exception as exc:  # a bug or a database error: stop, resume later
            _logger.exception(
                "reconciliation %s stopped [correlation_id=%s]",
                self.report_date,
                self.correlation_id,
            )
            return self._tc_stop("%s: %s" % (type(exc).__name__, exc))
        finally:
            client.close()
        with self._tc_unit():
            state = "partial" if self.failed_count or self.page_error_count else "done"
            self.write({"state": state, "finished_at": fields.Datetime.now()})
        _logger.info(
            "reconciliation %s %s: %d pages, %d new, %d repeated, %d resolved, "
            "%d failed rows, %d failed pages in %.1fs [correlation_id=%s]",
            self.report_date,
            state,
            self.pages,
            self.new_count,
            self.repeated_count,
            self.resolved_count,
            self.failed_count,
            self.page_error_count,
            self.duration,
            self.correlation_id,
        )
        return state

    def _tc_stop(self, error):
        error = masking.mask_text(error)[:250]
        with self._tc_unit():
            self._tc_log_errors([{"kind": "run", "message": error}])
            self.write({"state": "failed", "last_error": error})
        _logger.info(
            "reconciliation %s stopped at cursor %s: %s [correlation_id=%s]",
            self.report_date,
            self.cursor or "-",
            error,
            self.correlation_id,
        )
        return "failed"

    def _tc_read_pages(self, client, limit):
        """Pages from the stored cursor; returns "failed" when it had to stop."""
        cursor = self.cursor or None
        retries = 0
        while True:
            started = time.monotonic()
            try:
                items, next_cursor, has_more = client.reconciliation_page(
                    self.report_date,
                    cursor=cursor,
                    limit=limit,
                    correlation_id=self.correlation_id,
                )
            except PermanentError as exc:
                if exc.skip_to or exc.last_page:
                    # the page is unreadable but says where the next one is: record
                    # it and go on (what it held cannot be resolved tonight)
                    with self._tc_unit():
                        self._tc_log_errors(
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
                        self.write(
                            {
                                "page_error_count": self.page_error_count + 1,
                                "cursor": exc.skip_to or cursor,
                                "pages_complete": exc.last_page,
                                "duration": self.duration + time.monotonic() - started,
                            }
                        )
                    if exc.last_page:
                        return False
                    cursor, retries = exc.skip_to, 0
                    continue
                stop = self._tc_page_failed(exc, cursor, retries)
            except TransientError as exc:
                stop = self._tc_page_failed(exc, cursor, retries)
            else:
                stop = None
            if stop is not None:
                if stop:
                    return "failed"
                retries += 1
                continue
            retries = 0
            with self._tc_unit():
                counts = self._tc_process_page(items, cursor)
                self.write(
                    dict(
                        {k: self[k] + v for k, v in counts.items()},
                        pages=self.pages + 1,
                        cursor=next_cursor,
                        pages_complete=not has_more,
                        duration=self.duration + time.monotonic() - started,
                    )
                )
            if not has_more:
                return False
            cursor = next_cursor

    def _tc_page_failed(self, exc, cursor, retries):
        """A page could not be read at all: re-read it a few times, then stop the
        run (it resumes from this cursor). True = stop, False = retry."""
        message = masking.mask_text(str(exc))[:250]
        if retries < len(self._tc_retry_delays):
            _logger.info(
                "reconciliation %s: page at %s failed, retrying: %s",
                self.report_date,
                cursor or "-",
                message,
            )
            with self._tc_unit():
                self._tc_log_errors(
                    [
                        {
                            "kind": "page",
                            "cursor": cursor or "",
                            "message": self.env._("Read again: %s", message)[:250],
                        }
                    ]
                )
            time.sleep(self._tc_retry_delays[retries])
            return False
        self._tc_stop(self.env._("Stopped at cursor %(c)s: %(e)s", c=cursor, e=message))
        return True

    def _tc_log_errors(self, errors):
        if not errors:
            return
        room = MAX_ERROR_LINES - self.env["tc.reconciliation.run.error"].search_count(
            [("run_id", "=", self.id)]
        )
        if room <= 0:
            return
        self.env["tc.reconciliation.run.error"].sudo().create(
            [dict(e, run_id=self.id) for e in errors[:room]]
        )

    # -- one page ----------------------------------------------------------------------
    def _tc_process_page(self, items, cursor):
        """Store one page: returns the counters to add. Batched: one search for
        the page's known ids, one UPDATE for the repeated ones, one create of the
        new cases and one of the new mismatches."""
        Mismatch = self.env["tc.reconciliation.mismatch"].sudo()
        parsed, errors, seen_ids = {}, [], set()
        for row in items:
            try:
                values = parse_mismatch(row)
            except BadMismatch as exc:
                errors.append(
                    {
                        "kind": "row",
                        "cursor": cursor or "",
                        "mismatch_id": exc.mismatch_id,
                        "message": masking.mask_text(str(exc))[:250],
                    }
                )
                if exc.mismatch_id:
                    seen_ids.add(exc.mismatch_id)  # present, even if unreadable
                continue
            parsed.setdefault(values["mismatch_id"], values)
        currencies = self._tc_currencies(parsed.values())
        for mismatch_id, values in list(parsed.items()):
            unknown = [
                code
                for code in (values["expected_currency"], values["actual_currency"])
                if code and code not in currencies
            ]
            if unknown:
                errors.append(
                    {
                        "kind": "row",
                        "cursor": cursor or "",
                        "mismatch_id": mismatch_id,
                        "message": self.env._("Unknown currency %s", unknown[0]),
                    }
                )
                seen_ids.add(mismatch_id)
                del parsed[mismatch_id]
        ids = list(parsed) + list(seen_ids - set(parsed))
        existing = {
            m.mismatch_id: m for m in Mismatch.search([("mismatch_id", "in", ids)])
        }
        counts = {"new_count": 0, "repeated_count": 0, "failed_count": len(errors)}
        # already counted by this run (the same id on two pages): not again
        fresh = {
            mid
            for mid, m in existing.items()
            if not (m.last_run_id == self and m.last_seen_date == self.report_date)
        }
        counts["repeated_count"] = sum(
            1 for mid in parsed if mid in fresh and existing[mid].state == "open"
        )
        reopened = [
            existing[mid]
            for mid in parsed
            if mid in existing and existing[mid].state == "resolved_upstream"
        ]
        self._tc_touch_seen(
            [existing[mid] for mid in ids if mid in existing],
            {mid: v for mid, v in parsed.items() if mid in existing},
            currencies,
        )
        if reopened:
            self._tc_reopen(Mismatch.browse([m.id for m in reopened]))
        new = [v for mid, v in parsed.items() if mid not in existing]
        counts["new_count"] = len(new) + len(reopened)
        counts["cases_created"] = self._tc_create_new(new, currencies) if new else 0
        self._tc_log_errors(errors)
        return counts

    def _tc_currencies(self, values_list):
        codes = {
            code
            for values in values_list
            for code in (values["expected_currency"], values["actual_currency"])
            if code
        }
        if not codes:
            return {}
        found = (
            self.env["res.currency"]
            .sudo()
            .with_context(active_test=False)
            .search([("name", "in", list(codes))])
        )
        return {c.name: c.id for c in found}

    def _tc_touch_seen(self, mismatches, parsed, currencies):
        """One UPDATE: last seen tonight by this run; amounts as reported now."""
        if not mismatches:
            return
        Mismatch = self.env["tc.reconciliation.mismatch"]
        Mismatch.flush_model()
        rows = []
        for mismatch in mismatches:
            values = parsed.get(mismatch.mismatch_id) or {}
            rows.append(
                (
                    mismatch.id,
                    bool(values),
                    values.get("expected_amount"),
                    currencies.get(values.get("expected_currency")),
                    values.get("actual_amount"),
                    currencies.get(values.get("actual_currency")),
                    values.get("detail"),
                )
            )
        cr = self.env.cr
        query = cr.mogrify(
            """
            UPDATE tc_reconciliation_mismatch m
               SET last_seen_date = GREATEST(m.last_seen_date, %s::date),
                   last_run_id = %s,
                   expected_amount = CASE WHEN v.ok THEN v.ea
                                          ELSE m.expected_amount END,
                   expected_currency_id = CASE WHEN v.ok THEN v.ec
                                               ELSE m.expected_currency_id END,
                   actual_amount = CASE WHEN v.ok THEN v.aa ELSE m.actual_amount END,
                   actual_currency_id = CASE WHEN v.ok THEN v.ac
                                             ELSE m.actual_currency_id END,
                   detail = CASE WHEN v.ok THEN v.detail ELSE m.detail END,
                   write_date = now() at time zone 'UTC',
                   write_uid = %s
              FROM (VALUES %%s) AS v(id, ok, ea, ec, aa, ac, detail)
             WHERE m.id = v.id
            """,
            (self.report_date, self.id, self.env.uid),
        ).decode()
        execute_values(
            cr._obj,
            query,
            rows,
            template="(%s, %s, %s::numeric, %s::int, %s::numeric, %s::int, %s::varchar)",
        )
        Mismatch.invalidate_model()

    def _tc_open_stage(self):
        return (
            self.env["helpdesk.ticket.stage"]
            .sudo()
            .search([("closed", "=", False)], order="sequence", limit=1)
        )

    def _tc_reopen(self, mismatches):
        """Mismatches resolved upstream that the report carries again: open again,
        on their case (reopened when it was closed), never a second case."""
        mismatches.write({"state": "open", "resolved_at": False})
        tickets = mismatches.ticket_id
        closed = tickets.filtered(lambda t: t.stage_id.closed)
        if closed:
            closed.write({"stage_id": self._tc_open_stage().id})
        timeline = []
        for mismatch in mismatches.filtered("ticket_id"):
            timeline.append(
                self._tc_timeline_vals(
                    mismatch.ticket_id.id,
                    mismatch.id,
                    self.env._(
                        "Reconciliation %(date)s: mismatch %(id)s is reported again",
                        date=self.report_date,
                        id=mismatch.mismatch_id,
                    ),
                    progress=True,
                )
            )
        if timeline:
            self.env["tc.case.timeline"].sudo().create(timeline)

    def _tc_timeline_vals(self, ticket_id, mismatch_id, text, progress=False):
        return {
            "ticket_id": ticket_id,
            "kind": "note",
            "name": text[:250],
            "progress": progress,
            "res_model": "tc.reconciliation.mismatch",
            "res_id": mismatch_id,
            "correlation_id": self.correlation_id,
        }

    def _tc_describe(self, values):
        """One mismatch as an HTML list item (escaped)."""
        labels = dict(MISMATCH_TYPES)
        parts = [
            "%s: %s" % (label, values[key])
            for key, label in (
                ("customer_ref", self.env._("customer")),
                ("order_ref", self.env._("order")),
                ("subscription_ref", self.env._("subscription")),
                ("invoice_ref", self.env._("invoice")),
                ("payment_ref", self.env._("payment")),
                ("provisioning_job_ref", self.env._("provisioning job")),
            )
            if values.get(key)
        ]
        for key in ("expected", "actual"):
            if values.get(key + "_amount") is not None:
                parts.append(
                    "%s %s %s"
                    % (key, values[key + "_amount"], values[key + "_currency"])
                )
        if values.get("detail"):
            parts.append(values["detail"])
        return Markup("<li><b>%s</b> %s: %s</li>") % (
            values["mismatch_id"],
            labels.get(values["type"], values["type_code"]),
            "; ".join(parts),
        )

    def _tc_create_new(self, new, currencies):
        """Cases and mismatches for the page's new ids; returns cases opened."""
        Ticket = (
            self.env["helpdesk.ticket"]
            .sudo()
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
                mail_notrack=True,
            )
        )
        Mismatch = self.env["tc.reconciliation.mismatch"].sudo()
        kind = self.env["tc.event.handler"]._kind("reconciliation_mismatch")
        labels = dict(MISMATCH_TYPES)
        customer_refs = {v["customer_ref"] for v in new if v["customer_ref"]}
        partners = {}
        if customer_refs:
            for partner in (
                self.env["res.partner"]
                .sudo()
                .search([("ref", "in", list(customer_refs))])
            ):
                partners.setdefault(partner.ref, partner.id)
        # which mismatches share a case
        groups = defaultdict(list)
        if self._tc_group_by_customer():
            for values in new:
                groups[values["customer_ref"] or "#" + values["mismatch_id"]].append(
                    values
                )
            joined = {}
            with_customer = [k for k in groups if not k.startswith("#")]
            if with_customer:
                for mismatch in Mismatch.search(
                    [
                        ("customer_ref", "in", with_customer),
                        ("state", "=", "open"),
                        ("ticket_id.tc_is_open", "=", True),
                    ],
                    order="id",
                ):
                    joined.setdefault(mismatch.customer_ref, mismatch.ticket_id.id)
        else:
            for values in new:
                groups["#" + values["mismatch_id"]].append(values)
            joined = {}
        ticket_vals, keys = [], []
        for key, members in groups.items():
            if key in joined:
                continue
            first = members[0]
            if len(members) == 1 and key.startswith("#"):
                main = next(
                    (first[f] for f, _t in REF_TO_TICKET if first[f]),
                    first["customer_ref"],
                )
                name = "%s: %s" % (labels[first["type"]], main)
            else:
                name = self.env._(
                    "Reconciliation mismatches of customer %s", first["customer_ref"]
                )
            vals = {
                "name": name[:250],
                "description": Markup("<p>%s</p><ul>%s</ul>")
                % (
                    self.env._(
                        "Reported by the nightly reconciliation of %s.",
                        self.report_date,
                    ),
                    Markup("").join(self._tc_describe(v) for v in members),
                ),
                "type_id": kind.id,
                "partner_id": partners.get(first["customer_ref"]) or False,
                "tc_correlation_id": self.correlation_id,
                "company_id": self.company_id.id,
            }
            for source, target in REF_TO_TICKET:
                vals[target] = first[source] or False
            ticket_vals.append(vals)
            keys.append(key)
        if ticket_vals:
            self._tc_prefill_cases(ticket_vals, kind)
        tickets = Ticket.create(ticket_vals) if ticket_vals else Ticket
        case_of = dict(joined)
        case_of.update(zip(keys, tickets.ids, strict=True))
        # the new mismatches and their timeline entries: one INSERT each (no
        # computed fields, no defaults beyond these; ORM creates cost a third of
        # the run at 20,000 mismatches, see bench/RESULTS.md)
        rows = [
            (
                values["mismatch_id"],
                values["type"],
                values["type_code"],
                values["customer_ref"],
                partners.get(values["customer_ref"]),
                values["order_ref"],
                values["subscription_ref"],
                values["invoice_ref"],
                values["payment_ref"],
                values["provisioning_job_ref"],
                values["expected_amount"] or 0,
                currencies.get(values["expected_currency"]),
                values["actual_amount"] or 0,
                currencies.get(values["actual_currency"]),
                values["detail"],
                values["detected_at"],
                case_of[key],
            )
            for key, members in groups.items()
            for values in members
        ]
        self.env["helpdesk.ticket"].flush_model()
        inserted = self._tc_insert_mismatches(rows)
        progressed = set(joined.values())
        self._tc_insert_timeline(
            [
                (
                    ticket_id,
                    self.env._(
                        "Reconciliation %(date)s: mismatch %(id)s (%(type)s) reported",
                        date=self.report_date,
                        id=mismatch_id,
                        type=labels[mismatch_type],
                    )[:250],
                    ticket_id in progressed,
                    mismatch_pk,
                )
                for mismatch_pk, mismatch_id, mismatch_type, ticket_id in inserted
            ]
        )
        if progressed:
            self.env["helpdesk.ticket"].browse(progressed)._tc_mark_progress()
        return len(tickets)

    def _tc_insert_mismatches(self, rows):
        """``rows`` as built by ``_tc_create_new``; returns (id, mismatch_id, type,
        ticket_id) of each inserted row."""
        cr = self.env.cr
        query = cr.mogrify(
            """
            INSERT INTO tc_reconciliation_mismatch (
                mismatch_id, mismatch_type, type_code, customer_ref, partner_id,
                order_ref, subscription_ref, invoice_ref, payment_ref,
                provisioning_job_ref, expected_amount, expected_currency_id,
                actual_amount, actual_currency_id, detail, detected_at, ticket_id,
                state, company_id, first_seen_date, last_seen_date, first_run_id,
                last_run_id, create_uid, write_uid, create_date, write_date)
            SELECT v.*, 'open', %s, %s::date, %s::date, %s, %s, %s, %s,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM (VALUES %%s) AS v
            RETURNING id, mismatch_id, mismatch_type, ticket_id
            """,
            (
                self.company_id.id,
                self.report_date,
                self.report_date,
                self.id,
                self.id,
                self.env.uid,
                self.env.uid,
            ),
        ).decode()
        inserted = execute_values(
            cr._obj,
            query,
            rows,
            template="(%s, %s, %s, %s, %s::int, %s, %s, %s, %s, %s, %s::numeric, "
            "%s::int, %s::numeric, %s::int, %s, %s::timestamp, %s::int)",
            fetch=True,
            page_size=len(rows) or 1,
        )
        self.env["tc.reconciliation.mismatch"].invalidate_model()
        self.env["helpdesk.ticket"].invalidate_model(["tc_mismatch_ids"])
        return inserted

    def _tc_insert_timeline(self, rows):
        """Timeline entries (ticket_id, text, progress, mismatch id) in one INSERT;
        the caller marks progress on the cases concerned."""
        if not rows:
            return
        cr = self.env.cr
        query = cr.mogrify(
            """
            INSERT INTO tc_case_timeline (
                ticket_id, name, progress, res_id, date, kind, user_id, res_model,
                correlation_id, create_uid, write_uid, create_date, write_date)
            SELECT v.*, now() at time zone 'UTC', 'note', %s,
                   'tc.reconciliation.mismatch', %s, %s, %s,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM (VALUES %%s) AS v
            """,
            (
                self.env.uid,
                self.correlation_id,
                self.env.uid,
                self.env.uid,
            ),
        ).decode()
        execute_values(
            cr._obj,
            query,
            rows,
            template="(%s::int, %s, %s::bool, %s::int)",
            page_size=len(rows),
        )
        self.env["tc.case.timeline"].invalidate_model()
        self.env["helpdesk.ticket"].invalidate_model(["tc_timeline_ids"])

    def _tc_prefill_cases(self, vals_list, kind):
        """What helpdesk_mgmt computes per ticket, once per page: the first stage
        of the kind's team, and the case numbers reserved in one ``nextval`` query
        (a standard sequence without date ranges; otherwise helpdesk_mgmt numbers
        each case itself). Same values, a fraction of the queries (bench)."""
        team = kind.tc_default_team_id
        stage = team._get_applicable_stages()[:1]
        for vals in vals_list:
            if team:
                vals["team_id"] = team.id
            if stage:
                vals["stage_id"] = stage.id
        seq = (
            self.env["ir.sequence"]
            .sudo()
            .with_company(self.company_id)
            .search(
                [
                    ("code", "=", "helpdesk.ticket.sequence"),
                    ("company_id", "in", [self.company_id.id, False]),
                ],
                order="company_id",
                limit=1,
            )
        )
        if not seq or seq.implementation != "standard" or seq.use_date_range:
            return
        prefix, suffix = seq._get_prefix_suffix()
        self.env.cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            ("ir_sequence_%03d" % seq.id, len(vals_list)),
        )
        for vals, (number,) in zip(vals_list, self.env.cr.fetchall(), strict=True):
            vals["number"] = prefix + "%%0%sd" % seq.padding % number + suffix

    # -- what the report no longer carries ------------------------------------------
    def _tc_resolve_missing(self):
        """Mismatches open before tonight and missing from tonight's complete
        report: resolved upstream, their case closed with a note once none of its
        mismatches is open. Not done when pages were skipped: what a skipped page
        held is unknown. Chunked, each chunk one unit of work."""
        if self.page_error_count:
            with self._tc_unit():
                self._tc_log_errors(
                    [
                        {
                            "kind": "run",
                            "message": self.env._(
                                "Nothing was marked resolved upstream: %d page(s) "
                                "could not be read, so what they held is unknown.",
                                self.page_error_count,
                            ),
                        }
                    ]
                )
                self.write({"resolution_done": True})
            return
        Mismatch = self.env["tc.reconciliation.mismatch"].sudo()
        handler = self.env["tc.event.handler"]
        domain = [
            ("state", "=", "open"),
            ("last_seen_date", "<", self.report_date),
            ("company_id", "=", self.company_id.id),
        ]
        while True:
            started = time.monotonic()
            with self._tc_unit():
                batch = Mismatch.search(domain, limit=RESOLVE_CHUNK, order="id")
                if not batch:
                    self.write({"resolution_done": True})
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
                        date=self.report_date,
                    )
                    bodies[ticket_id] = text
                    timeline.append(
                        self._tc_timeline_vals(
                            ticket_id, members[0].id, text, progress=True
                        )
                    )
                handler._close(to_close.with_context(mail_notrack=True))
                if bodies:
                    tickets.filtered(lambda t, b=bodies: t.id in b)._message_log_batch(
                        bodies=bodies, author_id=self.env.ref("base.partner_root").id
                    )
                    self.env["tc.case.timeline"].sudo().create(timeline)
                self.write(
                    {
                        "resolved_count": self.resolved_count + len(batch),
                        "duration": self.duration + time.monotonic() - started,
                    }
                )
