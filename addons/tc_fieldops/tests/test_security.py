# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TcFieldopsCase


@tagged("post_install", "-at_install")
class TestFieldopsSecurity(TcFieldopsCase):
    """Technicians see and change only their own jobs (technician or helper) and
    no other customer's data; dispatchers see and plan everything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.job_a = cls._job("Alice's job", "Mon 09:00", "Mon 11:00", cls.emp_a)
        cls.job_b = cls._job(
            "Bruno's job at Beto's",
            "Mon 09:00",
            "Mon 11:00",
            cls.emp_b,
            partner_id=cls.customer_b.id,
            tc_location_id=cls.location_b.id,
        )
        cls.job_helped = cls._job(
            "Bruno's job, Alice helps",
            "Mon 13:00",
            "Mon 15:00",
            cls.emp_b,
            tc_helper_ids=[(6, 0, cls.emp_a.ids)],
        )
        cls.case_b = cls.env["helpdesk.ticket"].create(
            {
                "name": "Beto's slow line",
                "description": "Slow",
                "partner_id": cls.customer_b.id,
            }
        )

    def test_role_ladder(self):
        """technician ⊂ dispatcher; managers dispatch, technicians do not dispatch."""
        tech = new_test_user(self.env, "tc_tech", groups="tc_fieldops.group_technician")
        disp = new_test_user(self.env, "tc_disp", groups="tc_fieldops.group_dispatcher")
        mgr = new_test_user(self.env, "tc_mgr", groups="tc_care.group_manager")
        self.assertTrue(disp.has_group("tc_fieldops.group_technician"))
        self.assertFalse(tech.has_group("tc_fieldops.group_dispatcher"))
        self.assertTrue(mgr.has_group("tc_fieldops.group_dispatcher"))
        self.assertFalse(tech.has_group("tc_care.group_agent"))

    def test_menus_by_role(self):
        Menu = self.env["ir.ui.menu"]
        tech_menus = Menu.with_user(self.tech_a)._visible_menu_ids()
        disp_menus = Menu.with_user(self.dispatcher)._visible_menu_ids()
        ref = self.env.ref
        my_day = ref("tc_fieldops.menu_fieldops_my_day").id
        board = ref("tc_fieldops.menu_fieldops_board").id
        self.assertIn(ref("tc_care.menu_isp_root").id, tech_menus)
        self.assertIn(my_day, tech_menus)
        self.assertNotIn(board, tech_menus)
        self.assertNotIn(ref("tc_care.menu_care").id, tech_menus, "care is for agents")
        self.assertNotIn(ref("tc_care.menu_customers").id, tech_menus)
        self.assertIn(board, disp_menus)
        self.assertIn(ref("tc_fieldops.menu_fieldops_config_checklists").id, disp_menus)
        self.assertIn(
            ref("tc_care.menu_care").id, Menu.with_user(self.agent)._visible_menu_ids()
        )

    def test_technician_sees_only_own_jobs(self):
        Task = self.env["project.task"].with_user(self.tech_a)
        visible = Task.search([("tc_is_job", "=", True)])
        self.assertEqual(visible, self.job_a | self.job_helped)
        with self.assertRaises(AccessError):
            self.job_b.with_user(self.tech_a).read(["name"])
        with self.assertRaises(AccessError):
            self.job_b.with_user(self.tech_a).tc_check_ids.read(["name"])
        # reading through the planning data does not leak either
        self.assertFalse(
            self.env["tc.fieldops.reschedule"]
            .with_user(self.tech_a)
            .search([("task_id", "=", self.job_b.id)])
        )

    def test_technician_edits_only_the_field_work_of_own_jobs(self):
        job = self.job_a.with_user(self.tech_a)
        job.write({"tc_completion_notes": "Cable replaced", "tc_signed_by": "Ana"})
        self.assertEqual(self.job_a.tc_completion_notes, "Cable replaced")
        with self.assertRaisesText(AccessError, "Technicians can only record the work"):
            job.write(
                {"planned_date_start": self.job_a.planned_date_start.replace(hour=10)}
            )
        with self.assertRaises(AccessError):
            job.write({"tc_technician_id": self.emp_b.id})
        with self.assertRaises(AccessError):
            self.job_b.with_user(self.tech_a).write({"tc_completion_notes": "x"})
        with self.assertRaises(AccessError):
            self.env["project.task"].with_user(self.tech_a).create(
                {"name": "Self-assigned", "project_id": self.project.id}
            )
        with self.assertRaises(AccessError):
            self.job_a.with_user(self.tech_a).unlink()
        # a helper records work too
        self.job_helped.with_user(self.tech_a).write({"tc_completion_notes": "Helped"})

    def test_technician_never_sees_other_customers(self):
        Partner = self.env["res.partner"].with_user(self.tech_a)
        # their own jobs' customer and location
        self.assertEqual(
            Partner.browse(self.location_a.id).tc_access_notes, "Gate code 1234"
        )
        self.assertTrue(Partner.browse(self.customer_a.id).read(["phone"]))
        # another technician's customer is out of reach
        with self.assertRaises(AccessError):
            Partner.browse(self.customer_b.id).read(["email"])
        with self.assertRaises(AccessError):
            Partner.browse(self.location_b.id).read(["street"])
        self.assertNotIn(self.customer_b, Partner.search([("name", "ilike", "Beto")]))
        # cases are care data: not even their own job's
        with self.assertRaises(AccessError):
            self.case_b.with_user(self.tech_a).read(["name"])
        # colleagues and the company stay visible
        self.assertTrue(Partner.browse(self.tech_b.partner_id.id).read(["name"]))
        self.assertTrue(Partner.browse(self.env.company.partner_id.id).read(["name"]))

    def test_dispatcher_sees_all_and_plans(self):
        Task = self.env["project.task"].with_user(self.dispatcher)
        self.assertEqual(
            Task.search(
                [("tc_is_job", "=", True), ("project_id", "=", self.project.id)]
            ),
            self.job_a | self.job_b | self.job_helped,
        )
        self.job_b.with_user(self.dispatcher).tc_dispatch_notes = "Bring a ladder"
        self.assertTrue(
            self.env["res.partner"]
            .with_user(self.dispatcher)
            .browse(self.customer_b.id)
            .email
        )

    def test_dispatcher_maintains_technicians_not_hr(self):
        emp_a = self.emp_a.with_user(self.dispatcher)
        emp_a.write(
            {
                "tc_capacity_hours": 6.0,
                "employee_skill_ids": [
                    (
                        0,
                        0,
                        {
                            "skill_type_id": self.skill_type.id,
                            "skill_id": self.skill_wifi.id,
                            "skill_level_id": self.level_trainee.id,
                        },
                    )
                ],
            }
        )
        self.assertEqual(self.emp_a.tc_capacity_hours, 6.0)
        self.assertIn(self.skill_wifi, self.emp_a.employee_skill_ids.skill_id)
        with self.assertRaisesText(AccessError, "only change the dispatch profile"):
            emp_a.write({"name": "Renamed"})
        office = self.env["hr.employee"].create({"name": "Office clerk"})
        with self.assertRaises(AccessError):
            office.with_user(self.dispatcher).write({"tc_capacity_hours": 3})

    def test_technician_cannot_touch_technician_profiles(self):
        with self.assertRaises(AccessError):
            self.emp_a.with_user(self.tech_a).write({"tc_capacity_hours": 12})

    def test_agent_reads_jobs_of_cases(self):
        job = self.job_a.with_user(self.agent)
        self.assertEqual(job.read(["tc_job_state"])[0]["tc_job_state"], "scheduled")
        with self.assertRaises(AccessError):
            job.write({"tc_dispatch_notes": "agents do not dispatch"})
