# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Provisioning-failure cases (helpdesk.ticket, tc_integrations): the attempt count
kept from ``ProvisioningFailed`` events, the case's diagnostics summary and the
agents' *Retry provisioning* decision that becomes the ``RetryProvisioning``
command (docs/commands.md). The wizard is ``wizards/tc_provisioning_retry.py``;
the event side is ``tc_event_handler.py::_on_provisioning_failed``."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_datetime

KIND = "provisioning_failure"
COMMAND = "RetryProvisioning"
# what the case waits for between an agent's retry and the data plane's next event
RETRY_WAIT = "Provisioning retry"
# kept by the event handler (as the system); nobody writes it by hand
PROVISIONING_FIELDS = frozenset({"tc_provisioning_attempts"})
MAX_TEXT = 4000


def retry_key(job_ref, attempt):
    """The idempotency key of one decision: retry attempt ``attempt`` of ``job_ref``."""
    return "retry-provisioning/%s/%d" % (job_ref, attempt)


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    tc_provisioning_attempts = fields.Integer(
        "Provisioning attempts",
        readonly=True,
        copy=False,
        help="Failed attempts of the provisioning job on this case: one per "
        "distinct ProvisioningFailed event (a re-run of the same event does not "
        "count again). A case opened by hand counts as one failed attempt.",
        groups="base.group_user",
    )
    tc_can_retry_provisioning = fields.Boolean(
        compute="_compute_tc_can_retry_provisioning",
        compute_sudo=True,
        help="An open provisioning-failure case with a job: the Retry provisioning "
        "button shows (the button checks everything again).",
    )

    @api.depends("type_id", "tc_provisioning_job_ref", "stage_id")
    def _compute_tc_can_retry_provisioning(self):
        for case in self:
            case.tc_can_retry_provisioning = bool(
                case.type_id.tc_code == KIND
                and case.tc_provisioning_job_ref
                and not case.stage_id.closed
            )

    # Override: the attempt count decides the retry's idempotency key; over RPC a
    # writer of the case could otherwise reset it and retry the same attempt twice.
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            PROVISIONING_FIELDS & set(vals) for vals in vals_list
        ):
            raise AccessError(
                self.env._("The provisioning attempt count is kept by TC Ops.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and PROVISIONING_FIELDS & set(vals):
            raise AccessError(
                self.env._("The provisioning attempt count is kept by TC Ops.")
            )
        return super().write(vals)

    # -- events (tc_event_handler._on_provisioning_failed) ------------------------------
    def _tc_lock_row(self):
        """Row lock on the case until the transaction ends: the retry and the
        ProvisioningFailed handler of one case run one after the other. Under
        REPEATABLE READ the second one then gets a serialization failure when the
        first changed the case (Odoo retries the request; a job is retried), so it
        reads what the first one wrote."""
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT id FROM helpdesk_ticket WHERE id IN %s FOR UPDATE",
            [tuple(self.ids)],
        )

    def _tc_count_provisioning_failure(self, event, opened=False):
        """Count ``event`` (a ProvisioningFailed of this case's job) as a failed
        attempt, once: an event already on the case (a re-run of its job) is not
        counted again. ``opened``: the event has just opened this case. Returns
        the case's attempt count. The case no longer waits for a retry's answer."""
        self.ensure_one()
        case = self.sudo()
        case._tc_lock_row()
        event.flush_recordset(["ticket_ids"])
        self.env.cr.execute(
            "SELECT 1 FROM tc_event_helpdesk_ticket_rel"
            " WHERE event_id = %s AND ticket_id = %s",
            (event.id, case.id),
        )
        if self.env.cr.fetchone():
            return max(case.tc_provisioning_attempts, 1)
        attempts = 1 if opened else max(case.tc_provisioning_attempts, 1) + 1
        vals = {"tc_provisioning_attempts": attempts}
        if case.tc_waiting_for == RETRY_WAIT:
            vals["tc_waiting_for"] = False
        case.write(vals)
        return attempts

    @api.model
    def _tc_closed_provisioning_case(self, job_ref):
        """The latest closed provisioning-failure case of ``job_ref`` (as the
        system), to reopen instead of opening a second case."""
        kind = self.env["helpdesk.ticket.type"]._tc_get(KIND)
        cases = self.sudo().search(
            [
                ("tc_provisioning_job_ref", "=", job_ref),
                ("type_id", "=", kind.id),
                ("stage_id.closed", "=", True),
            ],
            order="id desc",
        )
        cases -= self.env["tc.event.handler"]._tc_claimed_by_partners(cases)
        return cases[:1]

    # -- diagnostics summary ------------------------------------------------------------
    def _tc_diagnostics_summary(self):
        """The case's last remote diagnostics in words (what the system saw), or
        ``None``: the latest of its ``diagnostic`` timeline entries (with the
        network action's detail it links to) and its finished diagnostics action
        (an SNMP error leaves no timeline entry)."""
        self.ensure_one()
        case = self.sudo()
        entry = (
            self.env["tc.case.timeline"]
            .sudo()
            .search(
                [("ticket_id", "=", case.id), ("kind", "=", "diagnostic")],
                order="date desc, id desc",
                limit=1,
            )
        )
        Action = self.env["tc.network.action"].sudo()
        action = Action.search(
            [
                ("ticket_id", "=", case.id),
                ("operation", "=", "diagnostics"),
                ("result", "!=", "running"),
            ],
            order="id desc",
            limit=1,
        )
        if entry and (not action or entry.date >= action.started_at):
            parts = [entry.name]
            if entry.res_model == Action._name and entry.res_id:
                linked = Action.browse(entry.res_id).exists()
                if linked.detail and linked.detail not in entry.name:
                    parts.append(linked.detail)
            text = "\n".join(parts)
        elif action:
            label = dict(action._fields["result"]._description_selection(self.env))
            text = "%s: %s" % (label[action.result], action.detail or "")
        else:
            return None
        return text.strip()[:MAX_TEXT] or None

    # -- the retry ------------------------------------------------------------------------
    def _tc_retry_attempt(self):
        """The failed attempt a retry now retries (the case's attempt count, at
        least 1: the case exists because one attempt failed)."""
        self.ensure_one()
        return max(self.sudo().tc_provisioning_attempts, 1)

    def _tc_check_retryable(self):
        """A provisioning-failure case with a job, still open (UserError)."""
        self.ensure_one()
        case = self.sudo()
        if case.type_id.tc_code != KIND:
            raise UserError(
                self.env._(
                    "%(case)s is not a provisioning-failure case: only those can "
                    "retry provisioning.",
                    case=case.display_name,
                )
            )
        if not case.tc_provisioning_job_ref:
            raise UserError(
                self.env._(
                    "%(case)s has no provisioning job reference: set it first.",
                    case=case.display_name,
                )
            )
        if case.stage_id.closed:
            raise UserError(
                self.env._(
                    "%(case)s is closed: a closed provisioning case is reopened by "
                    "the data plane's next ProvisioningFailed.",
                    case=case.display_name,
                )
            )

    def action_tc_retry_provisioning(self):
        """Button (agents and above, on cases they may change): the retry wizard."""
        self._tc_require_group("tc_care.group_agent")
        self.ensure_one()
        self.check_access("write")
        self._tc_check_retryable()
        return {
            "type": "ir.actions.act_window",
            "res_model": "tc.provisioning.retry",
            "view_mode": "form",
            "target": "new",
            "context": {"default_ticket_id": self.id},
            "name": self.env._("Retry provisioning"),
        }

    def _tc_retry_provisioning(self, note=None):
        """Queue the ``RetryProvisioning`` command of this case's current failed
        attempt, once. Everything in it is read from the case here (the wizard
        only says which case and the note); the person must be an agent who may
        change the case. The same attempt retried again (a double click, a second
        wizard, another agent) is refused with who did it and when: one attempt is
        retried at most once, the next retry waits for the next ProvisioningFailed.
        """
        self.ensure_one()
        self._tc_require_group("tc_care.group_agent")
        self.check_access("write")
        self._tc_check_retryable()
        case = self.sudo()
        # one retry of one case at a time (see _tc_lock_row); the attempt is read
        # after the lock
        case._tc_lock_row()
        attempt = case._tc_retry_attempt()
        job_ref = case.tc_provisioning_job_ref
        key = retry_key(job_ref, attempt)
        Command = self.env["tc.command"]
        known = Command.sudo().search([("idempotency_key", "=", key)], limit=1)
        if known:
            raise UserError(
                self.env._(
                    "Attempt %(attempt)s of job %(job)s was already retried at "
                    "%(when)s by %(who)s; wait for the data plane's answer (a new "
                    "failure allows the next retry).",
                    attempt=attempt,
                    job=job_ref,
                    when=format_datetime(self.env, known.create_date),
                    who=known.create_uid.name,
                )
            )
        note = (note or "").strip()
        payload = {
            "provisioning_job_id": job_ref,
            "attempt": attempt,
            "note": note or None,
            "diagnostics": case._tc_diagnostics_summary(),
            "order_id": case.tc_order_ref or None,
            "subscription_id": case.tc_subscription_ref or None,
            "requested_by": self.env.user.login,
        }
        command = Command._tc_enqueue(
            COMMAND, payload, record=case, ticket=case, idempotency_key=key
        )
        case.write({"tc_waiting_for": RETRY_WAIT})
        case._tc_timeline(
            "note",
            self.env._(
                "Provisioning retry of job %(job)s, attempt %(attempt)s, asked by "
                "%(user)s",
                job=job_ref,
                attempt=attempt,
                user=self.env.user.name,
            )[:250],
            progress=True,
            res_model=command._name,
            res_id=command.id,
        )
        if note:
            case.message_post(
                body=self.env._("Provisioning retry requested: %s", note),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return command
