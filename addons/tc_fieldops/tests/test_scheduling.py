# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import TcFieldopsCase, dt


@tagged("post_install", "-at_install")
class TestScheduling(TcFieldopsCase):
    """Server-side schedule checks (the same rules as the slot finder) on every
    create and write, including the timeline board's drag and drop; reschedule
    history and customer notices."""

    def _drag(self, job, start, end, technician):
        """What web_timeline's controller writes when an item is dropped on the
        board (``_onMove``: serialized datetimes and the group's id)."""
        return job.with_user(self.dispatcher).write(
            {
                "planned_date_start": dt(start).strftime("%Y-%m-%d %H:%M:%S"),
                "planned_date_end": dt(end).strftime("%Y-%m-%d %H:%M:%S"),
                "tc_technician_id": technician.id if technician else False,
            }
        )

    def test_double_booking_refused_on_create(self):
        first = self._job("Install at Ana's", "Mon 09:00", "Mon 11:00", self.emp_a)
        with self.assertRaises(ValidationError) as error:
            self._job("Repair at Beto's", "Mon 10:00", "Mon 12:00", self.emp_a)
        message = str(error.exception)
        self.assertIn("Repair at Beto's cannot be scheduled", message)
        self.assertIn("Alice Alpha already has Install at Ana's", message)
        self.assertEqual(first.tc_job_state, "scheduled")
        # back to back is fine
        self._job("Next job", "Mon 11:00", "Mon 12:00", self.emp_a)

    def test_board_drag_runs_the_checks(self):
        self._job("Alice's morning", "Mon 08:00", "Mon 10:00", self.emp_a)
        job = self._job("Bruno's job", "Mon 08:00", "Mon 10:00", self.emp_b)
        with self.assertRaisesText(ValidationError, "Alice Alpha already has"):
            self._drag(job, "Mon 09:00", "Mon 11:00", self.emp_a)
        with self.assertRaisesText(ValidationError, "outside the working hours"):
            self._drag(job, "Mon 11:00", "Mon 14:00", self.emp_b)
        with self.assertRaisesText(ValidationError, "outside the working hours"):
            self._drag(job, "Sat 09:00", "Sat 11:00", self.emp_b)
        job.tc_skill_req_ids = [
            (
                0,
                0,
                {"skill_id": self.skill_wifi.id, "level_id": self.level_qualified.id},
            )
        ]
        with self.assertRaisesText(ValidationError, "lacks the skill In-home Wi-Fi"):
            self._drag(job, "Tue 08:00", "Tue 10:00", self.emp_b)
        self.assertEqual(
            (job.planned_date_start, job.tc_technician_id),
            (dt("Mon 08:00"), self.emp_b),
            "a refused drop changes nothing",
        )
        # Carla has the skill and the time
        self._drag(job, "Tue 08:00", "Tue 10:00", self.emp_c)
        self.assertEqual(job.tc_technician_id, self.emp_c)
        self.assertEqual(job.user_ids, self.tech_c)

    def test_capacity_refused(self):
        self.emp_a.write({"tc_capacity_hours": 6.0, "tc_capacity_jobs": 3})
        self._job("One", "Mon 08:00", "Mon 12:00", self.emp_a)
        with self.assertRaisesText(ValidationError, "above the daily capacity of 6 h"):
            self._job("Two", "Mon 13:00", "Mon 16:00", self.emp_a)
        self._job("Two", "Mon 13:00", "Mon 14:00", self.emp_a)
        self._job("Three", "Mon 14:00", "Mon 15:00", self.emp_a)
        with self.assertRaisesText(ValidationError, "already has 3 jobs"):
            self._job("Four", "Mon 15:00", "Mon 15:30", self.emp_a)

    def test_helpers_are_checked(self):
        self._job("Bruno busy", "Mon 08:00", "Mon 10:00", self.emp_b)
        with self.assertRaisesText(
            ValidationError, "Bruno Bravo already has Bruno busy"
        ):
            self._job(
                "Needs two",
                "Mon 09:00",
                "Mon 11:00",
                self.emp_a,
                tc_helper_ids=[(6, 0, self.emp_b.ids)],
            )
        job = self._job(
            "Needs two",
            "Mon 10:00",
            "Mon 12:00",
            self.emp_a,
            tc_helper_ids=[(6, 0, self.emp_b.ids)],
        )
        self.assertEqual(job.user_ids, self.tech_a | self.tech_b)

    def test_cancelled_job_frees_the_time(self):
        first = self._job("First", "Mon 09:00", "Mon 11:00", self.emp_a)
        first.with_user(self.dispatcher).action_tc_cancel()
        self.assertEqual(first.state, "1_canceled")
        self._job("Second", "Mon 09:00", "Mon 11:00", self.emp_a)

    def test_planned_dates_are_the_appointment(self):
        """project_timeline would fill the planned dates from date_assign and
        date_end, which Odoo rewrites on assignment and closing (OCA/project #1342):
        not for jobs."""
        job = self._job("Unscheduled")
        job.with_user(self.dispatcher).tc_technician_id = self.emp_a
        self.assertTrue(job.date_assign, "Odoo stamps the assignment")
        self.assertFalse(job.planned_date_start, "no appointment invented")
        self.assertEqual(job.tc_job_state, "to_schedule")
        # an ordinary task keeps OCA's behaviour
        other_project = self.env["project.project"].create({"name": "Not field"})
        task = self.env["project.task"].create(
            {
                "name": "Ordinary",
                "project_id": other_project.id,
                "user_ids": [(6, 0, self.tech_a.ids)],
            }
        )
        self.assertEqual(task.planned_date_start, task.date_assign)
        # closing a job (a folded stage mapped to "done") keeps its window
        done_stage = self.env["project.task.type"].create(
            {
                "name": "Done",
                "fold": True,
                "tc_job_state": "done",
                "project_ids": [(4, self.project.id)],
            }
        )
        job.write(
            {"planned_date_start": dt("Mon 09:00"), "planned_date_end": dt("Mon 11:00")}
        )
        job.sudo()._tc_set_state("done")
        self.assertEqual(job.stage_id, done_stage)
        self.assertTrue(job.date_end, "Odoo stamps the closing")
        self.assertEqual(job.planned_date_end, dt("Mon 11:00"))

    def test_start_only_keeps_duration(self):
        job = self._job("Repair", "Mon 08:00", "Mon 10:30", self.emp_a)
        job.with_user(self.dispatcher).planned_date_start = dt("Tue 09:00")
        self.assertEqual(job.planned_date_end, dt("Tue 11:30"))

    def test_reschedule_history_and_customer_notice(self):
        job = self._job("Install at Ana's", "Mon 09:00", "Mon 11:00", self.emp_a)
        scheduled = job.message_ids.filtered(lambda m: self.customer_a in m.partner_ids)
        self.assertEqual(len(scheduled), 1, "the customer is told the appointment")
        self.assertIn("Mon 7 Jan, 09:00 – 11:00", scheduled.subject)
        job.sudo().write({"tc_customer_confirmed": True})
        with freeze_time(dt("Sun 18:00")):
            job.with_user(self.dispatcher)._tc_book(
                self.emp_b, dt("Tue 14:00"), dt("Tue 16:00"), reason="Customer at work"
            )
        history = job.tc_reschedule_ids
        self.assertEqual(len(history), 1)
        self.assertRecordValues(
            history,
            [
                {
                    "old_start": dt("Mon 09:00"),
                    "old_end": dt("Mon 11:00"),
                    "old_technician_id": self.emp_a.id,
                    "new_start": dt("Tue 14:00"),
                    "new_end": dt("Tue 16:00"),
                    "new_technician_id": self.emp_b.id,
                    "user_id": self.dispatcher.id,
                    "date": dt("Sun 18:00"),
                    "reason": "Customer at work",
                }
            ],
        )
        self.assertFalse(
            job.tc_customer_confirmed, "a new time needs a new confirmation"
        )
        notice = job.message_ids.filtered(
            lambda m: (
                self.customer_a in m.partner_ids and "New time" in (m.subject or "")
            )
        )
        self.assertEqual(len(notice), 1)
        self.assertIn("Tue 8 Jan, 14:00 – 16:00", notice.subject)
        self.assertIn("Tue 8 Jan, 14:00 – 16:00", str(notice.body))
        emailed = notice.notification_ids.filtered(
            lambda n: n.notification_type == "email"
        ).res_partner_id
        self.assertEqual(emailed, self.customer_a, "sent by email to the customer")
        # the case's timeline knows too
        job.tc_case_id = self.case_a
        job.with_user(self.dispatcher).with_context(
            tc_reschedule_reason="Technician ill"
        ).write(
            {"planned_date_start": dt("Wed 08:00"), "planned_date_end": dt("Wed 10:00")}
        )
        self.assertEqual(len(job.tc_reschedule_ids), 2)
        self.assertEqual(
            job.tc_reschedule_ids.sorted("id")[-1].reason, "Technician ill"
        )
        entry = self.case_a.tc_timeline_ids.filtered(lambda e: e.kind == "field_job")[
            :1
        ]
        self.assertIn("rescheduled", entry.name)
        self.assertIn("Technician ill", entry.name)

    def test_technician_change_only_is_history_without_mail(self):
        job = self._job("Install", "Mon 09:00", "Mon 11:00", self.emp_a)
        before = len(
            job.message_ids.filtered(lambda m: self.customer_a in m.partner_ids)
        )
        job.with_user(self.dispatcher).tc_technician_id = self.emp_b
        self.assertEqual(job.tc_reschedule_ids.new_technician_id, self.emp_b)
        self.assertEqual(job.tc_reschedule_ids.reason, "No reason given")
        after = len(
            job.message_ids.filtered(lambda m: self.customer_a in m.partner_ids)
        )
        self.assertEqual(before, after, "same time: the customer is not bothered")

    def test_unschedule_clears_the_window(self):
        job = self._job("Install", "Mon 09:00", "Mon 11:00", self.emp_a)
        job.with_user(self.dispatcher).with_context(
            tc_reschedule_reason="Waiting for the building permit"
        ).planned_date_start = False
        self.assertFalse(job.planned_date_end)
        self.assertEqual(job.tc_job_state, "to_schedule")
        self.assertRecordValues(
            job.tc_reschedule_ids,
            [
                {
                    "old_start": dt("Mon 09:00"),
                    "new_start": False,
                    "reason": "Waiting for the building permit",
                }
            ],
        )
        with self.assertRaisesText(ValidationError, "needs a start and an end"):
            job.write({"planned_date_end": dt("Mon 11:00")})
