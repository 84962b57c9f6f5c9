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


@tagged("post_install", "-at_install")
class TestFieldopsAttacks(TcFieldopsCase):
    """What a technician on a phone (or anyone with a browser console) tries over
    RPC: other technicians' jobs, other customers' devices, the dispatcher's
    buttons. Each test looks at the database afterwards."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.job_a = cls._job("Alice's job", "Mon 09:00", "Mon 11:00", cls.emp_a)
        cls.job_b = cls._job(
            "Bruno's job",
            "Mon 13:00",
            "Mon 15:00",
            cls.emp_b,
            partner_id=cls.customer_b.id,
            tc_location_id=cls.location_b.id,
        )
        env = cls.env
        cls.check_a = env["tc.fieldops.job.check"].create(
            {"task_id": cls.job_a.id, "name": "Optical power", "required": True}
        )
        cls.material_a = env["tc.fieldops.material"].create(
            {"task_id": cls.job_a.id, "name": "Cable"}
        )
        cls.move_a = env["tc.fieldops.equipment.move"].create(
            {"task_id": cls.job_a.id, "serial": "UNKNOWN-1"}
        )

    def test_lines_never_move_to_another_job(self):
        for line in (self.check_a, self.material_a, self.move_a):
            with self.assertRaisesText(AccessError, "stays on that job"):
                line.with_user(self.tech_a).write({"task_id": self.job_b.id})
            self.assertEqual(line.task_id, self.job_a)
        # nor through the job's one2many (a "set" on the other job)
        with self.assertRaises(AccessError):
            self.job_b.with_user(self.tech_a).write(
                {"tc_material_ids": [(4, self.material_a.id)]}
            )
        self.assertFalse(self.job_b.tc_material_ids)

    def test_technician_creates_nothing_on_others_jobs(self):
        tech = self.tech_a
        with self.assertRaises(AccessError):
            self.env["tc.fieldops.material"].with_user(tech).create(
                {"task_id": self.job_b.id, "name": "Injected"}
            )
        with self.assertRaises(AccessError):
            self.env["tc.fieldops.equipment.move"].with_user(tech).create(
                {"task_id": self.job_b.id, "serial": "X"}
            )
        self.assertFalse(self.job_b.sudo().tc_material_ids)
        self.assertFalse(self.job_b.sudo().tc_equipment_move_ids)

    def test_technician_ticks_items_but_not_their_rules(self):
        check = self.check_a.with_user(self.tech_a)
        check.write({"done": True, "note": "-18 dBm"})
        self.assertEqual(self.check_a.done_by_id, self.tech_a)
        for vals in (
            {"required": False},
            {"photo_required": False},
            {"done_by_id": self.tech_b.id},
            {"name": "Renamed"},
        ):
            with self.assertRaises(AccessError):
                check.write(vals)
        self.assertTrue(self.check_a.required)
        self.assertEqual(self.check_a.done_by_id, self.tech_a)
        with self.assertRaises(AccessError):  # recorded by TC Ops, even for dispatch
            self.check_a.with_user(self.dispatcher).write({"done_at": False})

    def test_closed_jobs_are_closed_to_technicians(self):
        self.job_a.sudo()._tc_set_state("done")
        with self.assertRaisesText(AccessError, "is closed"):
            self.material_a.with_user(self.tech_a).write({"quantity": 99})
        with self.assertRaises(AccessError):
            self.move_a.with_user(self.tech_a).unlink()
        with self.assertRaises(AccessError):
            self.env["tc.fieldops.material"].with_user(self.tech_a).create(
                {"task_id": self.job_a.id, "name": "After the fact"}
            )
        self.assertEqual(self.material_a.quantity, 1.0)
        # a dispatcher corrects it
        self.material_a.with_user(self.dispatcher).write({"quantity": 2})
        self.assertEqual(self.material_a.quantity, 2.0)

    def test_registry_devices_are_not_the_technicians(self):
        device = self.env["tc.equipment"].create(
            {
                "kind": "ont",
                "vendor": "Huawei",
                "serial": "BETO0NT00001",
                "state": "installed",
                "location_id": self.location_b.id,
                "partner_id": self.customer_b.id,
            }
        )
        move = self.move_a.with_user(self.tech_a)
        with self.assertRaises(AccessError):
            move.write({"equipment_id": device.id})
        with self.assertRaises(AccessError):
            move.read(["equipment_id"])
        with self.assertRaises(AccessError):
            self.env["tc.equipment"].with_user(self.tech_a).browse(device.id).read(
                ["serial"]
            )
        with self.assertRaises(AccessError):
            self.env["tc.snmp.credential"].with_user(self.tech_a).search([])
        # scanning another customer's installed device as "removed" on Ana's job
        # does not take it from Beto: the dispatcher is told
        self.job_a.sudo().write({"tc_location_id": self.location_a.id})
        move.write({"direction": "removed", "serial": "beto0nt00001"})
        self.assertEqual(self.move_a.equipment_id, device)
        self.job_a.sudo()._tc_apply_equipment_moves()
        self.assertEqual(
            (device.state, device.location_id), ("installed", self.location_b)
        )
        self.assertTrue(
            self.job_a.message_ids.filtered(
                lambda m: "installed for another customer" in (m.body or "")
            )
        )

    def test_buttons_check_the_role(self):
        job = self.job_a.with_user(self.tech_a)
        for method in (
            "action_tc_cancel",
            "action_tc_reopen",
            "action_tc_find_slots",
            "action_tc_run_diagnostics",
            "action_tc_remote_reboot",
        ):
            with self.assertRaises(AccessError, msg=method):
                getattr(job, method)()
        for method in ("action_tc_start", "action_tc_check_in", "action_tc_complete"):
            with self.assertRaises(AccessError, msg=method):
                getattr(self.job_a.with_user(self.agent), method)()
        self.assertEqual(self.job_a.tc_job_state, "scheduled")
        wizard = self.env["tc.fieldops.slot.finder"].create({"task_id": self.job_a.id})
        with self.assertRaises(AccessError):
            wizard.with_user(self.tech_a).action_search()
        with self.assertRaises(AccessError):
            self.case_a.with_user(self.tech_a).action_tc_new_job()
        # the technician's own buttons still work on their own job
        job.action_tc_start()
        self.assertEqual(self.job_a.tc_job_state, "en_route")

    def test_portal_values_are_customer_facing(self):
        incident = self.env["helpdesk.ticket"].create(
            {
                "name": "Outage: PON 0/1/1 on OLT MA5800",
                "description": "x",
                "tc_is_incident": True,
            }
        )
        self.job_a.sudo().write(
            {
                "tc_case_id": incident.id,
                "tc_dispatch_notes": "Customer is difficult",
            }
        )
        values = self.job_a._tc_portal_values()
        self.assertEqual(values["case"], "")
        self.assertNotIn("name", values)
        self.assertNotIn("Customer is difficult", str(values))
        self.assertEqual(values["technician"], "Alice")
        self.job_a.sudo().tc_case_id = self.case_a
        self.assertEqual(self.job_a._tc_portal_values()["case"], self.case_a.name)

    def test_work_records_are_not_typed_in(self):
        for user in (self.dispatcher, self.tech_a):
            with self.assertRaisesText(AccessError, "recorded by its buttons"):
                self.job_a.with_user(user).write(
                    {
                        "tc_checkin_latitude": 41.1,
                        "tc_checkin_at": "2026-01-05 09:00:00",
                    }
                )
        self.assertFalse(self.job_a.tc_checkin_at)
        # a done job's signature and notes are the technician's no more
        self.job_a.sudo()._tc_set_state("done")
        with self.assertRaisesText(AccessError, "is closed"):
            self.job_a.with_user(self.tech_a).write({"tc_signed_by": "Someone else"})
        self.assertFalse(self.job_a.tc_signed_by)

    def test_dispatchers_do_not_repoint_devices(self):
        device = self.env["tc.equipment"].create(
            {"kind": "router", "vendor": "TP-Link", "serial": "TPL-DISP-1"}
        )
        device = device.with_user(self.dispatcher)
        device.write({"firmware": "1.2.3"})  # harmless fields are theirs
        for vals in ({"mgmt_host": "203.0.113.9"}, {"acs_device_id": "X-Y-Z"}):
            with self.assertRaisesText(AccessError, "Only network managers"):
                device.write(vals)
        self.assertFalse(device.sudo().mgmt_host or device.sudo().acs_device_id)
