# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The transactional outbox: commands to the data plane, written with the business
change, sent after commit by a queue job with one idempotency key, retried on
transient failures, failed with a case for a person when refused or given up."""

import json
import logging
import uuid

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import command_schemas, masking, observability
from ..lib.api_client import (
    COMMAND_PATH_STYLES,
    DataPlaneClient,
    PermanentError,
    TransientError,
)

_logger = logging.getLogger(__name__)

COMMAND_STATES = [
    ("waiting", "Waiting for an earlier command"),
    ("pending", "To send"),
    ("retry", "Retry scheduled"),
    ("acked", "Acknowledged"),
    ("failed", "Failed (refused)"),
    ("dead", "Dead (gave up)"),
    ("cancelled", "Cancelled"),
]
SENDABLE = ("pending", "retry")
# what the command is: fixed at creation, for everyone (superuser included)
IMMUTABLE = frozenset(
    {
        "name",
        "idempotency_key",
        "payload",
        "correlation_id",
        "res_model",
        "res_id",
        "after_command_id",
    }
)


class TcCommand(models.Model):
    """Transactional outbox: a command to the data plane, written in the same
    transaction as the business change and sent after commit by a queue job.

    ``idempotency_key`` is set once at creation and sent on every attempt, so the
    data plane applies it once however many times it is delivered."""

    _name = "tc.command"
    _description = "Outbound integration command"
    _inherit = ["mail.thread", "tc.queued.record.mixin"]
    _tc_open_states = SENDABLE
    _tc_max_attempts = 8
    _tc_backoff = (20, 3600)
    _order = "id desc"
    # people have no write right (append-only); they may still note in the chatter
    _mail_post_access = "read"

    name = fields.Char("Command", required=True, readonly=True, index=True)
    idempotency_key = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: str(uuid.uuid4()),
    )
    payload = fields.Text(readonly=True)
    correlation_id = fields.Char(readonly=True, index="btree_not_null")
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", readonly=True, index="btree_not_null"
    )
    res_model = fields.Char("Related model", readonly=True, index=True)
    res_id = fields.Many2oneReference(
        "Related record", model_field="res_model", readonly=True, index=True
    )
    after_command_id = fields.Many2one(
        "tc.command",
        "Sent after",
        readonly=True,
        index="btree_not_null",
        help="This command waits until that one is acknowledged (e.g. the old "
        "appointment is cancelled only once the new one is booked).",
    )
    state = fields.Selection(
        COMMAND_STATES,
        default="pending",
        required=True,
        readonly=True,
        index=True,
        tracking=True,
    )
    attempts = fields.Integer(readonly=True)
    last_error = fields.Text(readonly=True)
    http_status = fields.Integer("Last HTTP status", readonly=True)
    remote_command_id = fields.Char("Remote id", readonly=True)
    next_attempt_at = fields.Datetime(readonly=True, index="btree_not_null")
    sent_at = fields.Datetime("Last sent", readonly=True)
    acked_at = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "idempotency_key_uniq",
            "unique(idempotency_key)",
            "A command is sent with one idempotency key only.",
        ),
    ]

    # Override: append-only. ir.model.access gives people no create/write/unlink;
    # what a command says (payload, type, idempotency key) never changes once
    # written, not even through sudo(), so no retry can send what no approval made.
    def write(self, vals):
        if IMMUTABLE & set(vals):
            raise AccessError(
                self.env._(
                    "A command's type, payload and idempotency key never change."
                )
            )
        return super().write(vals)

    # -- outbox ------------------------------------------------------------------------
    @api.model
    def _tc_enqueue(
        self,
        command_type,
        payload,
        record=None,
        ticket=None,
        correlation_id=None,
        idempotency_key=None,
        after=None,
    ):
        """Write the command in the current transaction and queue its sending
        (the job row commits with it, so nothing is sent for a rolled back change).

        ``idempotency_key``: the caller's key for one decision (say, the retry of
        one provisioning attempt), so that the same decision made twice (a double
        click, two people) finds the command already written instead of sending a
        second one; the unique key decides under concurrency. Without it, a new
        random key. ``after``: a command this one must follow; it waits
        (``waiting``) until that one is acknowledged."""
        if idempotency_key:
            known = self.sudo().search(
                [("idempotency_key", "=", idempotency_key)], limit=1
            )
            if known:
                if known.name != command_type:
                    raise UserError(
                        self.env._(
                            "The idempotency key of %(command)s is already used by "
                            "command %(other)s.",
                            command=command_type,
                            other=known.display_name,
                        )
                    )
                return known
        # the person whose change queues the command may not read cases (a finance
        # approver): the outbox is system bookkeeping, read the case as such
        ticket = (ticket or self.env["helpdesk.ticket"]).sudo()
        payload = dict(payload, case_id=ticket.id or None)
        # docs/commands.md: a payload the data plane would refuse is never queued;
        # the person whose change queues it reads why (their change is rolled back)
        found = command_schemas.problems(command_type, payload)
        if found:
            raise UserError(
                self.env._(
                    "%(command)s cannot be sent to the data plane, so nothing was "
                    "saved: %(problems)s. Correct the record (%(record)s) and try "
                    "again.",
                    command=command_type,
                    problems="; ".join(found),
                    record=record.display_name if record else "-",
                )
            )
        after = (after or self.browse()).sudo()
        waits = bool(after) and after.state != "acked"
        vals = {
            "name": command_type,
            "payload": json.dumps(payload, default=str, sort_keys=True),
            "correlation_id": correlation_id
            or ticket.tc_correlation_id
            or observability.current_correlation_id()
            or uuid.uuid4().hex,
            "ticket_id": ticket.id or False,
            "res_model": record._name if record else False,
            "res_id": record.id if record else False,
            "after_command_id": after.id or False,
            "state": "waiting" if waits else "pending",
        }
        if idempotency_key:
            vals["idempotency_key"] = idempotency_key
        command = self.sudo().create(vals)
        with observability.traced(command.correlation_id):
            _logger.info(
                "tc.command %s %s queued%s for case %s",
                command.id,
                command_type,
                " after command %s" % after.id if waits else "",
                ticket.id or "-",
            )
        if ticket:
            ticket._tc_timeline(
                "command",
                "%s queued%s"
                % (command_type, " after %s" % after.name if waits else ""),
                res_model=command._name,
                res_id=command.id,
                correlation_id=command.correlation_id,
            )
        if not waits:
            command._tc_schedule()
        return command

    def _tc_release_followers(self):
        """This command is acknowledged: the commands waiting for it go out."""
        followers = self.sudo().search(
            [("after_command_id", "in", self.ids), ("state", "=", "waiting")]
        )
        if followers:
            followers.write({"state": "pending"})
            followers._tc_schedule()
        return followers

    def _tc_schedule(self, eta=None):
        # the job runs as the system (it writes the command's state), whoever
        # pressed the button that queued it
        for command in self.sudo():
            command.with_delay(
                channel="root.tc_commands",
                identity_key="tc.command:%s" % command.id,
                eta=eta,
                description="Send command %s" % command.name,
            )._tc_job_send()

    # -- the job --------------------------------------------------------------------
    def _tc_job_send(self):
        """Queue job: send once; the stored state decides (safe to run twice).
        Its log lines and error reports carry the command's correlation id."""
        if not self.env.su:
            # a job queued before jobs ran as the system (or by hand): the record
            # is system bookkeeping, people have no write right on it
            return self.sudo()._tc_job_send()
        self.ensure_one()
        with observability.traced(
            self.correlation_id, command_id=self.id, case_id=self.ticket_id.id
        ):
            return self._tc_send()

    def _tc_send(self):
        self._tc_lock()
        _logger.info(
            "tc.command %s %s: job started in state %s, attempt %d",
            self.id,
            self.name,
            self.state,
            self.attempts + 1,
        )
        before = self.after_command_id
        if before and before.state != "acked" and self.state in SENDABLE + ("waiting",):
            # never ahead of the command it follows (a supervisor's retry
            # included): released by that one's ack
            if self.state != "waiting":
                self.write({"state": "waiting", "next_attempt_at": False})
            return "waiting for %s (%s)" % (before.name, before.state)
        if self.state not in SENDABLE:
            return "nothing to do: command is %s" % self.state
        settings = self.env["tc.settings"]._get()
        if not settings.api_configured:
            return self._tc_transient("data-plane API is not configured", None)
        if settings.command_path not in COMMAND_PATH_STYLES:
            return self._tc_transient(
                "tc_command_path (TC_COMMAND_PATH) must be %s, not %r"
                % (" or ".join(COMMAND_PATH_STYLES), settings.command_path),
                None,
            )
        client = DataPlaneClient(
            settings.api_base_url,
            settings.api_token,
            tenant_id=settings.tenant_id or None,
            timeout=self._tc_timeout(),
        )
        self.write({"sent_at": fields.Datetime.now()})
        try:
            result = client.send_command(
                self.name,
                json.loads(self.payload or "{}"),
                self.idempotency_key,
                correlation_id=self.correlation_id,
                path_style=settings.command_path,
            )
        except TransientError as exc:
            return self._tc_transient(str(exc), exc.status, exc.retry_after)
        except PermanentError as exc:
            return self._tc_refused(str(exc), exc.status)
        self.write(
            {
                "state": "acked",
                "http_status": result.http_status,
                "remote_command_id": result.command_id or False,
                "acked_at": fields.Datetime.now(),
                "attempts": self.attempts + 1,
                "last_error": False,
                "next_attempt_at": False,
            }
        )
        self._tc_note(
            "%s acknowledged%s"
            % (self.name, " (already applied)" if result.already_applied else "")
        )
        self._tc_on_acked(result)
        self._tc_release_followers()
        _logger.info(
            "tc.command %s %s acked (HTTP %s) [correlation_id=%s]",
            self.id,
            self.name,
            result.http_status,
            self.correlation_id,
        )
        return "acked"

    def _tc_on_acked(self, result):
        """Hook: the data plane accepted this command (``result``: its
        ``CommandResult``). The records that queued it extend this to show the
        answer on their case; the state itself comes from the confirming event."""
        return True

    def _tc_timeout(self):
        """Seconds (connect and read); ``tc_integrations.command_timeout``."""
        raw = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("tc_integrations.command_timeout", "15")
        )
        try:
            read = max(0.1, float(raw))
        except ValueError:
            read = 15.0
        return read

    def _tc_transient(self, error, status, retry_after=None):
        error = masking.mask_text(error)[:2000]
        _logger.info(
            "tc.command %s %s: transient failure (attempt %d/%d) [correlation_id=%s]",
            self.id,
            self.name,
            self.attempts + 1,
            self._tc_max_attempts,
            self.correlation_id,
        )
        return self._tc_attempt_failed(
            error, retry_after=retry_after, http_status=status or False
        )

    def _tc_exhausted(self, error, attempts, **vals):
        self.write(
            dict(
                vals,
                state="dead",
                attempts=attempts,
                last_error=error,
                next_attempt_at=False,
            )
        )
        self._tc_exception_case(
            self.env._(
                "Command %(name)s gave up after %(n)d attempts",
                name=self.name,
                n=attempts,
            ),
            error,
        )
        return "dead"

    def _tc_refused(self, error, status):
        error = masking.mask_text(error)[:2000]
        self.write(
            {
                "state": "failed",
                "attempts": self.attempts + 1,
                "last_error": error,
                "http_status": status or False,
                "next_attempt_at": False,
            }
        )
        self._tc_exception_case(
            self.env._("Command %s was refused by the data plane", self.name), error
        )
        _logger.info(
            "tc.command %s %s refused (HTTP %s) [correlation_id=%s]",
            self.id,
            self.name,
            status,
            self.correlation_id,
        )
        return "failed"

    def _tc_exception_case(self, title, error):
        """A person must look: on the command's case when it has one, else a new one."""
        case = self.ticket_id
        if not case:
            case = self.env["helpdesk.ticket"]._tc_open_case(
                "general_inquiry",
                title,
                description=error,
                correlation_id=self.correlation_id,
            )
            self.sudo().write({"ticket_id": case.id})
        case.sudo().activity_schedule(
            "mail.mail_activity_data_todo",
            summary=title[:100],
            note=error,
            user_id=case.user_id.id or self.env.ref("base.user_root").id,
        )
        self._tc_note(title)
        self.message_post(body=error, subtype_xmlid="mail.mt_note")
        observability.capture_message(
            "Integration command %s %s" % (self.name, self.state),
            level="error",
            command_id=self.id,
            case_id=case.id,
        )

    def _tc_note(self, text):
        if self.ticket_id:
            self.ticket_id._tc_timeline(
                "command",
                text[:250],
                progress=True,
                res_model=self._name,
                res_id=self.id,
                correlation_id=self.correlation_id,
            )

    # -- operators --------------------------------------------------------------------
    def _tc_check_operator(self):
        if not self.env.user.has_group("tc_care.group_supervisor"):
            raise AccessError(
                self.env._("Only supervisors retry or cancel integration commands.")
            )

    def action_retry(self):
        """Send again with the same idempotency key (supervisors). Changes the
        state only: what is sent is what was written at creation."""
        self._tc_check_operator()
        for command in self:
            if command.state == "acked":
                raise UserError(self.env._("%s is already acknowledged.", command.name))
        self.sudo().write({"state": "pending", "attempts": 0, "next_attempt_at": False})
        for command in self.sudo():
            command.message_post(
                body=self.env._(
                    "Retried by %s (same idempotency key).", self.env.user.name
                ),
                subtype_xmlid="mail.mt_note",
            )
        self._tc_schedule()
        return True

    def action_open_ignore_wizard(self):
        self._tc_check_operator()
        return self.env["tc.event"]._tc_ignore_wizard_action(self)

    def _tc_ignore(self, reason):
        """Cancel (the ignore wizard, which checks the role)."""
        self._tc_check_operator()
        if not (reason or "").strip():
            raise UserError(self.env._("Say why this is ignored."))
        for command in self:
            if command.state == "acked":
                raise UserError(self.env._("%s is already acknowledged.", command.name))
        self.sudo().write({"state": "cancelled", "next_attempt_at": False})
        for command in self.sudo():
            command.message_post(
                body=self.env._(
                    "Cancelled by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
