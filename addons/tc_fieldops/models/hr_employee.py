# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

# What a dispatcher (who is not an HR officer) may change on a technician: the
# dispatch profile, never the HR record (name, contract, private data...).
TECHNICIAN_PROFILE_FIELDS = {
    "tc_is_technician",
    "tc_home_latitude",
    "tc_home_longitude",
    "tc_capacity_hours",
    "tc_capacity_jobs",
    "color",
    "resource_calendar_id",
    "employee_skill_ids",
}
PROFILE_GROUPS = "hr.group_hr_user,tc_fieldops.group_dispatcher"


class HrEmployee(models.Model):
    """A technician is an employee linked to a user of the Technician group.

    Skills and levels are Odoo's own (``hr_skills``: ``employee_skill_ids`` with a
    level whose ``level_progress`` is compared to what a job requires), the working
    hours are the employee's ``resource_calendar_id`` (leaves included), and the
    colour is the employee's ``color``. We only add what dispatching needs."""

    _inherit = "hr.employee"

    # not on hr.employee.public: visible to HR officers and dispatchers only
    tc_is_technician = fields.Boolean(
        "Field technician",
        index=True,
        groups=PROFILE_GROUPS,
        help="Dispatch jobs can be assigned to this employee.",
    )
    tc_home_latitude = fields.Float(
        "Home base latitude", digits=(10, 7), groups=PROFILE_GROUPS
    )
    tc_home_longitude = fields.Float(
        "Home base longitude", digits=(10, 7), groups=PROFILE_GROUPS
    )
    tc_capacity_hours = fields.Float(
        "Daily capacity (hours)",
        default=8.0,
        groups=PROFILE_GROUPS,
        help="Hours of jobs the technician can take per day (0: only the working "
        "hours limit).",
    )
    tc_capacity_jobs = fields.Integer(
        "Daily capacity (jobs)",
        groups=PROFILE_GROUPS,
        help="Jobs the technician can take per day (0: no limit).",
    )
    tc_job_ids = fields.One2many(
        "project.task", "tc_technician_id", "Dispatch jobs", groups=PROFILE_GROUPS
    )

    @api.constrains("tc_home_latitude", "tc_home_longitude")
    def _check_tc_home_base(self):
        for employee in self:
            if not -90 <= employee.tc_home_latitude <= 90 or not (
                -180 <= employee.tc_home_longitude <= 180
            ):
                raise ValidationError(
                    self.env._(
                        "The home base of %(name)s is not a valid GPS position.",
                        name=employee.name,
                    )
                )

    @api.constrains("tc_is_technician", "user_id")
    def _check_tc_technician_user(self):
        group = self.env.ref("tc_fieldops.group_technician")
        for employee in self.filtered("tc_is_technician"):
            if not employee.user_id or group not in employee.user_id.groups_id:
                raise ValidationError(
                    self.env._(
                        "%(name)s needs a user in the Technician group to be a field "
                        "technician.",
                        name=employee.name,
                    )
                )

    @api.constrains("tc_capacity_hours", "tc_capacity_jobs")
    def _check_tc_capacity(self):
        for employee in self:
            if employee.tc_capacity_hours < 0 or employee.tc_capacity_jobs < 0:
                raise ValidationError(
                    self.env._("A daily capacity cannot be negative.")
                )

    def write(self, vals):
        # Dispatchers maintain technicians' dispatch profiles (skills, calendar,
        # capacity, home base) without being HR officers. Their access right on
        # hr.employee is limited by record rules to technicians (managers: any
        # employee, to make one a technician) and here to the profile fields; the
        # write itself runs as superuser because hr_skills lets a non-HR user create
        # skill lines and their log for their own employee only.
        user = self.env.user
        if (
            self.env.su
            or user.has_group("hr.group_hr_user")
            or not user.has_group("tc_fieldops.group_dispatcher")
        ):
            return super().write(vals)
        forbidden = set(vals) - TECHNICIAN_PROFILE_FIELDS
        if forbidden:
            raise AccessError(
                self.env._(
                    "Dispatchers can only change the dispatch profile of a "
                    "technician, not: %(fields)s.",
                    fields=", ".join(sorted(forbidden)),
                )
            )
        self.check_access("write")
        return super(HrEmployee, self.sudo()).write(vals)
