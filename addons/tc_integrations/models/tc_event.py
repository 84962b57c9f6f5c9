# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Inbound events: stored once (webhook or polling), processed by a queue job that
runs the event type's handler (tc_event_handler.py), retried, deferred or failed
with a case for a person; the event dispatcher that queues the webhook's events'
jobs out of the request; the supervisors' retry and ignore buttons."""

import json
import logging
import uuid
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.sql import create_index

from odoo.addons.tc_care.services.units import unit

from ..lib import masking, observability
from ..lib.api_client import DataPlaneClient, DataPlaneError
from .tc_event_handler import HANDLERS, Deferred, Permanent

_logger = logging.getLogger(__name__)

EVENT_STATES = [
    ("pending", "Pending"),
    ("retry", "Retry scheduled"),
    ("deferred", "Waiting (out of order)"),
    ("done", "Done"),
    ("ignored", "Ignored"),
    ("failed", "Failed"),
]
# states in which a job still has something to do
OPEN_STATES = ("pending", "retry", "deferred")
CURSOR_PARAM = "tc_integrations.events_cursor"
DISPATCH_CRON = "tc_integrations.ir_cron_dispatch_events"
DISPATCH_BATCH = 500  # events queued per transaction of the dispatcher
MAX_DEFERRALS = 24  # out-of-order waits before the event is "failed"
DEFER_SECONDS = 300
# what the event is: fixed at ingestion, for everyone (superuser included)
IMMUTABLE = frozenset(
    {"event_id", "event_type", "source", "webhook_id", "correlation_id", "payload"}
)
# case kind opened for a human when an event of this type cannot be handled
FAILURE_KIND = {
    "OrderNeedsReview": "order_review",
    "PaymentConfirmed": "payment_dispute",
    "ProvisioningFailed": "provisioning_failure",
    "ServiceActivated": "provisioning_failure",
    "RefundPosted": "payment_dispute",
    "PaymentDisputed": "payment_dispute",
    "DisputeClosed": "payment_dispute",
    "SubscriptionSuspended": "general_inquiry",
    "SubscriptionResumed": "general_inquiry",
}


def stored_event_id(payload):
    """The ``event_id`` an event is stored (and deduplicated) under."""
    return str(payload["id"]).strip()[:255]


def _is_event(item):
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), str)
        and item["id"].strip()
        and isinstance(item.get("type"), str)
        and item["type"].strip()
    )


