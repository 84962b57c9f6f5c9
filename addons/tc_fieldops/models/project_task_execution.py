# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A dispatch job worked in the field: the checklist copied from its template, the
signature, the field buttons (start, check in, complete, cancel, reopen) with the
device's position, the completion gates, and the case told when the job is done."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import slots as slot_lib
from .project_task import CHECKED_STATES, JOB_STATES


class ProjectTask(models.Model):
    _inherit = "project.task"

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

    tc_material_ids = fields.One2many(
        "tc.fieldops.material", "task_id", "Materials used"
    )
    tc_completion_notes = fields.Text("Completion notes", copy=False)

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

    @api.onchange("tc_checklist_id")
    def _onchange_tc_checklist_id(self):
        checklist = self.tc_checklist_id
        if checklist and not self.allocated_hours and checklist.duration:
            self.allocated_hours = checklist.duration

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
