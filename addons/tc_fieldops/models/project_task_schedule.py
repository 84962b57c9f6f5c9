# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The appointment of a dispatch job: its window (project_timeline's planned dates,
shown in the technician's and the customer's time zones), who does it (technician,
helpers, and the task's assignees that follow them), booking it, and what a change
of schedule leaves behind (history, customer notice, case timeline)."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime

from .project_task import BUSY_STATES, CHECKED_STATES, DEFAULT_DURATION_HOURS


class ProjectTask(models.Model):
    _inherit = "project.task"

    # -- appointment ----------------------------------------------------------------
    tc_window_label = fields.Char("Window", compute="_compute_tc_window_label")
    tc_day_label = fields.Char("Day", compute="_compute_tc_window_label")
    tc_customer_window_label = fields.Char(
        "Appointment", compute="_compute_tc_customer_window_label", compute_sudo=True
    )

    tc_technician_id = fields.Many2one(
        "hr.employee",
        "Technician",
        index="btree_not_null",
        domain="[('tc_is_technician', '=', True)]",
        tracking=True,
        copy=False,
    )
    tc_helper_ids = fields.Many2many(
        "hr.employee",
        "tc_fieldops_job_helper_rel",
        "task_id",
        "employee_id",
        "Helpers",
        domain="[('tc_is_technician', '=', True), ('id', '!=', tc_technician_id)]",
        copy=False,
    )
    tc_skill_req_ids = fields.One2many(
        "tc.fieldops.skill.requirement", "task_id", "Required skills", copy=True
    )
    tc_dispatch_notes = fields.Text("Dispatch notes")
    tc_reschedule_ids = fields.One2many(
        "tc.fieldops.reschedule", "task_id", "Reschedule history"
    )
    tc_reschedule_count = fields.Integer(compute="_compute_tc_reschedule_count")

    def init(self):
        result = super().init()
        # the slot finder and the double-booking check read a technician's jobs in
        # a time range
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS project_task_tc_technician_window_idx
                ON project_task (tc_technician_id, planned_date_start, planned_date_end)
             WHERE tc_is_job AND tc_technician_id IS NOT NULL
            """
        )
        return result

    @api.depends("date_assign")
    def _compute_planned_date_start(self):
        # Override (reason): project_timeline fills an empty planned start with
        # ``date_assign``, which Odoo sets to "now" whenever a user is assigned
        # (OCA/project #1342). For a dispatch job the planned dates ARE the
        # appointment window: assigning a technician to an unscheduled job must
        # not invent an appointment starting now. Other tasks keep OCA's behaviour.
        others = self.filtered(lambda t: not t.sudo().project_id.tc_is_field_ops)
        return super(ProjectTask, others)._compute_planned_date_start()

    @api.depends("date_end")
    def _compute_planned_date_end(self):
        # Same reason: Odoo rewrites ``date_end`` when a task is closed; a job's
        # window stays the appointment that was made.
        others = self.filtered(lambda t: not t.sudo().project_id.tc_is_field_ops)
        return super(ProjectTask, others)._compute_planned_date_end()

    def _tc_format_window(self, tz_name, with_day=True):
        self.ensure_one()
        if not self.planned_date_start:
            return False
        start = format_datetime(
            self.env, self.planned_date_start, tz=tz_name, dt_format="HH:mm"
        )
        end = (
            format_datetime(
                self.env, self.planned_date_end, tz=tz_name, dt_format="HH:mm"
            )
            if self.planned_date_end
            else ""
        )
        window = f"{start} – {end}" if end else start
        if not with_day:
            return window
        day = format_datetime(
            self.env, self.planned_date_start, tz=tz_name, dt_format="EEE d MMM"
        )
        return f"{day}, {window}"

    @api.depends("planned_date_start", "planned_date_end")
    @api.depends_context("tz")
    def _compute_tc_window_label(self):
        tz_name = self.env.context.get("tz") or self.env.user.tz or "UTC"
        for task in self:
            task.tc_window_label = task._tc_format_window(tz_name, with_day=False)
            task.tc_day_label = (
                format_datetime(
                    self.env, task.planned_date_start, tz=tz_name, dt_format="EEE d MMM"
                )
                if task.planned_date_start
                else False
            )

    def _tc_customer_tz(self):
        self.ensure_one()
        return (
            self.partner_id.tz
            or self.tc_technician_id.tz
            or self.company_id.partner_id.tz
            or "UTC"
        )

    @api.depends("planned_date_start", "planned_date_end", "partner_id.tz")
    def _compute_tc_customer_window_label(self):
        for task in self:
            task.tc_customer_window_label = task._tc_format_window(
                task._tc_customer_tz()
            )

    @api.depends("tc_reschedule_ids")
    def _compute_tc_reschedule_count(self):
        for task in self:
            task.tc_reschedule_count = len(task.tc_reschedule_ids)

    @api.onchange("planned_date_start", "allocated_hours")
    def _onchange_tc_window_start(self):
        if self.tc_is_job and self.planned_date_start:
            if not self.planned_date_end or self.planned_date_end <= (
                self.planned_date_start
            ):
                self.planned_date_end = self.planned_date_start + timedelta(
                    hours=self.allocated_hours or DEFAULT_DURATION_HOURS
                )

    @api.constrains("planned_date_start", "planned_date_end", "tc_is_job")
    def _check_tc_window(self):
        for task in self._tc_jobs():
            if bool(task.planned_date_start) != bool(task.planned_date_end):
                raise ValidationError(
                    self.env._(
                        "The appointment window of %(job)s needs a start and an end.",
                        job=task.display_name,
                    )
                )

    @api.constrains("tc_technician_id", "tc_helper_ids")
    def _check_tc_technicians(self):
        for task in self:
            people = task.tc_technician_id | task.tc_helper_ids
            not_technicians = people.sudo().filtered(lambda e: not e.tc_is_technician)
            if not_technicians:
                raise ValidationError(
                    self.env._(
                        "%(names)s is not a field technician.",
                        names=", ".join(not_technicians.mapped("name")),
                    )
                )
            if task.tc_technician_id in task.tc_helper_ids:
                raise ValidationError(
                    self.env._(
                        "%(name)s cannot be the technician and a helper of the same "
                        "job.",
                        name=task.tc_technician_id.sudo().name,
                    )
                )

    # -- the schedule part of a job's write (see ProjectTask.write) ---------------
    def _tc_moves_several_windows(self, vals):
        """Several jobs get a new start but no end: each keeps its own duration, so
        they are written one by one."""
        return bool(
            "planned_date_start" in vals
            and "planned_date_end" not in vals
            and vals["planned_date_start"]
            and len(self) > 1
        )

    def _tc_window_end_vals(self, vals):
        """``vals`` with the end of the window when only its start is written:
        unscheduling clears the whole window, a new start keeps the job's duration
        (else its estimated hours)."""
        if "planned_date_start" not in vals or "planned_date_end" in vals:
            return vals
        if not vals["planned_date_start"]:
            return dict(vals, planned_date_end=False)
        start = fields.Datetime.to_datetime(vals["planned_date_start"])
        old = (
            self.planned_date_end
            and self.planned_date_start
            and (self.planned_date_end - self.planned_date_start)
        )
        return dict(
            vals,
            planned_date_end=start
            + (old or timedelta(hours=self.allocated_hours or DEFAULT_DURATION_HOURS)),
        )

    def _tc_schedule_snapshot(self):
        """{job id: (start, end, technician, status)} before a schedule change, for
        ``_tc_after_schedule_change``."""
        return {
            job.id: (
                job.planned_date_start,
                job.planned_date_end,
                job.tc_technician_id,
                job.tc_job_state,
            )
            for job in self
        }

    def _tc_after_schedule_write(self, vals, before):
        """After a write that changed the schedule of jobs ``self``: assignees,
        status, the schedule rules, then history and notices."""
        if {"tc_technician_id", "tc_helper_ids"} & set(vals):
            self._tc_sync_users()
        self._tc_sync_schedule_state()
        self.filtered(lambda j: j.tc_job_state in CHECKED_STATES)._tc_check_schedule()
        self._tc_after_schedule_change(before)

    def _tc_announce_scheduled(self):
        """A newly scheduled appointment: on the case's timeline and to the
        customer."""
        for job in self:
            job._tc_case_timeline(
                self.env._(
                    "Appointment scheduled: %(window)s with %(technician)s",
                    window=job.tc_customer_window_label,
                    technician=job.tc_technician_id.sudo().name,
                ),
                progress=True,
            )
        self._tc_notify_customer("tc_fieldops.mail_template_job_scheduled")

    def _tc_sync_users(self):
        """Assignees = the technician's and helpers' users (Odoo's "my tasks",
        followers and assignment notifications)."""
        for job in self:
            people = (job.tc_technician_id | job.tc_helper_ids).sudo()
            users = people.user_id
            if users != job.user_ids:
                job.sudo().write({"user_ids": [(6, 0, users.ids)]})

    def _tc_sync_schedule_state(self):
        for job in self.filtered(
            lambda j: j.tc_job_state in ("to_schedule", "scheduled")
        ):
            target = (
                "scheduled"
                if job.tc_technician_id and job.planned_date_start
                else "to_schedule"
            )
            if target != job.tc_job_state:
                job._tc_set_state(target)

    def _tc_after_schedule_change(self, before):
        """History, customer notice and case timeline after a job's window or
        technician changed."""
        History = self.env["tc.fieldops.reschedule"].sudo()
        reason = self.env.context.get("tc_reschedule_reason")
        newly_scheduled = self.browse()
        rescheduled = self.browse()
        history = []
        for job in self:
            old_start, old_end, old_tech, old_state = before.get(
                job.id, (False, False, False, False)
            )
            new = (job.planned_date_start, job.planned_date_end, job.tc_technician_id)
            if (old_start, old_end, old_tech) == new:
                continue
            was_scheduled = old_state in BUSY_STATES and old_start and old_tech
            if not was_scheduled:
                if job.tc_job_state == "scheduled":
                    newly_scheduled |= job
                continue
            history.append(
                {
                    "task_id": job.id,
                    "old_start": old_start,
                    "old_end": old_end,
                    "old_technician_id": old_tech.id,
                    "new_start": job.planned_date_start,
                    "new_end": job.planned_date_end,
                    "new_technician_id": job.tc_technician_id.id,
                    "user_id": self.env.uid,
                    "reason": reason or self.env._("No reason given"),
                }
            )
            if (old_start, old_end) != (job.planned_date_start, job.planned_date_end):
                rescheduled |= job
        if history:
            History.create(history)
        if rescheduled:
            rescheduled.sudo().write(
                {"tc_customer_confirmed": False, "tc_confirmed_at": False}
            )
            for job in rescheduled:
                job._tc_case_timeline(
                    self.env._(
                        "Appointment rescheduled to %(window)s (%(reason)s)",
                        window=job.tc_customer_window_label
                        or self.env._("a date to be agreed"),
                        reason=reason or self.env._("no reason given"),
                    )
                )
            rescheduled.filtered("planned_date_start")._tc_notify_customer(
                "tc_fieldops.mail_template_job_rescheduled"
            )
        newly_scheduled._tc_announce_scheduled()

    def _tc_book(self, technician, start, end, reason=None):
        """Schedule the job on ``technician`` for [start, end) (naive UTC), checked
        like any other write; ``reason`` goes to the reschedule history."""
        self.ensure_one()
        ctx = {"tc_reschedule_reason": reason} if reason else {}
        self.with_context(**ctx).write(
            {
                "tc_technician_id": technician.id,
                "planned_date_start": start,
                "planned_date_end": end,
            }
        )
        return True

    def action_tc_find_slots(self):
        self.ensure_one()
        self._tc_check_group("tc_fieldops.group_dispatcher")
        self.check_access("write")
        wizard = self.env["tc.fieldops.slot.finder"].create({"task_id": self.id})
        wizard.action_search()
        return wizard._tc_action()

    def action_tc_view_reschedules(self):
        self.ensure_one()
        self._tc_check_group("tc_fieldops.group_technician", "tc_care.group_agent")
        self.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reschedule history"),
            "res_model": "tc.fieldops.reschedule",
            "view_mode": "list,form",
            "domain": [("task_id", "=", self.id)],
            "context": {"create": False},
        }
