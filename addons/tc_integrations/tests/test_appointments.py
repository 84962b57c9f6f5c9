# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Create/CancelInstallationAppointment (docs/commands.md) against the data-plane
peer in its non-idempotent mode: every decision has exactly one effect at the
receiver, in order, with injected faults."""

from datetime import timedelta

from psycopg2 import IntegrityError

from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.tc_fieldops.tests.common import (
    TcFieldopsCommon,
    TcFieldopsHttpCase,
    always_calendar,
    dt,
)
from odoo.addons.tc_orders.tests.common import TcOrdersCase

from ..testing.dataplane import DataPlanePeer
from .common import PeerTimeouts, tc_settings, trap_jobs

CREATE = "CreateInstallationAppointment"
CANCEL = "CancelInstallationAppointment"


@tagged("post_install", "-at_install")
class TestAppointments(PeerTimeouts, TcFieldopsCommon, TcOrdersCase):
    """A dispatcher (or the customer on the portal) confirms a job of a case with
    an order; the order service hears of it once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._tc_setup()
        cls.case_a.tc_order_ref = "ORD-APT-1"
        cls.portal = new_test_user(
            cls.env,
            "tc_apt_portal_a",
            groups="base.group_portal",
            partner_id=cls.customer_a.id,
        )

    def setUp(self):
        super().setUp()
        self.peer = DataPlanePeer(token="tok-apt", idempotent=False, fault_delay=1.5)
        self.peer.start()
        self.addCleanup(self.peer.stop)
        self.env["ir.config_parameter"].set_param(
            "tc_integrations.command_timeout", "0.5"
        )
        settings = tc_settings(
            tc_api_base_url=self.peer.base_url, tc_api_token="tok-apt"
        )
        settings.__enter__()
        self.addCleanup(settings.__exit__, None, None, None)
        trap = trap_jobs()
        trap.__enter__()
        self.addCleanup(trap.__exit__, None, None, None)

    # -- helpers ----------------------------------------------------------------------
    def _scheduled(self, start="Tue 09:00", end="Tue 11:00", case=None):
        """A job of ``case`` (default: the case with an order) on Alice."""
        return self._job(
            "Install",
            start,
            end,
            technician=self.emp_a,
            tc_job_type="installation",
            tc_case_id=case.id if case is not None else self.case_a.id,
        )

    def _confirm(self, job):
        job.with_user(self.dispatcher).write({"tc_customer_confirmed": True})

    def _move(self, job, start, end):
        job.with_user(self.dispatcher)._tc_book(
            job.tc_technician_id, dt(start), dt(end), reason="customer asked"
        )

    def _appointments(self, job):
        return self.env["tc.installation.appointment"].search(
            [("task_id", "=", job.id)], order="id"
        )

    def _commands(self, job):
        return self.env["tc.command"].search(
            [
                ("res_model", "=", "tc.installation.appointment"),
                ("res_id", "in", self._appointments(job).ids),
            ],
            order="id",
        )

    def _deliver(self, job):
        """The queue: every command of the job to send is sent, oldest first,
        until nothing moves (a retried job runs ``_tc_job_send`` again)."""
        for _round in range(6):
            todo = self._commands(job).filtered(
                lambda c: c.state in ("pending", "retry")
            )
            if not todo:
                return
            for command in todo:
                command._tc_job_send()

    def _effects(self, job):
        """(type, appointment) carried out at the receiver for ``job``, in order."""
        job_ref = "JOB-%d" % job.id
        return [
            (e.command_type, e.payload["appointment_ref"])
            for e in self.peer.effects
            if e.payload.get("job_ref") == job_ref
        ]

    # -- tests ------------------------------------------------------------------------
    def test_confirmed_schedule_is_created_once(self):
        job = self._scheduled()
        self.assertFalse(self._commands(job), "not confirmed yet: nothing sent")
        self._confirm(job)
        appointment = self._appointments(job)
        self.assertEqual(len(appointment), 1)
        command = appointment.create_command_id
        self.assertEqual(command.name, CREATE)
        self.assertEqual(
            command.idempotency_key, "appointment/%s/create" % appointment.name
        )
        # a second confirmation and a write of the same window change nothing
        self._confirm(job)
        job.with_user(self.dispatcher).write(
            {"planned_date_start": dt("Tue 09:00"), "planned_date_end": dt("Tue 11:00")}
        )
        self.assertEqual(self._commands(job), command)
        self.assertEqual(command._tc_job_send(), "acked")
        self.assertIn("nothing to do", command._tc_job_send())
        self.assertEqual(self._effects(job), [(CREATE, appointment.name)])
        payload = self.peer.effects[0].payload
        self.assertEqual(
            payload,
            {
                "appointment_ref": appointment.name,
                "order_id": "ORD-APT-1",
                "job_ref": "JOB-%d" % job.id,
                "window_start": "2030-01-08T09:00:00Z",
                "window_end": "2030-01-08T11:00:00Z",
                "technician_ref": "EMP-%d" % self.emp_a.id,
                "replaces_appointment_ref": None,
                "case_id": self.case_a.id,
            },
        )
        self.assertEqual(appointment.state, "booked")
        self.assertTrue(
            any(
                "booked with the order service" in name
                for name in self.case_a.tc_timeline_ids.mapped("name")
            )
        )
        # what the dispatcher and the care staff see on the job's tab (the form
        # reads the commands' status without access to the outbox)
        spec = dict.fromkeys(
            ("name", "window_start", "technician_ref", "state", "create_state"), {}
        )
        spec["replaces_id"] = {"fields": {"display_name": {}}}
        for user in (self.dispatcher, self.agent):
            (values,) = job.with_user(user).web_read(
                {"tc_appointment_ids": {"fields": spec}}
            )
            self.assertEqual(
                [(v["state"], v["create_state"]) for v in values["tc_appointment_ids"]],
                [("booked", "acked")],
            )
        self.assertNotIn("tc_appointment_ids", job.with_user(self.tech_a).fields_get())

    def test_portal_confirmation_with_a_badge(self):
        """The customer's confirm (portal, as superuser), with a context of the
        customer's choosing: the appointment goes out, with the badge id."""
        self.emp_a.barcode = "BADGE0042"
        job = self._scheduled()
        job.with_user(self.portal).with_context(
            tc_no_appointment=True, tracking_disable=True, active_test=False
        )._tc_confirm_by_customer()
        self.assertTrue(job.tc_customer_confirmed)
        self._deliver(job)
        (appointment,) = self._appointments(job)
        self.assertEqual(self._effects(job), [(CREATE, appointment.name)])
        self.assertEqual(self.peer.effects[0].payload["technician_ref"], "BADGE0042")
        # people only read appointments
        with self.assertRaises(AccessError):
            appointment.with_user(self.dispatcher).write({"state": "cancelled"})
        with self.assertRaises(AccessError):
            appointment.with_user(self.portal).read(["state"])

    def test_reschedule_creates_then_cancels_in_order(self):
        job = self._scheduled()
        self._confirm(job)
        self._deliver(job)
        first = self._appointments(job)
        self._move(job, "Wed 14:00", "Wed 16:00")
        self.assertFalse(job.tc_customer_confirmed)
        self.assertEqual(len(self._commands(job)), 1, "sent when confirmed again")
        self._confirm(job)
        first, second = self._appointments(job)
        self.assertEqual(second.replaces_id, first)
        self.assertEqual(
            first.cancel_command_id.after_command_id, second.create_command_id
        )
        self.assertEqual(first.cancel_command_id.state, "waiting")
        self._deliver(job)
        self.assertEqual(
            self._effects(job),
            [(CREATE, first.name), (CREATE, second.name), (CANCEL, first.name)],
        )
        self.assertEqual(
            self.peer.effects_of(CREATE)[1].payload["replaces_appointment_ref"],
            first.name,
        )
        self.assertEqual(
            self.peer.effects_of(CANCEL)[0].payload["reason"], "rescheduled"
        )
        self.assertEqual((first.state, second.state), ("cancelled", "booked"))
        # a new technician for the same window is a new appointment too
        job.with_user(self.dispatcher).tc_technician_id = self.emp_b
        self.assertTrue(job.tc_customer_confirmed, "the window did not move")
        self._deliver(job)
        third = self._appointments(job)[-1]
        self.assertEqual(third.technician_id, self.emp_b)
        self.assertEqual(
            self._effects(job)[3:], [(CREATE, third.name), (CANCEL, second.name)]
        )

    def test_reschedule_exactly_once_under_faults(self):
        runs = [
            (fault, target)
            for fault in ("fail_before", "fail_after", "timeout_after")
            for target in (CREATE, CANCEL)
        ]
        for week, (fault, target) in enumerate(runs, start=1):
            with self.subTest(fault=fault, command=target):
                # one week each: Alice is never booked twice at once
                day = dt("Tue 09:00") + timedelta(weeks=week)
                job = self._scheduled(f"{day:%Y-%m-%d} 09:00", f"{day:%Y-%m-%d} 11:00")
                self._confirm(job)
                self._deliver(job)
                self._move(job, f"{day:%Y-%m-%d} 14:00", f"{day:%Y-%m-%d} 16:00")
                self._confirm(job)
                self.peer.inject(fault, command_type=target)
                self._deliver(job)
                first, second = self._appointments(job)
                self.assertEqual(
                    self._effects(job),
                    [
                        (CREATE, first.name),
                        (CREATE, second.name),
                        (CANCEL, first.name),
                    ],
                )
                self.assertEqual((first.state, second.state), ("cancelled", "booked"))
                self.assertEqual(set(self._commands(job).mapped("state")), {"acked"})

    def test_reschedule_before_the_first_create_is_acked(self):
        """The first Create is being retried when the customer confirms a new
        window: the old appointment's Cancel never overtakes its Create."""
        job = self._scheduled()
        self._confirm(job)
        first = self._appointments(job)
        self.peer.inject("fail_before", command_type=CREATE)
        self.assertEqual(first.create_command_id._tc_job_send(), "retry")
        self._move(job, "Thu 14:00", "Thu 16:00")
        self._confirm(job)
        second = self._appointments(job)[-1]
        self.assertEqual(second.create_command_id._tc_job_send(), "acked")
        cancel = first.cancel_command_id
        self.assertEqual(cancel.state, "pending", "released by the new Create")
        self.assertIn("waiting for", cancel._tc_job_send())
        self.assertFalse(self.peer.effects_of(CANCEL))
        self._deliver(job)
        self.assertEqual(
            self._effects(job),
            [(CREATE, second.name), (CREATE, first.name), (CANCEL, first.name)],
        )

    def test_cancelled_job_cancels_once(self):
        job = self._scheduled()
        self._confirm(job)
        self._deliver(job)
        job.with_user(self.dispatcher).action_tc_cancel()
        (appointment,) = self._appointments(job)
        self.assertEqual(appointment.state, "cancelling")
        job.with_user(self.dispatcher).write({"tc_customer_confirmed": True})
        self.peer.inject("timeout_after", command_type=CANCEL)
        self._deliver(job)
        self.assertEqual(
            self._effects(job), [(CREATE, appointment.name), (CANCEL, appointment.name)]
        )
        self.assertEqual(
            self.peer.effects_of(CANCEL)[0].payload["reason"], "job_cancelled"
        )
        self.assertEqual(appointment.state, "cancelled")
        # cancelled before its Create went out: the Cancel follows it
        job = self._scheduled()
        self._confirm(job)
        job.with_user(self.dispatcher).action_tc_cancel()
        self._deliver(job)
        (appointment,) = self._appointments(job)
        self.assertEqual(
            self._effects(job), [(CREATE, appointment.name), (CANCEL, appointment.name)]
        )

    def test_one_live_appointment_per_job_in_the_database(self):
        """Two transactions confirming the same job cannot both book: the database
        refuses a second requested / booked appointment of a job."""
        job = self._scheduled()
        self._confirm(job)
        (live,) = self._appointments(job)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["tc.installation.appointment"].create(
                {
                    "task_id": job.id,
                    "window_start": live.window_start,
                    "window_end": live.window_end,
                    "state": "booked",
                }
            )
        with self.assertRaises(AccessError):
            live.write({"window_start": dt("Fri 09:00")})

    def test_job_without_an_order_sends_nothing(self):
        no_order = self.env["helpdesk.ticket"].create(
            {
                "name": "Slow wifi",
                "description": "slow",
                "team_id": self.team.id,
                "partner_id": self.customer_a.id,
            }
        )
        for case, day in ((no_order, "Tue"), (self.env["helpdesk.ticket"], "Wed")):
            job = self._scheduled(f"{day} 09:00", f"{day} 11:00", case=case)
            self._confirm(job)
            job.with_user(self.dispatcher).action_tc_cancel()
            self.assertFalse(self._appointments(job))
        self.assertFalse(self.peer.requests)

    def test_refused_create_keeps_the_old_appointment(self):
        job = self._scheduled()
        self._confirm(job)
        self._deliver(job)
        self._move(job, "Wed 14:00", "Wed 16:00")
        self._confirm(job)
        first, second = self._appointments(job)
        self.peer.script(
            "POST",
            "/commands",
            422,
            {"error": {"code": "order_cancelled", "message": "order is cancelled"}},
        )
        self._deliver(job)
        self.assertEqual(second.create_command_id.state, "failed")
        self.assertEqual(second.state, "failed")
        old_cancel = first.cancel_command_id
        self.assertEqual(old_cancel.state, "waiting", "visible, never sent")
        self.assertEqual(self._effects(job), [(CREATE, first.name)])
        self.assertTrue(
            self.case_a.activity_ids.filtered(lambda a: "refused" in a.summary)
        )
        self.assertTrue(
            any(
                "refused appointment" in name
                for name in self.case_a.tc_timeline_ids.mapped("name")
            )
        )
        # the next confirmed window replaces the appointment still booked there
        self._move(job, "Fri 09:00", "Fri 11:00")
        self._confirm(job)
        third = self._appointments(job)[-1]
        self.assertEqual(third.replaces_id, first)
        self._deliver(job)
        self.assertEqual(
            self._effects(job),
            [(CREATE, first.name), (CREATE, third.name), (CANCEL, first.name)],
        )
        self.assertEqual(old_cancel.state, "waiting")
        self.assertEqual(first.state, "cancelled")


