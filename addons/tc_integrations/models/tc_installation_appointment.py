# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Installation appointments: one row per window TC Ops told the order service about
for a dispatch job (``CreateInstallationAppointment``), and its cancellation
(``CancelInstallationAppointment``), docs/commands.md. Kept in step with the job's
confirmed schedule by ``project_task_appointment.py``; the commands' answers move it
(``tc_command_appointment.py``). System bookkeeping: people only read it."""

from odoo import api, fields, models
from odoo.exceptions import AccessError

APPOINTMENT_STATES = [
    ("requested", "Requested"),
    ("booked", "Booked"),
    ("cancelling", "Cancelling"),
    ("cancelled", "Cancelled"),
    ("failed", "Refused"),
]
# the appointment the order service holds (or is being told about) for a job: one
LIVE_STATES = ("requested", "booked")
CANCEL_REASONS = [("rescheduled", "Rescheduled"), ("job_cancelled", "Job cancelled")]
CREATE_COMMAND = "CreateInstallationAppointment"
CANCEL_COMMAND = "CancelInstallationAppointment"
# what was sent: fixed at creation, for everyone (superuser included)
IMMUTABLE = frozenset(
    {
        "name",
        "task_id",
        "ticket_id",
        "order_ref",
        "window_start",
        "window_end",
        "technician_id",
        "technician_ref",
        "replaces_id",
    }
)
# set once, by the code that queues the command
SET_ONCE = ("create_command_id",)


def utc_instant(value):
    """A naive UTC datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (docs/commands.md)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


