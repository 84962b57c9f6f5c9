# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The dispatch job's core: what a job is (type, status, case, where), its create /
write and who may change what on it, the status moves and the link to its case.

A job's other concerns live beside this file, one file each on the same model:
``project_task_schedule`` (appointment window, assignees, reschedules),
``project_task_planner`` (the rules a schedule meets, the slot finder),
``project_task_execution`` (the work in the field), ``project_task_equipment`` (the
registry after a job), ``project_task_remote_fix`` (a remote fix before the truck),
``project_task_map`` (map markers) and ``project_task_portal`` (the customer's side).
"""

from datetime import timedelta
from urllib.parse import quote

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

JOB_TYPES = [
    ("installation", "Installation"),
    ("repair", "Repair"),
    ("relocation", "Relocation"),
    ("removal", "Removal"),
    ("survey", "Survey"),
]
JOB_STATES = [
    ("to_schedule", "To schedule"),
    ("scheduled", "Scheduled"),
    ("en_route", "On the way"),
    ("on_site", "On site"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
]
# the schedule of a job in these states is checked (skills, overlaps, hours, capacity)
CHECKED_STATES = ("scheduled", "en_route")
# states whose window occupies the technician
BUSY_STATES = ("scheduled", "en_route", "on_site", "done")
SCHEDULE_FIELDS = {
    "planned_date_start",
    "planned_date_end",
    "tc_technician_id",
    "tc_helper_ids",
}
# what a technician (not a dispatcher) may change on their own job: the execution
TECHNICIAN_WRITABLE_FIELDS = {
    "tc_check_ids",
    "tc_signature",
    "tc_signed_by",
    "tc_completion_notes",
    "tc_equipment_move_ids",
    "tc_material_ids",
}
# written by the field buttons and the portal only (server side, as superuser): the
# record of when and where the work was done, never typed in
JOB_SYSTEM_FIELDS = {
    "tc_started_at",
    "tc_checkin_at",
    "tc_checkin_latitude",
    "tc_checkin_longitude",
    "tc_checkin_distance_m",
    "tc_checkout_at",
    "tc_checkout_latitude",
    "tc_checkout_longitude",
    "tc_signed_on",
    "tc_confirmed_at",
}
DEFAULT_DURATION_HOURS = 1.0


class ProjectTask(models.Model):
    """A dispatch job is a task of a field-operation project.

    The appointment window is project_timeline's ``planned_date_start`` /
    ``planned_date_end`` (what its timeline board draws and writes on a drag); the
    estimated duration is the task's ``allocated_hours``; the assignees
    (``user_ids``) follow the technician and helpers, so Odoo's own "my tasks",
    followers and notifications keep working.
    """

    _inherit = "project.task"

    tc_is_job = fields.Boolean(
        "Dispatch job",
        related="project_id.tc_is_field_ops",
        store=True,
        index=True,
    )
    tc_job_type = fields.Selection(JOB_TYPES, "Job type", tracking=True)
    tc_job_state = fields.Selection(
        JOB_STATES,
        "Job status",
        default="to_schedule",
        copy=False,
        index=True,
        tracking=True,
    )
    # -- the case and where -----------------------------------------------------
    # Our own link rather than helpdesk_mgmt_project's ``helpdesk.ticket.task_id``:
    # that one is a single task per ticket (a survey then an installation would
    # overwrite each other). We keep OCA's link pointing at the latest job (see
    # ``_tc_link_case``) so its buttons and searches still work.
    tc_case_id = fields.Many2one(
        "helpdesk.ticket",
        "Case",
        index="btree_not_null",
        tracking=True,
        ondelete="set null",
    )
    tc_case_name = fields.Char(
        "Case reference",
        compute="_compute_tc_case_name",
        compute_sudo=True,
        help="The case as shown to users who cannot open it (technicians).",
    )
    tc_location_id = fields.Many2one(
        "res.partner",
        "Service location",
        index="btree_not_null",
        domain="[('type', '=', 'service_location')]",
        tracking=True,
    )
    tc_latitude = fields.Float(related="tc_location_id.tc_latitude", string="Latitude")
    tc_longitude = fields.Float(
        related="tc_location_id.tc_longitude", string="Longitude"
    )
    tc_access_notes = fields.Text(
        related="tc_location_id.tc_access_notes", string="Access notes"
    )
    tc_address = fields.Char(
        "Address", compute="_compute_tc_contact", compute_sudo=True
    )
    tc_customer_name = fields.Char(
        "Customer name", compute="_compute_tc_contact", compute_sudo=True
    )
    tc_contact_phone = fields.Char(
        "Phone", compute="_compute_tc_contact", compute_sudo=True
    )
    tc_navigate_url = fields.Char("Navigate", compute="_compute_tc_navigation")
    tc_geo_url = fields.Char("Open in maps app", compute="_compute_tc_navigation")

    @api.depends("tc_case_id")
    def _compute_tc_case_name(self):
        for task in self:
            case = task.tc_case_id
            task.tc_case_name = (
                (f"{case.number} – {case.name}" if case.number else case.name)
                if case
                else False
            )

    @api.depends(
        "tc_location_id",
        "partner_id",
        "tc_location_id.phone",
        "tc_location_id.mobile",
        "partner_id.phone",
        "partner_id.mobile",
    )
    def _compute_tc_contact(self):
        for task in self:
            location = task.tc_location_id
            customer = task.partner_id or location.parent_id
            parts = [location.street, location.street2, location.zip, location.city]
            task.tc_address = ", ".join(p for p in parts if p) or False
            task.tc_customer_name = (
                customer.commercial_partner_id.name if customer else False
            )
            task.tc_contact_phone = (
                location.mobile
                or location.phone
                or customer.mobile
                or customer.phone
                or customer.commercial_partner_id.mobile
                or customer.commercial_partner_id.phone
                or False
            )

    @api.depends("tc_latitude", "tc_longitude", "tc_address")
    def _compute_tc_navigation(self):
        for task in self:
            if task.tc_latitude or task.tc_longitude:
                where = f"{task.tc_latitude:.6f},{task.tc_longitude:.6f}"
                task.tc_navigate_url = (
                    f"https://www.google.com/maps/dir/?api=1&destination={where}"
                )
                task.tc_geo_url = f"geo:{where}?q={where}"
            elif task.tc_address:
                task.tc_navigate_url = (
                    "https://www.google.com/maps/dir/?api=1&destination="
                    + quote(task.tc_address)
                )
                task.tc_geo_url = "geo:0,0?q=" + quote(task.tc_address)
            else:
                task.tc_navigate_url = task.tc_geo_url = False

    @api.onchange("tc_case_id")
    def _onchange_tc_case_id(self):
        case = self.tc_case_id.sudo()
        if case:
            self.partner_id = self.partner_id or case.partner_id
            self.tc_location_id = self.tc_location_id or case.tc_location_id

    @api.onchange("tc_location_id")
    def _onchange_tc_location_id(self):
        if self.tc_location_id and not self.partner_id:
            self.partner_id = self.tc_location_id.parent_id

    def _tc_jobs(self):
        """The dispatch jobs among ``self``. Read as superuser: portal users of
        shared projects write tasks too, and may not read our fields."""
        return self.browse(self.sudo().filtered("tc_is_job").ids)

    @api.model
    def _tc_is_technician_only(self):
        user = self.env.user
        return (
            not self.env.su
            and user.has_group("tc_fieldops.group_technician")
            and not user.has_group("tc_fieldops.group_dispatcher")
        )

    @api.model
    def _tc_prepare_create_vals(self, vals):
        project = self.env["project.project"].browse(
            vals.get("project_id") or self.env.context.get("default_project_id")
        )
        if not project.sudo().tc_is_field_ops:
            return vals
        case = self.env["helpdesk.ticket"].sudo().browse(vals.get("tc_case_id"))
        if case:
            vals.setdefault("partner_id", case.partner_id.id)
            vals.setdefault("tc_location_id", case.tc_location_id.id)
        if vals.get("tc_location_id") and not vals.get("partner_id"):
            location = self.env["res.partner"].sudo().browse(vals["tc_location_id"])
            vals["partner_id"] = location.parent_id.id
        if vals.get("planned_date_start") and not vals.get("planned_date_end"):
            start = fields.Datetime.to_datetime(vals["planned_date_start"])
            vals["planned_date_end"] = start + timedelta(
                hours=vals.get("allocated_hours") or DEFAULT_DURATION_HOURS
            )
        # the assignees of a job are its technician and helpers (``_tc_sync_users``),
        # not Odoo's default "the user who creates the task"
        if "user_ids" not in vals:
            vals["user_ids"] = False
        vals.setdefault("tc_job_state", "to_schedule")
        if vals["tc_job_state"] in ("to_schedule", "scheduled"):
            vals["tc_job_state"] = (
                "scheduled"
                if vals.get("tc_technician_id") and vals.get("planned_date_start")
                else "to_schedule"
            )
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [self._tc_prepare_create_vals(dict(vals)) for vals in vals_list]
        tasks = super().create(vals_list)
        jobs = tasks._tc_jobs()
        if not jobs:
            return tasks
        jobs.filtered(
            lambda j: j.tc_checklist_id and not j.tc_check_ids
        )._tc_apply_checklist()
        jobs.filtered(lambda j: j.tc_technician_id or j.tc_helper_ids)._tc_sync_users()
        scheduled = jobs.filtered(lambda j: j.tc_job_state == "scheduled")
        scheduled._tc_check_schedule()
        jobs.filtered("tc_case_id")._tc_link_case()
        scheduled._tc_announce_scheduled()
        return tasks

    def _tc_check_write(self, jobs, vals):
        """Who may change what on dispatch jobs ``jobs`` (checked on every write,
        whatever the path): the server records times and positions, technicians
        record the work on their open jobs, the status moves with the buttons."""
        if not self.env.su and JOB_SYSTEM_FIELDS & set(vals):
            raise AccessError(
                self.env._(
                    "When and where a job was worked is recorded by its buttons: "
                    "%(fields)s cannot be changed.",
                    fields=", ".join(
                        self._fields[f].string
                        for f in sorted(JOB_SYSTEM_FIELDS & set(vals))
                    ),
                )
            )
        if self._tc_is_technician_only():
            closed = jobs.filtered(lambda j: j.tc_job_state in ("done", "cancelled"))
            if closed:
                raise AccessError(
                    self.env._(
                        "%(job)s is closed: ask a dispatcher to correct it.",
                        job=closed[0].display_name,
                    )
                )
            forbidden = set(vals) - TECHNICIAN_WRITABLE_FIELDS
            if forbidden:
                raise AccessError(
                    self.env._(
                        "Technicians can only record the work on their jobs "
                        "(checklist, photos, signature, equipment, materials, "
                        "notes), not change: %(fields)s.",
                        fields=", ".join(
                            self._fields[f].string
                            for f in sorted(forbidden)
                            if f in self._fields
                        ),
                    )
                )
        if not self.env.su:
            # the job status moves with the field buttons, whose checks (completion
            # gates, case update) a direct write would skip
            if "tc_job_state" in vals or vals.get("state") in ("1_done", "1_canceled"):
                raise UserError(
                    self.env._(
                        "The status of a dispatch job changes with its buttons "
                        "(Start, Check in, Complete, Cancel job)."
                    )
                )

    def write(self, vals):
        jobs = self._tc_jobs()
        if not jobs:
            return super().write(vals)
        self._tc_check_write(jobs, vals)
        if self._tc_moves_several_windows(vals):
            # keep each job's own duration when several are moved at once
            for task in self:
                task.write(dict(vals))
            return True
        vals = self._tc_window_end_vals(vals)
        schedule_change = bool(SCHEDULE_FIELDS & set(vals))
        before = jobs._tc_schedule_snapshot() if schedule_change else {}
        result = super().write(vals)
        if "tc_checklist_id" in vals:
            jobs._tc_apply_checklist()
        if "tc_signature" in vals:
            # when the customer signed: stamped by the server on the signed jobs
            signed = jobs.filtered("tc_signature")
            if signed:
                super(ProjectTask, signed.sudo()).write(
                    {"tc_signed_on": fields.Datetime.now()}
                )
        if schedule_change:
            jobs._tc_after_schedule_write(vals, before)
        return result

    def _tc_job_state_vals(self, state):
        """Values moving a job to ``state``: Odoo's task state follows (done and
        cancelled close the task) and so does the stage mapped to the status."""
        self.ensure_one()
        vals = {"tc_job_state": state}
        if state == "done":
            vals["state"] = "1_done"
        elif state == "cancelled":
            vals["state"] = "1_canceled"
        elif self.state in ("1_done", "1_canceled"):
            vals["state"] = "01_in_progress"
        stage = self.project_id.type_ids.filtered(lambda s: s.tc_job_state == state)[:1]
        if stage and stage != self.stage_id:
            vals["stage_id"] = stage.id
        return vals

    def _tc_set_state(self, state, **extra):
        for job in self:
            job.sudo().write(dict(job._tc_job_state_vals(state), **extra))

    def _tc_link_case(self):
        """Keep helpdesk_mgmt_project's ticket → project/task link on the case's
        latest job."""
        for job in self:
            case = job.tc_case_id.sudo()
            if case and case.task_id != job:
                case.write({"project_id": job.project_id.id, "task_id": job.id})

    def _tc_case_timeline(self, name, progress=False):
        for job in self.filtered("tc_case_id"):
            job.tc_case_id._tc_timeline(
                "field_job",
                name,
                progress=progress,
                res_model=self._name,
                res_id=job.id,
            )

    def _tc_notify_customer(self, template_xmlid):
        """Post the template on the job to its customer (they receive it by email;
        the message stays in the job's chatter)."""
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template:
            return
        for job in self.filtered("partner_id"):
            job.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )

    @api.model
    def _tc_check_group(self, *groups):
        """Buttons are callable over RPC by anyone who reads the job: the role is
        checked here, not only by the view."""
        if self.env.su or any(self.env.user.has_group(g) for g in groups):
            return
        raise AccessError(
            self.env._("Your role does not allow this action on dispatch jobs.")
        )

    def _tc_dispatch_user(self):
        self.ensure_one()
        project = self.project_id.sudo()
        user = project.tc_dispatch_user_id or project.user_id
        if not user:
            user = (
                self.env.ref("tc_fieldops.group_dispatcher")
                .sudo()
                .users.filtered(lambda u: not u.share and u.active)[:1]
            )
        return user or self.env.ref("base.user_admin")
