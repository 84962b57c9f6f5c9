# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the planner needs to know about technicians, read in bulk: their skill
levels, the jobs that already occupy them and their working intervals. The planner
itself (``project_task_planner``) turns these into ``lib/slots`` technicians."""

from collections import defaultdict

import pytz

from odoo import models

from ..lib import slots as slot_lib
from .project_task import BUSY_STATES


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    def _tc_skills_of(self):
        """{employee id: {skill id: level progress}} of these employees, in one
        query."""
        skills = defaultdict(dict)
        if not self:
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
            [tuple(self.ids)],
        )
        for employee_id, skill_id, progress in self.env.cr.fetchall():
            skills[employee_id][skill_id] = progress
        return skills

    def _tc_bookings_of(self, start, end):
        """{employee id: [Booking]} of jobs occupying these technicians (as
        technician or helper) between ``start`` and ``end``. A job done early
        frees the rest of its window."""
        bookings = defaultdict(list)
        if not self:
            return bookings
        self.env["project.task"].flush_model(
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
                "employees": tuple(self.ids),
                "start": start,
                "end": end,
            },
        )
        for job_id, employee_id, b_start, b_end, lat, lon in self.env.cr.fetchall():
            bookings[employee_id].append(
                slot_lib.Booking(job_id, b_start, b_end, slot_lib.point(lat, lon))
            )
        return bookings

    def _tc_work_intervals(self, start, end):
        """{employee id: [(start, end)]} working intervals (naive UTC) from each
        technician's calendar, leaves removed; one calendar computation per
        calendar for all its technicians."""
        result = {}
        utc_start = pytz.utc.localize(start)
        utc_end = pytz.utc.localize(end)
        by_calendar = defaultdict(lambda: self.env["hr.employee"].sudo())
        for employee in self:
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