class TcInstallationAppointment(models.Model):
    _name = "tc.installation.appointment"
    _description = "Installation appointment sent to the order service"
    _order = "id desc"

    name = fields.Char(
        "Reference", required=True, readonly=True, copy=False, default="/", index=True
    )
    task_id = fields.Many2one(
        "project.task",
        "Job",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", readonly=True, index="btree_not_null"
    )
    order_ref = fields.Char("Order", readonly=True)
    window_start = fields.Datetime(required=True, readonly=True)
    window_end = fields.Datetime(required=True, readonly=True)
    technician_id = fields.Many2one("hr.employee", readonly=True)
    technician_ref = fields.Char("Technician reference", readonly=True)
    state = fields.Selection(
        APPOINTMENT_STATES,
        default="requested",
        required=True,
        readonly=True,
        index=True,
    )
    cancel_reason = fields.Selection(CANCEL_REASONS, readonly=True)
    create_command_id = fields.Many2one(
        "tc.command", "Create command", readonly=True, index="btree_not_null"
    )
    cancel_command_id = fields.Many2one(
        "tc.command", "Cancel command", readonly=True, index="btree_not_null"
    )
    # what became of the commands, for people who may not read the outbox
    create_state = fields.Selection(
        related="create_command_id.state", string="Create command status"
    )
    cancel_state = fields.Selection(
        related="cancel_command_id.state", string="Cancel command status"
    )
    replaces_id = fields.Many2one(
        "tc.installation.appointment",
        readonly=True,
        index="btree_not_null",
        help="The appointment this one replaces (a reschedule); it is cancelled once "
        "this one is acknowledged.",
    )

    def init(self):
        # at most one live appointment per job: two transactions confirming the
        # same job at once can never both book (the second one's insert fails;
        # the job row's own update usually serialises them before that)
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS tc_installation_appointment_live_uniq
                ON tc_installation_appointment (task_id)
             WHERE state IN ('requested', 'booked')
            """
        )

    @api.model_create_multi
    def create(self, vals_list):
        sequence = self.env["ir.sequence"].sudo()
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    sequence.next_by_code("tc.installation.appointment") or "/"
                )
        return super().create(vals_list)

    # Override: what the order service was told never changes (people have no write
    # right at all; this holds for the system too).
    def write(self, vals):
        if IMMUTABLE & set(vals):
            raise AccessError(
                self.env._("An appointment sent to the order service never changes.")
            )
        for fname in SET_ONCE:
            if fname in vals and any(
                rec[fname] and rec[fname].id != vals[fname] for rec in self
            ):
                raise AccessError(self.env._("An appointment's commands are set once."))
        return super().write(vals)

    # -- from the job --------------------------------------------------------------
    def _tc_matches(self, values):
        self.ensure_one()
        return (
            self.window_start == values["window_start"]
            and self.window_end == values["window_end"]
            and self.technician_id.id == values["technician_id"]
            and self.order_ref == values["order_ref"]
        )

    @api.model
    def _tc_held_for(self, job):
        """The appointment the order service holds for ``job``: its live one, else
        one whose cancellation waits behind a replacement the order service
        refused (so it is still booked there)."""
        live = self.search(
            [("task_id", "=", job.id), ("state", "in", LIVE_STATES)], limit=1
        )
        return live or self.search(
            [
                ("task_id", "=", job.id),
                ("state", "=", "cancelling"),
                ("cancel_command_id.state", "=", "waiting"),
                ("cancel_command_id.after_command_id.state", "=", "failed"),
            ],
            order="id desc",
            limit=1,
        )

    @api.model
    def _tc_book(self, values, replaces=None):
        """A new appointment from ``values`` (see ``project.task``'s
        ``_tc_appointment_values``) and its Create command; the one it
        ``replaces`` is cancelled after it (its Cancel waits for that Create's
        acknowledgement)."""
        replaces = (replaces or self.browse()).sudo()
        if replaces:
            # out of the live states first: the unique index allows one
            replaces.write({"state": "cancelling", "cancel_reason": "rescheduled"})
            replaces.flush_recordset(["state"])
        appointment = self.sudo().create(dict(values, replaces_id=replaces.id))
        appointment._tc_send_create()
        if replaces:
            replaces._tc_send_cancel(
                after=appointment.create_command_id, replaced_by=appointment
            )
        return appointment

    def _tc_cancel(self, reason):
        """The job is cancelled: cancel its appointment (after its Create, when
        that one is not acknowledged yet)."""
        for appointment in self.sudo():
            appointment.write({"state": "cancelling", "cancel_reason": reason})
            create = appointment.create_command_id
            appointment._tc_send_cancel(
                after=create if create.state != "acked" else None
            )

    def _tc_payload_base(self):
        return {
            "appointment_ref": self.name,
            "order_id": self.order_ref,
            "job_ref": "JOB-%d" % self.task_id.id,
        }

    def _tc_send_create(self):
        self.ensure_one()
        payload = dict(
            self._tc_payload_base(),
            window_start=utc_instant(self.window_start),
            window_end=utc_instant(self.window_end),
            technician_ref=self.technician_ref,
            replaces_appointment_ref=self.replaces_id.name or None,
        )
        command = self.env["tc.command"]._tc_enqueue(
            CREATE_COMMAND,
            payload,
            record=self,
            ticket=self.ticket_id,
            idempotency_key="appointment/%s/create" % self.name,
        )
        self.write({"create_command_id": command.id})
        return command

    def _tc_send_cancel(self, after=None, replaced_by=None):
        """The Cancel command; one key per decision: the job's cancellation, or
        the replacement by ``replaced_by`` (a later replacement, after this one
        was refused, is another decision)."""
        self.ensure_one()
        key = "appointment/%s/cancel" % self.name
        if replaced_by:
            key += "/for/%s" % replaced_by.name
        payload = dict(self._tc_payload_base(), reason=self.cancel_reason)
        command = self.env["tc.command"]._tc_enqueue(
            CANCEL_COMMAND,
            payload,
            record=self,
            ticket=self.ticket_id,
            idempotency_key=key,
            after=after,
        )
        self.write({"cancel_command_id": command.id})
        return command

    # -- from the commands' answers ---------------------------------------------------
    def _tc_on_command_acked(self, command, result):
        self.ensure_one()
        already = self.env._(" (already applied)") if result.already_applied else ""
        if command == self.create_command_id:
            if self.state == "requested":
                self.write({"state": "booked"})
            text = self.env._(
                "Appointment %(ref)s booked with the order service: %(start)s – "
                "%(end)s UTC, technician %(tech)s (HTTP %(status)s%(already)s)",
                ref=self.name,
                start=utc_instant(self.window_start),
                end=utc_instant(self.window_end),
                tech=self.technician_ref,
                status=result.http_status,
                already=already,
            )
        elif command == self.cancel_command_id:
            self.write({"state": "cancelled"})
            text = self.env._(
                "Appointment %(ref)s cancelled with the order service (%(reason)s; "
                "HTTP %(status)s%(already)s)",
                ref=self.name,
                reason=dict(
                    self._fields["cancel_reason"]._description_selection(self.env)
                ).get(self.cancel_reason, self.cancel_reason),
                status=result.http_status,
                already=already,
            )
        else:
            return
        self._tc_timeline(text, command)

    def _tc_on_command_refused(self, command):
        self.ensure_one()
        if command == self.create_command_id:
            # the order service does not hold it: never live again. The
            # appointment it replaces stays booked there: its cancel waits
            # (visible) until a supervisor resends this one or ignores that one,
            # or the next confirmed window replaces it
            self.write({"state": "failed"})
            text = self.env._(
                "The order service refused appointment %(ref)s: %(error)s",
                ref=self.name,
                error=command.last_error or "-",
            )
        elif command == self.cancel_command_id:
            text = self.env._(
                "The order service refused to cancel appointment %(ref)s: %(error)s",
                ref=self.name,
                error=command.last_error or "-",
            )
        else:
            return
        self._tc_timeline(text, command)

    def _tc_timeline(self, text, command):
        if self.ticket_id:
            self.ticket_id._tc_timeline(
                "command",
                text[:250],
                progress=True,
                res_model=self._name,
                res_id=self.id,
                correlation_id=command.correlation_id,
            )