class TcEvent(models.Model):
    """An inbound event from the data plane (webhook or polling), stored once.

    The unique ``event_id`` makes ingestion idempotent; the ``state`` stored here
    decides whether a (possibly duplicated) queue job still has work to do."""

    _name = "tc.event"
    _description = "Inbound integration event"
    _inherit = ["mail.thread", "tc.queued.record.mixin"]
    _tc_open_states = OPEN_STATES
    _tc_start_field = "received_at"
    _tc_max_attempts = 5  # failed handler runs before the event is "failed"
    _tc_backoff = (30, 3600)
    _order = "id desc"
    _rec_name = "event_id"
    # people have no write right (append-only); they may still note in the chatter
    _mail_post_access = "read"

    event_id = fields.Char("Event id", required=True, readonly=True)
    event_type = fields.Char("Type", required=True, readonly=True, index=True)
    source = fields.Selection(
        [("webhook", "Webhook"), ("poll", "Polling")], required=True, readonly=True
    )
    webhook_id = fields.Char("Webhook message id", readonly=True)
    correlation_id = fields.Char(readonly=True, index="btree_not_null")
    payload = fields.Text(readonly=True, help="The event as received, masked.")
    state = fields.Selection(
        EVENT_STATES,
        default="pending",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    state_reason = fields.Char("Outcome", readonly=True)
    attempts = fields.Integer(readonly=True)
    deferrals = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    received_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    processed_at = fields.Datetime(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True, index="btree_not_null")
    awaiting_job = fields.Boolean(
        readonly=True,
        help="Stored by the webhook, its job not queued yet: the event dispatcher "
        "(a cron of the jobs node, woken by the delivery) queues it.",
    )
    ticket_ids = fields.Many2many(
        "helpdesk.ticket",
        "tc_event_helpdesk_ticket_rel",
        "event_id",
        "ticket_id",
        "Cases",
        readonly=True,
    )

    _sql_constraints = [
        ("event_id_uniq", "unique(event_id)", "This event was already received."),
    ]

    def init(self):
        # the dispatcher's scan: only the few events still waiting for their job
        create_index(
            self.env.cr,
            "tc_event_awaiting_job_idx",
            self._table,
            ["id"],
            where="awaiting_job",
        )

    # Override: append-only. ir.model.access gives people no create/write/unlink;
    # what was received (type, payload, ids) never changes, not even through
    # sudo(), so a retry always runs the handler of the event as received.
    def write(self, vals):
        if IMMUTABLE & set(vals):
            raise AccessError(
                self.env._("An event's type, payload and ids never change.")
            )
        return super().write(vals)

    # -- ingestion (webhook and polling) ---------------------------------------------
    @api.model
    def _tc_ingest(
        self,
        payload,
        source="webhook",
        webhook_id=None,
        correlation_id=None,
        dispatch=False,
    ):
        """Store ``payload`` (a verified event dict) once and queue its processing.

        Returns ``(event, created)``. A replay (same event id) changes nothing and
        returns the stored event with ``created=False``. The insert is one
        ``INSERT .. ON CONFLICT DO NOTHING`` so two deliveries racing each other
        cannot both store it.

        ``dispatch``: leave queuing the job to the event dispatcher
        (``_cron_dispatch_events``, on the jobs node) and only wake it: the
        webhook's request stores and answers, nothing more (bench/RESULTS.md,
        "Webhook ingestion"). Either way the event gets exactly one job."""
        event_id = stored_event_id(payload)
        event_type = str(payload["type"]).strip()[:128]
        if not correlation_id:
            data = payload.get("data")
            correlation_id = payload.get("correlation_id") or (
                data.get("correlation_id") if isinstance(data, dict) else None
            )
        # an event without one gets one here: its path can be traced in the logs
        correlation_id = (
            str(correlation_id)[:128] if correlation_id else "tc-" + uuid.uuid4().hex
        )
        with observability.traced(correlation_id, event_id=event_id):
            return self._tc_insert(
                payload,
                event_id,
                event_type,
                source,
                webhook_id,
                correlation_id,
                dispatch,
            )

    @api.model
    def _tc_insert(
        self,
        payload,
        event_id,
        event_type,
        source,
        webhook_id,
        correlation_id,
        dispatch=False,
    ):
        masked = json.dumps(masking.mask_payload(payload), default=str, sort_keys=True)
        cron_id = self._tc_dispatcher_id() if dispatch else None
        # one statement: the row, and for a webhook's event whether the dispatcher
        # can run and is already asked to (a due trigger; clock time: this request's
        # transaction may be older than a trigger another one just committed)
        self.env.cr.execute(
            """
            WITH ins AS (
                INSERT INTO tc_event (event_id, event_type, source, webhook_id,
                    correlation_id, payload, state, attempts, deferrals, received_at,
                    awaiting_job, create_uid, write_uid, create_date, write_date)
                VALUES (%s, %s, %s, %s, %s, %s, 'pending', 0, 0,
                    now() at time zone 'UTC', %s, %s, %s,
                    now() at time zone 'UTC', now() at time zone 'UTC')
                ON CONFLICT (event_id) DO NOTHING
                RETURNING id)
            SELECT ins.id, c.active, EXISTS (
                    SELECT 1 FROM ir_cron_trigger t WHERE t.cron_id = c.id
                    AND t.call_at <= (clock_timestamp() at time zone 'UTC'))
              FROM ins LEFT JOIN ir_cron c ON c.id = %s
            """,
            (
                event_id,
                event_type,
                source,
                (webhook_id or None) and str(webhook_id)[:255],
                correlation_id,
                masked,
                bool(dispatch),
                self.env.uid,
                self.env.uid,
                cron_id,
            ),
        )
        row = self.env.cr.fetchone()
        if not row:
            # the row and its correlation id in one query (a replay's hot path)
            existing = self.sudo().search_fetch(
                [("event_id", "=", event_id)], ["correlation_id"], limit=1
            )
            with observability.traced(existing.correlation_id):
                _logger.info(
                    "tc.event %s: duplicate delivery ignored [correlation_id=%s]",
                    event_id,
                    existing.correlation_id or correlation_id,
                )
            return existing, False
        event = self.sudo().browse(row[0])
        # what the caller logs under is known: not read back (a query per delivery)
        self.env.cache.update(event, self._fields["correlation_id"], [correlation_id])
        if dispatch and row[1]:
            # wake the jobs node's dispatcher (Odoo's cron trigger: a row, and a
            # NOTIFY after the commit); while a trigger waits, its next run takes
            # this event too. A trigger a finishing run consumed before this
            # commit: the cron's next run (every minute), or the re-queue cron.
            if not row[2]:
                self.env["ir.cron"].browse(cron_id).sudo()._trigger()
        elif dispatch:  # no dispatcher to run it (removed or archived by hand)
            event._tc_schedule()
        else:
            # the ids and type are at hand: the job's description does not re-read
            # the row just inserted (a query per delivery)
            event._tc_schedule(described=(event_id, event_type))
        _logger.info(
            "tc.event %s (%s) stored from %s [correlation_id=%s]",
            event_id,
            event_type,
            source,
            correlation_id,
        )
        return event, True

    def _tc_schedule(self, eta=None, described=None):
        """Queue one job per event. The job runs as the system (it writes the
        event's state), whoever pressed the button that queued it.
        ``described``: ``(event_id, event_type)`` of a single event the caller
        already holds (ingestion: no query to read them back)."""
        for event in self.sudo():
            event_id, event_type = described or (event.event_id, event.event_type)
            event.with_delay(
                channel="root.tc_events",
                identity_key="tc.event:%s" % event.id,
                eta=eta,
                description="Process event %s (%s)" % (event_id, event_type),
            )._tc_job_process()
        if not described:
            # whoever queued it (dispatcher, re-queue cron, a retry), the
            # dispatcher has nothing left to do for these events
            self.env.cr.execute(
                "UPDATE tc_event SET awaiting_job = false "
                "WHERE id = ANY(%s) AND awaiting_job",
                [self.ids],
            )
            self.invalidate_recordset(["awaiting_job"])

    # -- the event dispatcher (webhook deliveries' jobs, out of the request) --------
    @api.model
    def _tc_dispatcher_id(self):
        """The dispatcher's cron id (the xmlid is cached by the registry; whether
        it exists and is active is read with the insert), flushed: the insert's
        statement reads its ``active`` in SQL."""
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            DISPATCH_CRON, raise_if_not_found=False
        )
        if cron_id:
            self.env["ir.cron"].flush_model(["active"])
        return cron_id or None

    @api.model
    def _cron_dispatch_events(self, limit=DISPATCH_BATCH):
        """The event dispatcher (cron, one run at a time across every node): queue
        one job for each event the webhook stored, oldest first, ``limit`` per
        transaction. A run that queued some tells the cron to run again at once
        (Odoo's cron progress API): it ends only on a scan that finds nothing
        left, so deliveries committed during a run are taken by the next scan.
        Row locks (``SKIP LOCKED``) keep an event out of two dispatches even if
        this method is also called by hand."""
        self.env.cr.execute(
            "SELECT id FROM tc_event WHERE awaiting_job "
            "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            [limit],
        )
        events = self.browse([row[0] for row in self.env.cr.fetchall()]).sudo()
        events._tc_schedule()
        if events:
            _logger.info("event dispatcher: queued the jobs of %d events", len(events))
        # "remaining": one more scan after any run that found work
        self.env["ir.cron"]._notify_progress(
            done=len(events), remaining=1 if events else 0
        )
        return len(events)

    # -- the job -------------------------------------------------------------------
    def _tc_job_process(self):
        """Queue job: run the handler of this event once. Safe to run twice.
        Its log lines and error reports carry the event's correlation id."""
        if not self.env.su:
            # a job queued before jobs ran as the system (or by hand): the record
            # is system bookkeeping, people have no write right on it
            return self.sudo()._tc_job_process()
        self.ensure_one()
        with observability.traced(self.correlation_id, event_id=self.event_id):
            return self._tc_process()

    def _tc_process(self):
        self._tc_lock()
        _logger.info(
            "tc.event %s (%s): job started in state %s, attempt %d",
            self.event_id,
            self.event_type,
            self.state,
            self.attempts + 1,
        )
        if self.state not in OPEN_STATES:
            return "nothing to do: event is %s" % self.state
        method = HANDLERS.get(self.event_type)
        if not method:
            self.write(
                {
                    "state": "ignored",
                    "state_reason": "No handler for event type %s" % self.event_type,
                    "processed_at": fields.Datetime.now(),
                    "next_attempt_at": False,
                }
            )
            return "ignored"
        try:
            payload = json.loads(self.payload or "{}")
        except ValueError:
            payload = {}
        data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
        handler = self.env["tc.event.handler"].sudo()
        try:
            with self.env.cr.savepoint():
                outcome = getattr(handler, method)(self, data)
        except Deferred as exc:
            return self._tc_defer(exc)
        except Permanent as exc:  # no retry can fix it: a person, at once
            return self._tc_fail_permanently(exc)
        except Exception as exc:  # the handler failed: record it, retry, then a human
            return self._tc_fail_attempt(exc)
        self.write(
            {
                "state": "done",
                "state_reason": (outcome or "Handled")[:250],
                "processed_at": fields.Datetime.now(),
                "last_error": False,
                "next_attempt_at": False,
            }
        )
        _logger.info(
            "tc.event %s handled [correlation_id=%s]",
            self.event_id,
            self.correlation_id,
        )
        return outcome

    def _tc_defer(self, exc):
        """Out of order: what this event needs has not happened yet."""
        deferrals = self.deferrals + 1
        reason = str(exc)[:250]
        if deferrals > MAX_DEFERRALS:
            return self._tc_give_up(
                "Still waiting after %d tries: %s" % (deferrals - 1, reason)
            )
        eta = fields.Datetime.now() + timedelta(seconds=DEFER_SECONDS)
        was_deferred = self.state == "deferred" and self.state_reason == reason
        self.write(
            {
                "state": "deferred",
                "state_reason": reason,
                "deferrals": deferrals,
                "next_attempt_at": eta,
            }
        )
        if exc.tickets and not was_deferred:
            exc.tickets.sudo().write({"tc_waiting_for": reason[:250]})
            self._tc_touch(exc.tickets, "%s waits: %s" % (self.event_type, reason))
        self._tc_schedule(eta=eta)
        _logger.info(
            "tc.event %s deferred [correlation_id=%s]",
            self.event_id,
            self.correlation_id,
        )
        return "deferred"

    def _tc_fail_attempt(self, exc):
        # the exception (no payload: before_send drops local variables) to Sentry
        observability.capture_exception(exc, case_id=self.ticket_ids[:1].id)
        error = masking.mask_text("%s: %s" % (type(exc).__name__, exc))[:2000]
        _logger.info(
            "tc.event %s handler failed (attempt %d/%d) [correlation_id=%s]",
            self.event_id,
            self.attempts + 1,
            self._tc_max_attempts,
            self.correlation_id,
        )
        return self._tc_attempt_failed(error)

    def _tc_exhausted(self, error, attempts, **vals):
        self.write(dict(vals, attempts=attempts))
        return self._tc_give_up(error)

    def _tc_fail_permanently(self, exc):
        """The handler says no retry can fix this event (``Permanent``): failed
        on this first failure, its reason shown in the exception queue."""
        error = masking.mask_text(str(exc))[:2000]
        _logger.info(
            "tc.event %s failed, no retry can fix it [correlation_id=%s]",
            self.event_id,
            self.correlation_id,
        )
        self.write({"attempts": self.attempts + 1})
        return self._tc_give_up(error, permanent=True)

    def _tc_give_up(self, error, permanent=False):
        """Leave the event failed, with a case for a human."""
        self.write(
            {
                "state": "failed",
                "last_error": error,
                "state_reason": "Failed: no retry can fix it"
                if permanent
                else "Failed: needs a person",
                "next_attempt_at": False,
                "processed_at": fields.Datetime.now(),
            }
        )
        if permanent:
            description = self.env._(
                "The event cannot be processed and no retry can fix it: %s", error
            )
        else:
            description = self.env._(
                "The event failed after several attempts. Last error: %s", error
            )
        case = self.env["helpdesk.ticket"]._tc_open_case(
            FAILURE_KIND.get(self.event_type, "general_inquiry"),
            self.env._(
                "Integration event %(id)s (%(type)s) could not be processed",
                id=self.event_id,
                type=self.event_type,
            ),
            description=description,
            correlation_id=self.correlation_id,
        )
        self._tc_touch(case, self.env._("Event %s failed", self.event_type))
        observability.capture_message(
            "Integration event %s failed%s"
            % (self.event_type, ": no retry can fix it" if permanent else ""),
            level="warning" if permanent else "error",
            case_id=case.id,
        )
        return "failed"

    def _tc_touch(self, tickets, text):
        """Put this event on the timeline of the cases it touched."""
        if not tickets:
            return
        tickets._tc_timeline(
            "event",
            text[:250],
            progress=True,
            res_model=self._name,
            res_id=self.id,
            correlation_id=self.correlation_id,
        )
        self.sudo().write({"ticket_ids": [(4, t.id) for t in tickets]})

    # -- operators --------------------------------------------------------------------
    def _tc_check_operator(self):
        if not self.env.user.has_group("tc_care.group_supervisor"):
            raise AccessError(
                self.env._("Only supervisors retry or ignore integration events.")
            )

    def action_retry(self):
        """Run the handler again (supervisors); changes the state only."""
        self._tc_check_operator()
        for event in self:
            if event.state == "done":
                raise UserError(self.env._("%s is already done.", event.event_id))
        self.sudo().write(
            {
                "state": "pending",
                "attempts": 0,
                "deferrals": 0,
                "next_attempt_at": False,
            }
        )
        for event in self.sudo():
            event.message_post(
                body=self.env._("Retried by %s.", self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        self._tc_schedule()
        return True

    def action_open_ignore_wizard(self):
        self._tc_check_operator()
        return self._tc_ignore_wizard_action(self)

    @api.model
    def _tc_ignore_wizard_action(self, records):
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.integration.ignore",
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Ignore"),
            "context": {"active_model": records._name, "active_ids": records.ids},
        }

    def _tc_ignore(self, reason):
        """Ignore (the ignore wizard, which checks the role)."""
        self._tc_check_operator()
        if not (reason or "").strip():
            raise UserError(self.env._("Say why this is ignored."))
        for event in self:
            if event.state == "done":
                raise UserError(self.env._("%s is already done.", event.event_id))
        self.sudo().write(
            {"state": "ignored", "state_reason": reason[:250], "next_attempt_at": False}
        )
        for event in self.sudo():
            event.message_post(
                body=self.env._(
                    "Ignored by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # -- crons --------------------------------------------------------------------------
    @api.model
    def _cron_poll_events(self, limit=100, max_pages=50):
        """Polling fallback: read ``GET /events?after=<cursor>`` page by page into
        the same ingestion path. The cursor is stored only with its page."""
        settings = self.env["tc.settings"]._get()
        if not settings.api_configured:
            _logger.info("tc.event polling skipped: data-plane API not configured")
            return 0
        params = self.env["ir.config_parameter"].sudo()
        cursor = params.get_param(CURSOR_PARAM) or None
        client = DataPlaneClient(
            settings.api_base_url,
            settings.api_token,
            tenant_id=settings.tenant_id or None,
            timeout=30,
        )
        stored = pages = 0
        try:
            for items, next_cursor in client.iter_events(after=cursor, limit=limit):
                # a page is a unit: its events and the cursor after it are committed
                # together, or neither is
                with unit(self.env.cr):
                    for item in items:
                        if not _is_event(item):
                            _logger.info(
                                "tc.event polling: skipped an item without id/type"
                            )
                            continue
                        stored += self._tc_ingest(item, source="poll")[1]
                    if next_cursor and next_cursor != cursor:
                        params.set_param(CURSOR_PARAM, next_cursor)
                        cursor = next_cursor
                pages += 1
                if pages >= max_pages:
                    break
        except DataPlaneError as exc:
            # the next run starts again from the last committed cursor
            _logger.info("tc.event polling stopped: %s", exc)
        return stored