@tagged("post_install", "-at_install")
class TestAppointmentsPortal(TcFieldopsHttpCase):
    """The customer's Confirm on /my/appointments sends their job's appointment,
    and nothing for another customer's job."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peer = DataPlanePeer(token="tok-apt", idempotent=False).start()
        cls.addClassCleanup(cls.peer.stop)
        for login, customer in (("apt_pa", cls.customer_a), ("apt_pb", cls.customer_b)):
            new_test_user(
                cls.env, login, groups="base.group_portal", partner_id=customer.id
            )
        cls.emp_a.resource_calendar_id = always_calendar(cls.env)
        start = fields.Datetime.now().replace(
            hour=10, minute=0, second=0, microsecond=0
        ) + timedelta(days=2)
        cls.case_a.tc_order_ref = "ORD-APT-PA"
        cls.case_b = cls.case_a.copy(
            {"partner_id": cls.customer_b.id, "tc_order_ref": "ORD-APT-PB"}
        )
        cls.job_a = cls._job(
            tc_case_id=cls.case_a.id,
            tc_technician_id=cls.emp_a.id,
            planned_date_start=start,
            planned_date_end=start + timedelta(hours=2),
        )
        cls.job_b = cls._job(
            tc_case_id=cls.case_b.id,
            partner_id=cls.customer_b.id,
            tc_location_id=cls.location_b.id,
            tc_technician_id=cls.emp_a.id,
            planned_date_start=start + timedelta(hours=3),
            planned_date_end=start + timedelta(hours=5),
        )

    def _confirm(self, job):
        return self.url_open(
            f"/my/appointments/{job.id}/confirm",
            data={"csrf_token": http.Request.csrf_token(self)},
            allow_redirects=False,
        )

    def test_portal_confirm_sends_the_appointment_once(self):
        self.authenticate("apt_pa", "apt_pa")
        self.assertEqual(self._confirm(self.job_a).status_code, 303)
        self.assertEqual(self._confirm(self.job_a).status_code, 303)
        self.assertEqual(self._confirm(self.job_b).status_code, 404)
        Appointment = self.env["tc.installation.appointment"]
        (appointment,) = Appointment.search([("task_id", "=", self.job_a.id)])
        self.assertFalse(Appointment.search([("task_id", "=", self.job_b.id)]))
        with tc_settings(tc_api_base_url=self.peer.base_url, tc_api_token="tok-apt"):
            self.assertEqual(appointment.create_command_id._tc_job_send(), "acked")
        self.assertEqual(
            [(e.command_type, e.payload["order_id"]) for e in self.peer.effects],
            [(CREATE, "ORD-APT-PA")],
        )
        self.assertEqual(appointment.state, "booked")
