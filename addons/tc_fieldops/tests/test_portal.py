# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields, http
from odoo.tests import new_test_user, tagged

from .common import TcFieldopsHttpCase, always_calendar


@tagged("post_install", "-at_install")
class TestPortalAppointments(TcFieldopsHttpCase):
    """Two customers with a portal user each: each sees their own upcoming
    appointments, confirms them or asks for another time, and nothing of the
    other's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_a = new_test_user(
            cls.env,
            "tc_fo_portal_a",
            groups="base.group_portal",
            partner_id=cls.customer_a.id,
        )
        cls.portal_b = new_test_user(
            cls.env,
            "tc_fo_portal_b",
            groups="base.group_portal",
            partner_id=cls.customer_b.id,
        )
        # appointments in the coming days, whatever today is: on a 24/7 calendar,
        # at 10:00 UTC (a window from the current hour would cross midnight when
        # the tests run after 22:00, and a calendar day ends at 23:59:59)
        always = always_calendar(cls.env)
        (cls.emp_a | cls.emp_b).resource_calendar_id = always
        start = fields.Datetime.now().replace(
            hour=10, minute=0, second=0, microsecond=0
        ) + timedelta(days=2)
        cls.job_a = cls._portal_job(
            "Install at Ana's", cls.emp_a, start, cls.customer_a, cls.location_a
        )
        cls.job_a.tc_case_id = cls.case_a
        cls.job_b = cls._portal_job(
            "Repair at Beto's", cls.emp_b, start, cls.customer_b, cls.location_b
        )

    @classmethod
    def _portal_job(cls, name, employee, start, customer, location):
        return (
            cls.env["project.task"]
            .with_user(cls.dispatcher)
            .create(
                {
                    "name": name,
                    "project_id": cls.project.id,
                    "tc_job_type": "installation",
                    "partner_id": customer.id,
                    "tc_location_id": location.id,
                    "tc_technician_id": employee.id,
                    "planned_date_start": start,
                    "planned_date_end": start + timedelta(hours=2),
                }
            )
        )

    def _post(self, url, **data):
        data["csrf_token"] = http.Request.csrf_token(self)
        return self.url_open(url, data=data, allow_redirects=False)

    def test_each_customer_sees_their_appointments(self):
        self.authenticate("tc_fo_portal_a", "tc_fo_portal_a")
        page = self.url_open("/my/appointments")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.job_a.tc_customer_window_label, page.text)
        self.assertIn("Ana – home", page.text)
        self.assertIn("Alice", page.text, "the technician's first name")
        self.assertNotIn("Alpha", page.text, "not the technician's full name")
        self.assertNotIn("Beto", page.text)
        self.assertNotIn(f'data-tc-appointment-id="{self.job_b.id}"', page.text)
        # /my counts them
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["tc_appointment_count"]}
        )
        self.assertEqual(counters["tc_appointment_count"], 1)
        # the case page shows the visit
        ticket_page = self.url_open(f"/my/ticket/{self.case_a.id}")
        self.assertIn("Technician visits", ticket_page.text)
        self.assertIn(self.job_a.tc_customer_window_label, ticket_page.text)

        self.authenticate("tc_fo_portal_b", "tc_fo_portal_b")
        page = self.url_open("/my/appointments")
        self.assertIn("Beto – shop", page.text)
        self.assertNotIn("Ana", page.text)

    def test_reschedule_request_goes_to_dispatch(self):
        self.authenticate("tc_fo_portal_a", "tc_fo_portal_a")
        response = self._post(
            f"/my/appointments/{self.job_a.id}/reschedule",
            reason="I work that morning",
            preferred="Any afternoon",
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=reschedule_requested", response.headers["Location"])
        activity = self.job_a.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("tc_fieldops.mail_activity_type_reschedule_request"),
        )
        self.assertEqual(
            activity.user_id, self.dispatcher, "the project's dispatch contact"
        )
        self.assertIn("I work that morning", str(activity.note))
        self.assertIn("Any afternoon", str(activity.note))
        self.assertEqual(
            self.job_a.planned_date_start, self.job_b.planned_date_start, "unchanged"
        )

    def test_other_customers_appointment_is_not_found(self):
        self.authenticate("tc_fo_portal_a", "tc_fo_portal_a")
        response = self._post(
            f"/my/appointments/{self.job_b.id}/reschedule", reason="x"
        )
        self.assertEqual(response.status_code, 404)
        response = self._post(f"/my/appointments/{self.job_b.id}/confirm")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.job_b.activity_ids)
        self.assertFalse(self.job_b.tc_customer_confirmed)

    def test_confirm(self):
        self.authenticate("tc_fo_portal_b", "tc_fo_portal_b")
        response = self._post(f"/my/appointments/{self.job_b.id}/confirm")
        self.assertEqual(response.status_code, 303)
        self.assertTrue(self.job_b.tc_customer_confirmed)
        page = self.url_open("/my/appointments?message=confirmed")
        self.assertIn("Thank you for confirming", page.text)
        self.assertIn("Confirmed", page.text)

    def test_parameters_are_checked(self):
        self.authenticate("tc_fo_portal_a", "tc_fo_portal_a")
        page = self.url_open("/my/appointments?message=<script>alert(1)</script>")
        self.assertEqual(page.status_code, 400)
        response = self._post(
            f"/my/appointments/{self.job_a.id}/reschedule", reason="x" * 1001
        )
        self.assertEqual(response.status_code, 400)
        response = self._post(f"/my/appointments/{self.job_a.id}/reschedule")
        self.assertEqual(response.status_code, 400, "a reason is required")
        self.assertFalse(self.job_a.activity_ids)
        # confirming twice is fine; confirming a job that is not scheduled is not
        self.job_a.sudo()._tc_set_state("cancelled")
        response = self._post(f"/my/appointments/{self.job_a.id}/confirm")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.job_a.tc_customer_confirmed)

    def test_staff_have_no_appointments(self):
        """/my/appointments is the customers': a technician (internal user) whose
        partner happens to be the customer's sees nothing there."""
        self.tech_a.partner_id.parent_id = self.customer_a
        self.authenticate("tc_fo_tech_a", "tc_fo_tech_a")
        page = self.url_open("/my/appointments")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(f'data-tc-appointment-id="{self.job_a.id}"', page.text)
        response = self._post(f"/my/appointments/{self.job_a.id}/confirm")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.job_a.tc_customer_confirmed)
