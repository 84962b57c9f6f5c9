# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Nightly reconciliation runs: one per report date, its counters, errors and
cursor, the "Resume" button and the scheduled action that starts and resumes runs.

The work of a run (reading the data plane's mismatch report page by page, one case
per mismatch or per customer, resolving what the report no longer carries) is the
service ``services/reconciliation.py``; a run is its record of progress: each page
commits its mismatches, cases, counters and the cursor after it together, so a run
killed at any point resumes at the first page it had not committed.
"""

import logging
import uuid
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from odoo.addons.tc_care.services.units import unit

from ..services.reconciliation import UNFINISHED, Reconciliation

_logger = logging.getLogger(__name__)

RUN_STATES = [
    ("running", "Running"),
    ("done", "Done"),
    ("partial", "Done with errors"),
    ("failed", "Stopped (resumes)"),
]
MAX_AUTO_ATTEMPTS = 5  # automatic resumes of a stopped run before a person acts
PARAM = "tc_integrations.reconciliation_"


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
            with unit(self.env.cr):  # the run exists even if its first page fails
                Run.create({"report_date": due})
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
    def _tc_execute(self):
        """Read the report from the stored cursor to the end, then resolve what it
        no longer carries (services/reconciliation.py). Returns the state ("busy"
        when another process holds the run)."""
        return Reconciliation(self).execute()
