# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import logging
from collections import defaultdict
from datetime import timedelta
from urllib.parse import quote

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_datetime

from ..lib import slots as slot_lib

_logger = logging.getLogger(__name__)

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
MARKER_COLORS = {
    "to_schedule": "#9e9e9e",
    "scheduled": "#1f6fb5",
    "en_route": "#f39c12",
    "on_site": "#8e44ad",
    "done": "#27ae60",
    "cancelled": "#c0392b",
}
MARKER_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="42" '
    'viewBox="0 0 32 42"><path d="M16 1C7.7 1 1 7.7 1 16c0 10.5 15 25 15 25s15-14.5 '
    '15-25C31 7.7 24.3 1 16 1z" fill="{color}" stroke="#ffffff" stroke-width="2"/>'
    '<circle cx="16" cy="16" r="6" fill="#ffffff"/></svg>'
)
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
    # -- appointment ----------------------------------------------------------------
    tc_window_label = fields.Char("Window", compute="_compute_tc_window_label")
    tc_day_label = fields.Char("Day", compute="_compute_tc_window_label")
    tc_customer_window_label = fields.Char(
        "Appointment", compute="_compute_tc_customer_window_label", compute_sudo=True
    )
    tc_customer_confirmed = fields.Boolean(
        "Confirmed by the customer", copy=False, tracking=True
    )
    tc_confirmed_at = fields.Datetime("Confirmed on", copy=False, readonly=True)
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
    # -- field execution ------------------------------------------------------------
    tc_checklist_id = fields.Many2one(
        "tc.fieldops.checklist",
        "Checklist",
        compute="_compute_tc_checklist_id",
        store=True,
        readonly=False,
        domain="[('job_type', '=', tc_job_type)]",
    )
    tc_check_ids = fields.One2many(
        "tc.fieldops.job.check", "task_id", "Checklist items"
    )
    tc_check_summary = fields.Char(
        "Checklist progress", compute="_compute_tc_check_summary"
    )
    tc_signature_required = fields.Boolean(
        "Signature required", compute="_compute_tc_signature_required", store=True
    )
    tc_signature = fields.Image(
        "Customer signature", max_width=1024, max_height=1024, copy=False
    )
    tc_signed_by = fields.Char("Signed by", copy=False)
    tc_signed_on = fields.Datetime("Signed on", copy=False, readonly=True)
    tc_started_at = fields.Datetime("Started", copy=False, readonly=True)
    tc_checkin_at = fields.Datetime("Checked in", copy=False, readonly=True)
    tc_checkin_latitude = fields.Float(
        "Check-in latitude", digits=(10, 7), copy=False, readonly=True
    )
    tc_checkin_longitude = fields.Float(
        "Check-in longitude", digits=(10, 7), copy=False, readonly=True
    )
    tc_checkin_distance_m = fields.Float(
        "Check-in distance to site (m)",
        digits=(10, 0),
        copy=False,
        readonly=True,
    )
    tc_checkout_at = fields.Datetime("Checked out", copy=False, readonly=True)
    tc_checkout_latitude = fields.Float(
        "Check-out latitude", digits=(10, 7), copy=False, readonly=True
    )
    tc_checkout_longitude = fields.Float(
        "Check-out longitude", digits=(10, 7), copy=False, readonly=True
    )
    tc_equipment_move_ids = fields.One2many(
        "tc.fieldops.equipment.move", "task_id", "Equipment installed / removed"
    )
    tc_material_ids = fields.One2many(
        "tc.fieldops.material", "task_id", "Materials used"
    )
    tc_completion_notes = fields.Text("Completion notes", copy=False)
    # -- map (web_view_leaflet_map) ---------------------------------------------------
    tc_map_marker = fields.Binary(
        "Map marker", compute="_compute_tc_map_marker", attachment=False
    )
    tc_map_title = fields.Char("Map title", compute="_compute_tc_map_title")
    # web_view_leaflet_map always reads a field of this name (base_geolocalize's on
    # partners) and uses it to refresh marker images: the last change of the job.
    date_localization = fields.Datetime(
        "Marker version", compute="_compute_date_localization"
    )

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

    # ------------------------------------------------------------------------------
    # project_timeline overrides
    # ------------------------------------------------------------------------------
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

    # ------------------------------------------------------------------------------
    # computes
    # ------------------------------------------------------------------------------
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

    @api.depends("tc_job_type")
    def _compute_tc_checklist_id(self):
        checklists = self.env["tc.fieldops.checklist"]
        for task in self:
            if not task.tc_job_type:
                task.tc_checklist_id = False
            elif task.tc_checklist_id.job_type != task.tc_job_type:
                task.tc_checklist_id = checklists.search(
                    [("job_type", "=", task.tc_job_type)], limit=1
                )

    @api.depends("tc_check_ids.done", "tc_check_ids.required")
    def _compute_tc_check_summary(self):
        for task in self:
            checks = task.tc_check_ids
            task.tc_check_summary = (
                f"{len(checks.filtered('done'))}/{len(checks)}" if checks else False
            )

    @api.depends("tc_job_type", "tc_checklist_id.signature_required")
    def _compute_tc_signature_required(self):
        for task in self:
            task.tc_signature_required = (
                task.tc_job_type == "installation"
                or task.tc_checklist_id.signature_required
            )

    @api.depends("tc_job_state")
    def _compute_tc_map_marker(self):
        for task in self:
            color = MARKER_COLORS.get(task.tc_job_state, MARKER_COLORS["to_schedule"])
            task.tc_map_marker = base64.b64encode(
                MARKER_SVG.format(color=color).encode()
            )

    @api.depends("tc_window_label", "tc_job_type", "tc_customer_name")
    def _compute_tc_map_title(self):
        types = dict(self._fields["tc_job_type"]._description_selection(self.env))
        for task in self:
            parts = [
                task.tc_window_label,
                types.get(task.tc_job_type),
                task.tc_customer_name or task.name,
            ]
            task.tc_map_title = " · ".join(p for p in parts if p)

    @api.depends("write_date")
    def _compute_date_localization(self):
        for task in self:
            task.date_localization = task.write_date

    # ------------------------------------------------------------------------------
    # onchanges
    # ------------------------------------------------------------------------------
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

    @api.onchange("planned_date_start", "allocated_hours")
    def _onchange_tc_window_start(self):
        if self.tc_is_job and self.planned_date_start:
            if not self.planned_date_end or self.planned_date_end <= (
                self.planned_date_start
            ):
                self.planned_date_end = self.planned_date_start + timedelta(
                    hours=self.allocated_hours or DEFAULT_DURATION_HOURS
                )

    @api.onchange("tc_checklist_id")
    def _onchange_tc_checklist_id(self):
        checklist = self.tc_checklist_id
        if checklist and not self.allocated_hours and checklist.duration:
            self.allocated_hours = checklist.duration

    # ------------------------------------------------------------------------------
    # constraints
    # ------------------------------------------------------------------------------
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

    # ------------------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------------------
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
        if jobs:
            self._tc_check_write(jobs, vals)
        if "planned_date_start" in vals and "planned_date_end" not in vals and jobs:
            if not vals["planned_date_start"]:
                # unscheduling clears the whole window
                vals = dict(vals, planned_date_end=False)
        if (
            "planned_date_start" in vals
            and "planned_date_end" not in vals
            and vals["planned_date_start"]
            and len(self) > 1
            and jobs
        ):
            # keep each job's own duration when several are moved at once
            for task in self:
                task.write(dict(vals))
            return True
        if (
            "planned_date_start" in vals
            and "planned_date_end" not in vals
            and vals["planned_date_start"]
            and jobs
        ):
            start = fields.Datetime.to_datetime(vals["planned_date_start"])
            old = (
                self.planned_date_end
                and self.planned_date_start
                and (self.planned_date_end - self.planned_date_start)
            )
            vals = dict(
                vals,
                planned_date_end=start
                + (
                    old
                    or timedelta(hours=self.allocated_hours or DEFAULT_DURATION_HOURS)
                ),
            )
        schedule_change = bool(SCHEDULE_FIELDS & set(vals)) and jobs
        before = (
            {
                job.id: (
                    job.planned_date_start,
                    job.planned_date_end,
                    job.tc_technician_id,
                    job.tc_job_state,
                )
                for job in jobs
            }
            if schedule_change
            else {}
        )
        result = super().write(vals)
        if "tc_checklist_id" in vals:
            jobs._tc_apply_checklist()
        if "tc_signature" in vals:
            signed = jobs.filtered("tc_signature")
            if signed:
                super(ProjectTask, signed.sudo()).write(
                    {"tc_signed_on": fields.Datetime.now()}
                )
        if schedule_change:
            if {"tc_technician_id", "tc_helper_ids"} & set(vals):
                jobs._tc_sync_users()
            jobs._tc_sync_schedule_state()
            jobs.filtered(
                lambda j: j.tc_job_state in CHECKED_STATES
            )._tc_check_schedule()
            jobs._tc_after_schedule_change(before)
        return result

    # ------------------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------------------
    def _tc_sync_users(self):
        """Assignees = the technician's and helpers' users (Odoo's "my tasks",
        followers and assignment notifications)."""
        for job in self:
            people = (job.tc_technician_id | job.tc_helper_ids).sudo()
            users = people.user_id
            if users != job.user_ids:
                job.sudo().write({"user_ids": [(6, 0, users.ids)]})

    def _tc_apply_checklist(self):
        """Copy the checklist template to the job (items not done yet are replaced),
        and its duration and skills where the job has none."""
        Check = self.env["tc.fieldops.job.check"].sudo()
        for job in self:
            checklist = job.tc_checklist_id
            job.tc_check_ids.filtered(lambda c: not c.done).sudo().unlink()
            if not checklist:
                continue
            kept = set(job.tc_check_ids.mapped("name"))
            Check.create(
                [
                    {
                        "task_id": job.id,
                        "sequence": line.sequence,
                        "name": line.name,
                        "description": line.description,
                        "required": line.required,
                        "photo_required": line.photo_required,
                    }
                    for line in checklist.line_ids
                    if line.name not in kept
                ]
            )
            extra = {}
            if not job.allocated_hours and checklist.duration:
                extra["allocated_hours"] = checklist.duration
            if not job.tc_skill_req_ids and checklist.skill_req_ids:
                extra["tc_skill_req_ids"] = [
                    (0, 0, {"skill_id": r.skill_id.id, "level_id": r.level_id.id})
                    for r in checklist.skill_req_ids
                ]
            if extra:
                job.sudo().write(extra)

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

    # ------------------------------------------------------------------------------
    # scheduling: the planner shared by the slot finder and the checks
    # ------------------------------------------------------------------------------
    def _tc_requirements(self):
        """{hr.skill id: minimum level progress} the job requires."""
        self.ensure_one()
        requirements = {}
        for req in self.tc_skill_req_ids.sudo():
            progress = req.level_id.level_progress or 0
            requirements[req.skill_id.id] = max(
                requirements.get(req.skill_id.id, 0), progress
            )
        return requirements

    @api.model
    def _tc_skills_of(self, employee_ids):
        """{employee id: {skill id: level progress}} in one query."""
        skills = defaultdict(dict)
        if not employee_ids:
            return skills
        self.env["hr.employee.skill"].flush_model(
            ["employee_id", "skill_id", "skill_level_id"]
        )
        self.env["hr.skill.level"].flush_model(["level_progress"])
        self.env.cr.execute(
            """
            SELECT es.employee_id, es.skill_id, COALESCE(l.level_progress, 0)
              FROM hr_employee_skill es
              LEFT JOIN hr_skill_level l ON l.id = es.skill_level_id
             WHERE es.employee_id IN %s
            """,
            [tuple(employee_ids)],
        )
        for employee_id, skill_id, progress in self.env.cr.fetchall():
            skills[employee_id][skill_id] = progress
        return skills

    @api.model
    def _tc_bookings_of(self, employee_ids, start, end):
        """{employee id: [Booking]} of jobs occupying these technicians (as
        technician or helper) between ``start`` and ``end``. A job done early
        frees the rest of its window."""
        bookings = defaultdict(list)
        if not employee_ids:
            return bookings
        self.flush_model(
            [
                "tc_is_job",
                "tc_job_state",
                "tc_technician_id",
                "tc_helper_ids",
                "planned_date_start",
                "planned_date_end",
                "tc_checkout_at",
                "tc_location_id",
                "active",
            ]
        )
        self.env["res.partner"].flush_model(["tc_latitude", "tc_longitude"])
        query = """
            WITH jobs AS (
                SELECT t.id, t.tc_technician_id AS employee_id, t.planned_date_start,
                       t.planned_date_end, t.tc_job_state, t.tc_checkout_at,
                       t.tc_location_id
                  FROM project_task t
                 WHERE t.tc_is_job AND t.active
                   AND t.tc_job_state IN %(states)s
                   AND t.tc_technician_id IN %(employees)s
                   AND t.planned_date_start < %(end)s AND t.planned_date_end > %(start)s
                UNION ALL
                SELECT t.id, r.employee_id, t.planned_date_start, t.planned_date_end,
                       t.tc_job_state, t.tc_checkout_at, t.tc_location_id
                  FROM tc_fieldops_job_helper_rel r
                  JOIN project_task t ON t.id = r.task_id
                 WHERE t.tc_is_job AND t.active
                   AND t.tc_job_state IN %(states)s
                   AND r.employee_id IN %(employees)s
                   AND t.planned_date_start < %(end)s AND t.planned_date_end > %(start)s
            )
            SELECT j.id, j.employee_id, j.planned_date_start,
                   CASE WHEN j.tc_job_state = 'done' AND j.tc_checkout_at IS NOT NULL
                        THEN LEAST(j.planned_date_end,
                                   GREATEST(j.tc_checkout_at, j.planned_date_start))
                        ELSE j.planned_date_end END,
                   p.tc_latitude, p.tc_longitude
              FROM jobs j
              LEFT JOIN res_partner p ON p.id = j.tc_location_id
        """
        self.env.cr.execute(
            query,
            {
                "states": BUSY_STATES,
                "employees": tuple(employee_ids),
                "start": start,
                "end": end,
            },
        )
        for job_id, employee_id, b_start, b_end, lat, lon in self.env.cr.fetchall():
            bookings[employee_id].append(
                slot_lib.Booking(job_id, b_start, b_end, slot_lib.point(lat, lon))
            )
        return bookings

    @api.model
    def _tc_work_intervals(self, employees, start, end):
        """{employee id: [(start, end)]} working intervals (naive UTC) from each
        technician's calendar, leaves removed; one calendar computation per
        calendar for all its technicians."""
        result = {}
        utc_start = pytz.utc.localize(start)
        utc_end = pytz.utc.localize(end)
        by_calendar = defaultdict(lambda: self.env["hr.employee"].sudo())
        for employee in employees:
            calendar = (
                employee.resource_calendar_id
                or employee.company_id.resource_calendar_id
            )
            by_calendar[calendar] |= employee
        for calendar, group in by_calendar.items():
            if not calendar:
                for employee in group:
                    result[employee.id] = []
                continue
            intervals = calendar._work_intervals_batch(
                utc_start, utc_end, resources=group.resource_id
            )
            for employee in group:
                result[employee.id] = [
                    (
                        i_start.astimezone(pytz.utc).replace(tzinfo=None),
                        i_end.astimezone(pytz.utc).replace(tzinfo=None),
                    )
                    for i_start, i_end, _records in intervals[employee.resource_id.id]
                ]
        return result

    @api.model
    def _tc_planner(self, employees, start, end, skills=None):
        """{employee id: slots.Technician} for ``employees`` between ``start`` and
        ``end`` (naive UTC). Bookings are read a day wider on each side so that the
        daily capacity of the first and last local days is right."""
        employees = employees.sudo()
        if skills is None:
            skills = self._tc_skills_of(employees.ids)
        work = self._tc_work_intervals(employees, start, end)
        bookings = self._tc_bookings_of(
            employees.ids, start - timedelta(days=1), end + timedelta(days=1)
        )
        planner = {}
        for employee in employees:
            tz_name = (
                employee.tz
                or employee.resource_calendar_id.tz
                or employee.company_id.resource_calendar_id.tz
                or "UTC"
            )
            try:
                tz = pytz.timezone(tz_name)
            except pytz.UnknownTimeZoneError:
                tz = pytz.utc
            planner[employee.id] = slot_lib.Technician(
                id=employee.id,
                name=employee.name,
                tz=tz,
                home=slot_lib.point(
                    employee.tc_home_latitude, employee.tc_home_longitude
                ),
                capacity_hours=employee.tc_capacity_hours,
                capacity_jobs=employee.tc_capacity_jobs,
                work=work.get(employee.id, []),
                bookings=bookings.get(employee.id, []),
                skills=skills.get(employee.id, {}),
            )
        return planner

    def _tc_duration(self):
        self.ensure_one()
        if self.allocated_hours > 0:
            return timedelta(hours=self.allocated_hours)
        if self.planned_date_start and self.planned_date_end:
            return self.planned_date_end - self.planned_date_start
        return timedelta(hours=DEFAULT_DURATION_HOURS)

    def _tc_point(self):
        self.ensure_one()
        location = self.tc_location_id.sudo()
        return slot_lib.point(location.tc_latitude, location.tc_longitude)

    def _tc_find_slots(
        self, date_from=None, days=7, limit=10, technicians=None, step_minutes=15
    ):
        """Proposed appointments for this job, best first.

        Each proposal is a technician with the required skills (and levels) and free
        time in their working hours (no overlap with their other jobs, daily capacity
        respected) for the job's estimated duration, from ``date_from`` (never in the
        past) over ``days`` days; ordered by earliest start, then by the distance
        from where the technician comes from (the previous job that day, else their
        home base). At most one proposal per technician and day.

        :return: list of dicts ``technician`` (hr.employee), ``start``, ``end``
            (naive UTC), ``distance_km`` (float or None), ``from_job`` (project.task
            or empty: the home base)
        """
        self.ensure_one()
        now = fields.Datetime.now().replace(second=0, microsecond=0)
        start = max(fields.Datetime.to_datetime(date_from) if date_from else now, now)
        end = start + timedelta(days=days)
        Employee = self.env["hr.employee"].sudo()
        candidates = (
            technicians.sudo()
            if technicians
            else Employee.search(
                [
                    ("tc_is_technician", "=", True),
                    ("company_id", "in", [self.company_id.id or self.env.company.id]),
                ]
            )
        )
        requirements = self._tc_requirements()
        skills = self._tc_skills_of(candidates.ids)
        if requirements:
            # skills first: calendars are only computed for who can do the job
            candidates = candidates.filtered(
                lambda e: (
                    not slot_lib.missing_skills(requirements, skills.get(e.id, {}))
                )
            )
        if not candidates:
            return []
        helpers = self.tc_helper_ids.sudo()
        # a helper cannot be the technician of the same job
        candidates -= helpers
        if not candidates:
            return []
        planner = self._tc_planner(candidates | helpers, start, end, skills=skills)
        found = slot_lib.find_slots(
            [planner[employee.id] for employee in candidates],
            self._tc_duration(),
            start,
            end,
            requirements=requirements,
            job_point=self._tc_point(),
            step=timedelta(minutes=step_minutes),
            limit=None if helpers else limit,
            exclude_job_id=self.id,
        )
        if helpers:
            # the helpers come too: the window must suit them as well
            found = [
                slot
                for slot in found
                if not any(
                    slot_lib.window_problems(
                        planner[helper.id],
                        slot.start,
                        slot.end,
                        exclude_job_id=self.id,
                        check_skills=False,
                    )
                    for helper in helpers
                )
            ][:limit]
        return [
            {
                "technician": Employee.browse(slot.technician_id),
                "start": slot.start,
                "end": slot.end,
                "distance_km": slot.distance_km,
                "from_job": self.browse(slot.from_job_id or []),
            }
            for slot in found
        ]

    def _tc_schedule_problems(self):
        """{job: [message]} of what is wrong with each job's schedule: the same
        rules as the slot finder (skills, overlaps, working hours, capacity), for
        the technician and (except skills) the helpers."""
        result = {}
        jobs = self.filtered(
            lambda j: j.tc_technician_id and j.planned_date_start and j.planned_date_end
        )
        if not jobs:
            return result
        start = min(jobs.mapped("planned_date_start"))
        end = max(jobs.mapped("planned_date_end"))
        people = (jobs.tc_technician_id | jobs.tc_helper_ids).sudo()
        # Serialize bookings per technician: concurrent transactions booking the
        # same person conflict here (Odoo retries the later one, which then sees
        # the first booking) instead of both passing the check.
        self.env.cr.execute(
            "UPDATE hr_employee SET write_date = write_date WHERE id IN %s",
            [tuple(people.ids)],
        )
        planner = self._tc_planner(people, start, end)
        skill_names = {}
        level_names = {}
        for job in jobs:
            messages = []
            requirements = job._tc_requirements()
            for person in job.tc_technician_id | job.tc_helper_ids:
                is_main = person == job.tc_technician_id
                problems = slot_lib.window_problems(
                    planner[person.id],
                    job.planned_date_start,
                    job.planned_date_end,
                    requirements=requirements if is_main else None,
                    exclude_job_id=job.id,
                    check_skills=is_main,
                )
                for problem in problems:
                    messages.append(
                        job._tc_problem_message(
                            person.sudo(), problem, skill_names, level_names
                        )
                    )
            if messages:
                result[job] = messages
        return result

    def _tc_problem_message(self, person, problem, skill_names, level_names):
        env = self.env
        tz = person.tz or "UTC"

        def hhmm(value):
            return format_datetime(env, value, tz=tz, dt_format="EEE d MMM HH:mm")

        if problem.kind == "skill":
            skill_id, required, has = problem.data
            if skill_id not in skill_names:
                skill_names[skill_id] = env["hr.skill"].sudo().browse(skill_id).name
            has_text = "%s%%" % has if has is not None else env._("none")
            return env._(
                "%(person)s lacks the skill %(skill)s (level %(required)s%% required, "
                "has %(has)s)",
                person=person.name,
                skill=skill_names[skill_id],
                required=required,
                has=has_text,
            )
        if problem.kind == "overlap":
            job_id, start, end = problem.data
            other = self.sudo().browse(job_id)
            return env._(
                "%(person)s already has %(job)s from %(start)s to %(end)s",
                person=person.name,
                job=other.display_name,
                start=hhmm(start),
                end=format_datetime(env, end, tz=tz, dt_format="HH:mm"),
            )
        if problem.kind == "hours":
            return env._(
                "%(start)s – %(end)s is outside the working hours of %(person)s",
                person=person.name,
                start=hhmm(problem.data[0]),
                end=format_datetime(env, problem.data[1], tz=tz, dt_format="HH:mm"),
            )
        if problem.kind == "capacity_hours":
            day, booked, duration, capacity = problem.data
            total_text = "%g" % (booked + duration)
            booked_text = "%g" % booked
            capacity_text = "%g" % capacity
            return env._(
                "%(person)s would work %(total)s h on %(day)s (%(booked)s h already "
                "booked), above the daily capacity of %(capacity)s h",
                person=person.name,
                total=total_text,
                booked=booked_text,
                day=fields.Date.to_string(day),
                capacity=capacity_text,
            )
        if problem.kind == "capacity_jobs":
            day, jobs, capacity = problem.data
            return env._(
                "%(person)s already has %(jobs)s jobs on %(day)s (daily capacity "
                "%(capacity)s jobs)",
                person=person.name,
                jobs=jobs,
                day=fields.Date.to_string(day),
                capacity=capacity,
            )
        return problem.kind

    def _tc_check_schedule(self):
        """Refuse a schedule that breaks a rule (double booking, skills, working
        hours, capacity), with every reason in one message. Runs on every create and
        write that changes a job's window, technician or helpers: the form, the
        slot finder, the timeline board's drag and drop, imports."""
        problems = self._tc_schedule_problems()
        if not problems:
            return
        lines = []
        for job, messages in problems.items():
            lines.append(
                self.env._(
                    "%(job)s cannot be scheduled on %(window)s:",
                    job=job.display_name,
                    window=job._tc_format_window(
                        job.tc_technician_id.sudo().tz or "UTC"
                    ),
                )
            )
            lines.extend(f"- {message}" for message in messages)
        raise ValidationError("\n".join(lines))

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

    # ------------------------------------------------------------------------------
    # field execution
    # ------------------------------------------------------------------------------
    def _tc_gps_from_context(self):
        """(latitude, longitude) sent by the field views' buttons (the device's
        position), or None."""
        gps = self.env.context.get("tc_gps") or {}
        try:
            latitude = float(gps.get("latitude"))
            longitude = float(gps.get("longitude"))
        except (TypeError, ValueError, AttributeError):
            return None
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            return None
        return latitude, longitude

    @api.model
    def _tc_check_group(self, *groups):
        """Buttons are callable over RPC by anyone who reads the job: the role is
        checked here, not only by the view."""
        if self.env.su or any(self.env.user.has_group(g) for g in groups):
            return
        raise AccessError(
            self.env._("Your role does not allow this action on dispatch jobs.")
        )

    def _tc_check_field_access(self, states, action):
        self._tc_check_group("tc_fieldops.group_technician")
        for job in self:
            if not job.tc_is_job:
                raise UserError(
                    self.env._("%(task)s is not a dispatch job.", task=job.display_name)
                )
            if job.tc_job_state not in states:
                raise UserError(
                    self.env._(
                        "%(job)s is %(state)s: it cannot be %(action)s.",
                        job=job.display_name,
                        state=dict(JOB_STATES)[job.tc_job_state].lower(),
                        action=action,
                    )
                )
        self.check_access("write")

    def action_tc_start(self):
        """The technician sets off to the job."""
        self._tc_check_field_access(("scheduled",), self.env._("started"))
        self._tc_set_state("en_route", tc_started_at=fields.Datetime.now())
        for job in self:
            job.message_post(
                body=self.env._("%(who)s is on the way.", who=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def action_tc_check_in(self):
        """The technician arrives: time and position of the device."""
        self._tc_check_field_access(("scheduled", "en_route"), self.env._("checked in"))
        gps = self._tc_gps_from_context()
        now = fields.Datetime.now()
        for job in self:
            extra = {"tc_checkin_at": now}
            if not job.tc_started_at:
                extra["tc_started_at"] = now
            distance = None
            if gps:
                extra.update(tc_checkin_latitude=gps[0], tc_checkin_longitude=gps[1])
                distance = slot_lib.haversine_km(gps, job._tc_point())
                if distance is not None:
                    extra["tc_checkin_distance_m"] = distance * 1000
            job._tc_set_state("on_site", **extra)
            if distance is not None:
                body = self.env._(
                    "%(who)s checked in, %(meters)s m from the service location.",
                    who=self.env.user.name,
                    meters=round(distance * 1000),
                )
            elif gps:
                body = self.env._("%(who)s checked in.", who=self.env.user.name)
            else:
                body = self.env._(
                    "%(who)s checked in (no position from the device).",
                    who=self.env.user.name,
                )
            job.message_post(body=body, subtype_xmlid="mail.mt_note")
        return True

    def _tc_completion_problems(self):
        """What is missing to complete the job (empty: it can be completed)."""
        self.ensure_one()
        missing = []
        if self.tc_job_state != "on_site":
            missing.append(self.env._("check in at the service location first"))
        for check in self.tc_check_ids.sudo().sorted("sequence"):
            if check.required and not check.done:
                missing.append(
                    self.env._("checklist item not done: %(item)s", item=check.name)
                )
            if check.photo_required and not check.photo:
                missing.append(self.env._("photo missing: %(item)s", item=check.name))
        if self.tc_signature_required:
            if not self.tc_signature:
                missing.append(self.env._("customer signature"))
            if not self.tc_signed_by:
                missing.append(self.env._("name of the person who signed"))
        installed = self.tc_equipment_move_ids.sudo().filtered(
            lambda m: m.direction == "installed" and m.equipment_id
        )
        if installed and not self.tc_location_id:
            missing.append(self.env._("a service location for the equipment installed"))
        return missing

    def action_tc_complete(self):
        """Complete the job: every gate passed, check-out recorded, the case moves
        on."""
        self._tc_check_field_access(
            ("on_site", "en_route", "scheduled"), self.env._("completed")
        )
        errors = []
        for job in self:
            missing = job._tc_completion_problems()
            if missing:
                errors.append(
                    self.env._(
                        "%(job)s cannot be completed yet, missing:",
                        job=job.display_name,
                    )
                )
                errors.extend(f"- {item}" for item in missing)
        if errors:
            raise UserError("\n".join(errors))
        gps = self._tc_gps_from_context()
        now = fields.Datetime.now()
        for job in self:
            extra = {"tc_checkout_at": now}
            if gps:
                extra.update(tc_checkout_latitude=gps[0], tc_checkout_longitude=gps[1])
            job._tc_set_state("done", **extra)
            job._tc_apply_equipment_moves()
            job._tc_complete_case()
        return True

    def _tc_apply_equipment_moves(self):
        """The registry follows the finished job: each device recorded as installed
        is installed at the job's service location for its customer, each removed
        one is returned (tc.equipment tracks the move on its chatter and adds it to
        the timeline of its open cases). Serials the registry does not know are listed on
        the job for the dispatcher, with an activity."""
        self.ensure_one()
        # technicians record moves but cannot write the registry: the job does it
        moves = self.tc_equipment_move_ids.sudo()
        today = fields.Date.context_today(self)
        location = self.tc_location_id
        directions = dict(moves._fields["direction"]._description_selection(self.env))
        customer = (
            self.partner_id.commercial_partner_id or location.commercial_partner_id
        ).sudo()
        # a device installed for another customer is not this job's to move (a
        # mistyped or malicious serial): the dispatcher decides
        elsewhere = moves.filtered(
            lambda move: (
                move.equipment_id.state == "installed"
                and (
                    move.equipment_id.partner_id.commercial_partner_id
                    or move.equipment_id.location_id.commercial_partner_id
                )
                not in (customer, self.env["res.partner"])
            )
        )
        for move in moves.filtered("equipment_id") - elsewhere:
            if move.direction == "installed":
                vals = {
                    "state": "installed",
                    "location_id": location.id,
                    "partner_id": location.commercial_partner_id.id,
                    "install_date": today,
                }
            else:
                vals = {"state": "returned", "location_id": False}
            move.equipment_id.write(vals)
            move.equipment_id.message_post(
                body=self.env._(
                    "%(direction)s on job %(job)s by %(who)s.",
                    direction=directions[move.direction],
                    job=self.display_name,
                    who=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        unknown = moves.filtered(lambda move: not move.equipment_id)
        texts = []
        if unknown:
            texts.append(
                self.env._(
                    "Not in the equipment registry: %(devices)s. Add them to the "
                    "registry and link them on the job.",
                    devices=", ".join(
                        move.serial or move.mac or move.equipment_ref or "?"
                        for move in unknown
                    ),
                )
            )
        if elsewhere:
            texts.append(
                self.env._(
                    "Not moved, installed for another customer: %(devices)s. Check "
                    "the serial numbers and move them in the registry if right.",
                    devices=", ".join(elsewhere.equipment_id.mapped("name")),
                )
            )
        if texts:
            text = "\n".join(texts)
            job = self.sudo()
            job.message_post(body=text, subtype_xmlid="mail.mt_note")
            job.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.env._("Equipment not in the registry"),
                note=text,
                user_id=job._tc_dispatch_user().id,
            )

    def _tc_complete_case(self):
        """Tell the case: a message, a timeline entry that counts as progress, and
        the stage configured on the job type's checklist."""
        self.ensure_one()
        case = self.tc_case_id.sudo()
        if not case:
            return
        types = dict(self._fields["tc_job_type"]._description_selection(self.env))
        summary = self.env._(
            "%(type)s job %(job)s completed by %(who)s.",
            type=types.get(self.tc_job_type) or self.env._("Field"),
            job=self.display_name,
            who=self.env.user.name,
        )
        body = summary
        if self.tc_completion_notes:
            body = f"{summary}\n{self.tc_completion_notes}"
        case.message_post(
            body=body,
            subtype_xmlid="mail.mt_note",
            author_id=self.env.user.partner_id.id,
        )
        case._tc_timeline(
            "field_job", summary, progress=True, res_model=self._name, res_id=self.id
        )
        stage = self.tc_checklist_id.case_stage_id
        if stage and case.stage_id != stage and not case.stage_id.closed:
            case.stage_id = stage

    def action_tc_cancel(self):
        self._tc_check_group("tc_fieldops.group_dispatcher")
        self._tc_check_field_access(
            ("to_schedule", "scheduled", "en_route", "on_site"), self.env._("cancelled")
        )
        if self._tc_is_technician_only():
            raise AccessError(self.env._("Only dispatchers cancel jobs."))
        self._tc_set_state("cancelled")
        for job in self:
            job._tc_case_timeline(
                self.env._("Field job %(job)s cancelled", job=job.display_name)
            )
        return True

    def action_tc_reopen(self):
        self._tc_check_group("tc_fieldops.group_dispatcher")
        self._tc_check_field_access(("cancelled",), self.env._("reopened"))
        if self._tc_is_technician_only():
            raise AccessError(self.env._("Only dispatchers reopen jobs."))
        self._tc_set_state("to_schedule")
        self._tc_sync_schedule_state()
        self.filtered(lambda j: j.tc_job_state in CHECKED_STATES)._tc_check_schedule()
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

    # ------------------------------------------------------------------------------
    # portal
    # ------------------------------------------------------------------------------
    @api.model
    def _tc_portal_domain(self, partner):
        """Jobs of the customer ``partner`` (their commercial partner) as shown on
        the portal."""
        commercial = partner.commercial_partner_id
        return [
            ("tc_is_job", "=", True),
            "|",
            ("partner_id", "child_of", commercial.id),
            ("tc_location_id", "child_of", commercial.id),
        ]

    def _tc_portal_values(self):
        """Plain, customer-facing values of a job for its customer: nothing else
        leaves the server (not the job's internal name, dispatch notes, the
        technician's full name, or a case that is not the customer's own, such as
        an outage incident)."""
        self.ensure_one()
        job = self.sudo()
        states = dict(JOB_STATES)
        types = dict(job._fields["tc_job_type"]._description_selection(job.env))
        technician = job.tc_technician_id
        case = job.tc_case_id
        customer = (
            job.partner_id.commercial_partner_id
            or job.tc_location_id.commercial_partner_id
        )
        own_case = (
            case
            and not case.tc_is_incident
            and case.partner_id.commercial_partner_id == customer
        )
        return {
            "id": job.id,
            "type": types.get(job.tc_job_type, ""),
            "state": job.tc_job_state,
            "state_label": states.get(job.tc_job_state, ""),
            "window": job.tc_customer_window_label or "",
            "start": job.planned_date_start,
            "location": job.tc_location_id.name or job.tc_address or "",
            "address": job.tc_address or "",
            "technician": (technician.name or "").split(" ")[0] if technician else "",
            "confirmed": job.tc_customer_confirmed,
            "case": case.name if own_case else "",
            "can_change": job.tc_job_state in ("to_schedule", "scheduled"),
        }

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

    def _tc_request_reschedule(self, reason, preferred=None):
        """A customer asks for another time: an activity for dispatch and a note
        on the job. Called by the portal as superuser after its own checks."""
        self.ensure_one()
        job = self.sudo()
        partner = self.env.user.partner_id
        note = self.env._(
            "%(who)s asks to reschedule %(window)s. Reason: %(reason)s",
            who=partner.name,
            window=job.tc_customer_window_label or self.env._("(not scheduled)"),
            reason=reason or self.env._("none given"),
        )
        if preferred:
            note += "\n" + self.env._("Preferred: %(when)s", when=preferred)
        job.activity_schedule(
            "tc_fieldops.mail_activity_type_reschedule_request",
            summary=self.env._("Customer asks to reschedule"),
            note=note,
            user_id=job._tc_dispatch_user().id,
        )
        job.message_post(body=note, subtype_xmlid="mail.mt_note", author_id=partner.id)
        job._tc_case_timeline(
            self.env._("Customer asked to reschedule: %(reason)s", reason=reason or "-")
        )
        return True

    def _tc_confirm_by_customer(self):
        self.ensure_one()
        job = self.sudo()
        if not job.tc_customer_confirmed:
            job.write(
                {
                    "tc_customer_confirmed": True,
                    "tc_confirmed_at": fields.Datetime.now(),
                }
            )
            job.message_post(
                body=self.env._(
                    "The customer confirmed the appointment %(window)s.",
                    window=job.tc_customer_window_label,
                ),
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return True

    # ------------------------------------------------------------------------------
    # demo data support
    # ------------------------------------------------------------------------------
    @api.model
    def _tc_demo_schedule(self, plan):
        """Demo only: book each job on the slot finder's first proposal from
        ``days`` days after now (jobs with no proposal stay unscheduled)."""
        now = fields.Datetime.now()
        for xmlid, days in plan:
            job = self.env.ref(xmlid)
            slots = job._tc_find_slots(date_from=now + timedelta(days=days), limit=1)
            if slots:
                slot = slots[0]
                job._tc_book(slot["technician"], slot["start"], slot["end"])

    @api.model
    def _tc_demo_complete(self, xmlid):
        """Demo only: work a scheduled job through to the end (checklist, photos,
        signature, equipment), then move it a week back as if done last week."""
        job = self.env.ref(xmlid)
        if job.tc_job_state != "scheduled":
            return
        technician_user = job.tc_technician_id.user_id
        pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        job.tc_check_ids.write({"done": True})
        job.tc_check_ids.filtered("photo_required").write({"photo": pixel})
        job.write(
            {
                "tc_signature": pixel,
                "tc_signed_by": job.partner_id.name,
                "tc_completion_notes": self.env._(
                    "Mesh unit paired, 300 Mbit/s upstairs."
                ),
                "tc_equipment_move_ids": [
                    (
                        0,
                        0,
                        {
                            "direction": "installed",
                            "serial": "MESH-DEMO-0001",
                            "mac": "02:00:5e:10:00:01",
                        },
                    )
                ],
                "tc_material_ids": [
                    (0, 0, {"name": self.env._("Ethernet cable"), "quantity": 2})
                ],
            }
        )
        point = job._tc_point() or (0.0, 0.0)
        job = job.with_user(technician_user or self.env.user).with_context(
            tc_gps={"latitude": point[0], "longitude": point[1]}
        )
        job.action_tc_check_in()
        job.action_tc_complete()
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE project_task
               SET planned_date_start = planned_date_start - interval '7 days',
                   planned_date_end = planned_date_end - interval '7 days',
                   tc_checkin_at = planned_date_start - interval '7 days',
                   tc_checkout_at = planned_date_end - interval '7 days',
                   tc_started_at = planned_date_start - interval '7 days'
             WHERE id = %s
            """,
            [job.id],
        )
        self.env.invalidate_all()

    # -- remote fix before the truck (tc_network) -------------------------------------
    def _tc_job_equipment(self):
        self.ensure_one()
        equipment = self.tc_case_id.tc_equipment_id or self.env[
            "tc.equipment"
        ]._tc_installed_at(self.tc_location_id)
        if not equipment:
            raise UserError(
                self.env._(
                    "Job %(job)s has no case equipment and no ONT or router is "
                    "installed at its location.",
                    job=self.display_name,
                )
            )
        return equipment

    def action_tc_run_diagnostics(self):
        """Read the customer's device now (SNMP), from the job."""
        self.ensure_one()
        self._tc_check_group("tc_fieldops.group_dispatcher")
        self.check_access("read")
        return self._tc_job_equipment()._tc_run_diagnostics(
            ticket=self.tc_case_id or None
        )

    def action_tc_remote_reboot(self):
        """Try a remote reboot (TR-069) before sending someone."""
        self.ensure_one()
        self._tc_check_group("tc_fieldops.group_dispatcher")
        self.check_access("read")
        return self.env["tc.network.action"]._tc_tr069(
            self._tc_job_equipment(), "reboot", ticket=self.tc_case_id or None
        )
