# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.tests import tagged

from .common import TcFieldopsCase, dt, make_calendar


def proposals(slots):
    return [(s["technician"].name, s["start"]) for s in slots]


@tagged("post_install", "-at_install")
class TestSlotFinder(TcFieldopsCase):
    """The slot finder proposes, for a job, technicians who have the skills and the
    free working time, earliest first, then nearest."""

    def _find(self, job, now="Mon 06:00", **kw):
        with freeze_time(dt(now)):
            return job.with_user(self.dispatcher)._tc_find_slots(**kw)

    def _technicians(self, found):
        return self.env["hr.employee"].browse([s["technician"].id for s in found])

    def test_skills_and_levels(self):
        job = self._job(
            "Splice the drop cable",
            tc_skill_req_ids=[
                (
                    0,
                    0,
                    {"skill_id": self.skill_fibre.id, "level_id": self.level_senior.id},
                )
            ],
        )
        found = self._find(job)
        self.assertEqual(
            self._technicians(found),
            self.emp_b | self.emp_c,
            "Alice is only Qualified in fibre splicing; Bruno (Senior) and Carla "
            "(Expert) qualify",
        )
        # any level of a skill nobody but Carla has
        job.tc_skill_req_ids = [(5, 0, 0), (0, 0, {"skill_id": self.skill_wifi.id})]
        self.assertEqual(self._technicians(self._find(job)), self.emp_c)

    def test_earliest_time_then_distance(self):
        job = self._job("Repair at Ana's")  # Porto; Alice lives in Porto, Bruno in Gaia
        found = self._find(job, limit=6)
        self.assertEqual(
            proposals(found)[:3],
            [
                ("Alice Alpha", dt("Mon 08:00")),
                ("Bruno Bravo", dt("Mon 08:00")),
                ("Carla Charlie", dt("Mon 08:00")),
            ],
        )
        distances = [s["distance_km"] for s in found[:3]]
        self.assertEqual(distances, sorted(distances))
        self.assertLess(distances[0], 0.1)
        self.assertGreater(distances[2], 40)
        # ties on time are broken by distance from the previous job of the day:
        # Carla (Braga) has a job at Ana's until 09:00... she is now the nearest at
        # 09:00, but later than the others' 08:00
        self._job("Earlier job at Ana's", "Mon 08:00", "Mon 09:00", self.emp_c)
        found = self._find(job, limit=3)
        self.assertEqual(
            proposals(found),
            [
                ("Alice Alpha", dt("Mon 08:00")),
                ("Bruno Bravo", dt("Mon 08:00")),
                ("Carla Charlie", dt("Mon 09:00")),
            ],
        )
        self.assertLess(found[2]["distance_km"], 0.1)
        self.assertEqual(found[2]["from_job"].name, "Earlier job at Ana's")

    def test_overlaps_are_skipped(self):
        self._job("Morning job", "Mon 08:00", "Mon 10:30", self.emp_a)
        job = self._job("Short repair", allocated_hours=1.0)
        found = self._find(job, technicians=self.emp_a)
        self.assertEqual(found[0]["start"], dt("Mon 10:30"))
        self.assertEqual(found[0]["end"], dt("Mon 11:30"))

    def test_working_hours_and_lunch(self):
        self._job("Morning job", "Mon 08:00", "Mon 10:30", self.emp_a)
        job = self._job("Long repair", allocated_hours=3.0)
        found = self._find(job, technicians=self.emp_a)
        # 10:30 + 3 h would cross lunch (12-13): the afternoon is the first fit
        self.assertEqual(found[0]["start"], dt("Mon 13:00"))
        self.assertEqual(found[0]["end"], dt("Mon 16:00"))
        for slot in found:
            self.assertLess(slot["start"].weekday(), 5, "no weekend slot")
        # asked on Friday afternoon: next is Monday 8:00 a week later
        found = self._find(job, now="Fri 15:00", technicians=self.emp_a)
        self.assertEqual(found[0]["start"], dt("2030-01-14 08:00"))

    def test_leave_removes_the_day(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Alice off",
                "resource_id": self.emp_a.resource_id.id,
                "calendar_id": self.tech_calendar.id,
                "date_from": dt("Mon 00:00"),
                "date_to": dt("Mon 23:59"),
            }
        )
        found = self._find(self._job("Repair"), technicians=self.emp_a)
        self.assertEqual(found[0]["start"], dt("Tue 08:00"))

    def test_capacity_hours_and_jobs(self):
        self.emp_a.tc_capacity_hours = 5.0
        self._job("Morning job", "Mon 08:00", "Mon 12:00", self.emp_a)
        job = self._job("Repair")  # 2 h: 4 + 2 > 5 on Monday
        found = self._find(job, technicians=self.emp_a)
        self.assertEqual(found[0]["start"], dt("Tue 08:00"))
        self.emp_b.write({"tc_capacity_hours": 0.0, "tc_capacity_jobs": 1})
        self._job("Bruno's only job", "Mon 15:00", "Mon 16:00", self.emp_b)
        found = self._find(job, technicians=self.emp_b)
        self.assertEqual(found[0]["start"], dt("Tue 08:00"))

    def test_helper_time_is_busy(self):
        self._job(
            "Big install",
            "Mon 08:00",
            "Mon 12:00",
            self.emp_b,
            tc_helper_ids=[(6, 0, self.emp_a.ids)],
        )
        found = self._find(self._job("Repair"), technicians=self.emp_a)
        self.assertEqual(found[0]["start"], dt("Mon 13:00"))

    def test_never_in_the_past_and_bookable(self):
        job = self._job("Repair")
        found = self._find(job, now="Mon 09:07", technicians=self.emp_a)
        self.assertEqual(found[0]["start"], dt("Mon 09:15"), "quarter-hour grid")
        slot = found[0]
        job.with_user(self.dispatcher)._tc_book(
            slot["technician"], slot["start"], slot["end"]
        )
        self.assertEqual(job.tc_job_state, "scheduled")
        self.assertEqual(job.user_ids, self.tech_a)

    def test_technician_calendar_time_zone(self):
        lisbon_calendar = make_calendar(self.env, "Lisbon hours", tz="Europe/Lisbon")
        self.emp_a.write(
            {"resource_calendar_id": lisbon_calendar.id, "tz": "Europe/Lisbon"}
        )
        # July: Lisbon is UTC+1, 08:00 local is 07:00 UTC
        job = self._job("Summer repair")
        found = self._find(job, now="2030-07-01 05:00", technicians=self.emp_a)
        self.assertEqual(found[0]["start"], dt("2030-07-01 07:00"))

    def test_wizard_books_with_reason(self):
        job = self._job("Repair", "Mon 08:00", "Mon 10:00", self.emp_a)
        with freeze_time(dt("Mon 06:00")):
            action = job.with_user(self.dispatcher).action_tc_find_slots()
            wizard = self.env["tc.fieldops.slot.finder"].browse(action["res_id"])
            self.assertTrue(wizard.is_reschedule)
            self.assertTrue(wizard.line_ids)
            line = wizard.line_ids.filtered(lambda ln: ln.technician_id == self.emp_b)[
                :1
            ]
            wizard.reason = "Alice is needed elsewhere"
            line.with_user(self.dispatcher).action_book()
        self.assertEqual(job.tc_technician_id, self.emp_b)
        self.assertEqual(job.tc_reschedule_ids.reason, "Alice is needed elsewhere")
