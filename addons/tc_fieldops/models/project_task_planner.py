# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rules a job's schedule meets (skills and levels, no overlap, working hours,
daily capacity) and the slot finder that proposes appointments meeting them: the
planner built from the technicians' data (``hr_employee_planning``) and the pure
search in ``lib/slots``."""

from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_datetime

from ..lib import slots as slot_lib
from .project_task import DEFAULT_DURATION_HOURS


class ProjectTask(models.Model):
    _inherit = "project.task"

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
    def _tc_planner(self, employees, start, end, skills=None):
        """{employee id: slots.Technician} for ``employees`` between ``start`` and
        ``end`` (naive UTC). Bookings are read a day wider on each side so that the
        daily capacity of the first and last local days is right."""
        employees = employees.sudo()
        if skills is None:
            skills = employees._tc_skills_of()
        work = employees._tc_work_intervals(start, end)
        bookings = employees._tc_bookings_of(
            start - timedelta(days=1), end + timedelta(days=1)
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
        skills = candidates._tc_skills_of()
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
