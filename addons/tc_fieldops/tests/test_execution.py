# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TcFieldopsCase

# a 1x1 PNG
PIXEL = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360f8ffff3f0005fe02fea7d6a4bd"
        "0000000049454e44ae426082"
    )
)


@tagged("post_install", "-at_install")
class TestExecution(TcFieldopsCase):
    """Field execution: checklist copied from the job type's template, check-in
    with the device's position, completion gates, and the case moving on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.checklist = cls.env["tc.fieldops.checklist"].create(
            {
                "name": "Fibre installation",
                "job_type": "installation",
                "duration": 2.0,
                "case_stage_id": cls.stage_done.id,
                "line_ids": [
                    (0, 0, {"name": "Optical power at ONT", "required": True}),
                    (
                        0,
                        0,
                        {
                            "name": "Photo of the ONT",
                            "required": True,
                            "photo_required": True,
                        },
                    ),
                    (0, 0, {"name": "Tidy up", "required": False}),
                ],
                "skill_req_ids": [
                    (
                        0,
                        0,
                        {
                            "skill_id": cls.skill_ont.id,
                            "level_id": cls.level_qualified.id,
                        },
                    )
                ],
            }
        )

    def _install_job(self):
        job = self._job(
            "Install at Ana's",
            "Mon 09:00",
            "Mon 11:00",
            self.emp_a,
            tc_job_type="installation",
            tc_case_id=self.case_a.id,
            allocated_hours=0,
        )
        return job

    def _as_tech(self, job):
        return job.with_user(self.tech_a)

    def test_checklist_copied_from_template(self):
        job = self._install_job()
        self.assertEqual(job.tc_checklist_id, self.checklist)
        self.assertEqual(
            job.tc_check_ids.mapped("name"),
            ["Optical power at ONT", "Photo of the ONT", "Tidy up"],
        )
        self.assertEqual(job.allocated_hours, 2.0, "duration from the template")
        self.assertEqual(job.tc_skill_req_ids.skill_id, self.skill_ont)
        self.assertTrue(job.tc_signature_required, "installations need a signature")
        # a done item survives a change of checklist, the rest is replaced
        job.tc_check_ids[0].done = True
        other = self.env["tc.fieldops.checklist"].create(
            {
                "name": "Installation, short",
                "job_type": "installation",
                "line_ids": [(0, 0, {"name": "Smoke test"})],
            }
        )
        job.with_user(self.dispatcher).tc_checklist_id = other
        self.assertEqual(
            sorted(job.tc_check_ids.mapped("name")),
            ["Optical power at ONT", "Smoke test"],
        )

    def test_check_in_records_time_and_position(self):
        job = self._install_job()
        tech_job = self._as_tech(job)
        tech_job.action_tc_start()
        self.assertEqual(job.tc_job_state, "en_route")
        tech_job.with_context(
            tc_gps={"latitude": 41.1580, "longitude": -8.6291, "accuracy": 12}
        ).action_tc_check_in()
        self.assertEqual(job.tc_job_state, "on_site")
        self.assertTrue(job.tc_checkin_at)
        self.assertAlmostEqual(job.tc_checkin_latitude, 41.1580, places=4)
        self.assertAlmostEqual(job.tc_checkin_distance_m, 11, delta=2)
        self.assertIn("11 m from the service location", job.message_ids[0].body)
        with self.assertRaisesText(UserError, "cannot be checked in"):
            tech_job.action_tc_check_in()

    def test_completion_gates_list_everything_missing(self):
        job = self._install_job()
        tech_job = self._as_tech(job)
        with self.assertRaises(UserError) as error:
            tech_job.action_tc_complete()
        self.assertIn("check in at the service location first", str(error.exception))
        tech_job.action_tc_check_in()
        with self.assertRaises(UserError) as error:
            tech_job.action_tc_complete()
        message = str(error.exception)
        self.assertIn("Install at Ana's cannot be completed yet, missing:", message)
        for line in (
            "- checklist item not done: Optical power at ONT",
            "- checklist item not done: Photo of the ONT",
            "- photo missing: Photo of the ONT",
            "- customer signature",
            "- name of the person who signed",
        ):
            self.assertIn(line, message)
        self.assertNotIn("Tidy up", message, "optional items do not block")
        self.assertEqual(job.tc_job_state, "on_site")
        # the technician records the work on their job
        power, photo, _tidy = job.tc_check_ids
        tech_job.write(
            {
                "tc_check_ids": [
                    (1, power.id, {"done": True}),
                    (1, photo.id, {"done": True}),
                ],
                "tc_signature": PIXEL,
                "tc_signed_by": "Ana Antunes",
                "tc_completion_notes": "ONT at -19 dBm",
                "tc_equipment_move_ids": [
                    (
                        0,
                        0,
                        {
                            "direction": "installed",
                            "serial": "ZTEG1234",
                            "mac": "00:11:22:33:44:55",
                        },
                    )
                ],
                "tc_material_ids": [
                    (0, 0, {"name": "Drop cable", "quantity": 25, "uom": "m"})
                ],
            }
        )
        self.assertEqual(power.done_by_id, self.tech_a)
        self.assertTrue(job.tc_signed_on)
        with self.assertRaisesText(UserError, "photo missing: Photo of the ONT"):
            tech_job.action_tc_complete()
        photo.with_user(self.tech_a).photo = PIXEL
        tech_job.with_context(
            tc_gps={"latitude": 41.1579, "longitude": -8.6291}
        ).action_tc_complete()
        self.assertEqual(job.tc_job_state, "done")
        self.assertEqual(job.state, "1_done")
        self.assertTrue(job.tc_checkout_at)
        self.assertAlmostEqual(job.tc_checkout_latitude, 41.1579, places=4)

    def test_completion_moves_the_case(self):
        job = self._install_job()
        self.case_a.stage_id = self.stage_progress
        for check in job.tc_check_ids:
            check.write(
                {"done": True, "photo": PIXEL if check.photo_required else False}
            )
        job.write({"tc_signature": PIXEL, "tc_signed_by": "Ana"})
        tech_job = self._as_tech(job)
        tech_job.action_tc_check_in()
        progress_before = self.case_a.tc_last_progress_at
        tech_job.action_tc_complete()
        self.assertEqual(self.case_a.stage_id, self.stage_done)
        entry = self.case_a.tc_timeline_ids.filtered(
            lambda e: e.kind == "field_job" and "completed" in e.name
        )
        self.assertEqual(len(entry), 1)
        self.assertTrue(entry.progress)
        self.assertEqual((entry.res_model, entry.res_id), ("project.task", job.id))
        self.assertGreaterEqual(self.case_a.tc_last_progress_at, progress_before)
        note = self.case_a.message_ids.filtered(
            lambda m: "completed by Alice Alpha" in (m.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertEqual(note.author_id, self.tech_a.partner_id)
        # the case page of OCA's helpdesk_mgmt_project points at the job
        self.assertEqual(self.case_a.task_id, job)
        self.assertEqual(self.case_a.project_id, self.project)

    def test_status_only_through_the_buttons(self):
        job = self._install_job().with_user(self.dispatcher)
        with self.assertRaisesText(UserError, "changes with its buttons"):
            job.write({"tc_job_state": "done"})
        with self.assertRaisesText(UserError, "changes with its buttons"):
            job.write({"state": "1_done"})
        self.assertEqual(job.tc_job_state, "scheduled")

    def test_repair_needs_no_signature(self):
        job = self._job(
            "Repair", "Mon 09:00", "Mon 11:00", self.emp_a, tc_case_id=self.case_a.id
        )
        self.assertFalse(job.tc_signature_required)
        tech_job = self._as_tech(job)
        tech_job.action_tc_check_in()
        tech_job.action_tc_complete()
        self.assertEqual(job.tc_job_state, "done")
        self.assertEqual(
            self.case_a.stage_id.closed, False, "no checklist: stage unchanged"
        )

    def test_case_api_creates_a_job(self):
        job = (
            self.case_a.with_user(self.dispatcher)
            .sudo()
            ._tc_create_field_job("survey", tc_dispatch_notes="Check the duct")
        )
        self.assertEqual(job.project_id, self.project)
        self.assertEqual(job.partner_id, self.customer_a)
        self.assertEqual(job.tc_location_id, self.location_a)
        self.assertEqual(job.tc_job_state, "to_schedule")
        self.assertEqual(self.case_a.tc_job_ids, job)
        self.assertIn("Field job created", self.case_a.tc_timeline_ids[0].name)

    def test_technician_cannot_work_others_jobs(self):
        job = self._job("Bruno's", "Mon 09:00", "Mon 11:00", self.emp_b)
        with self.assertRaises(AccessError):
            job.with_user(self.tech_a).action_tc_check_in()
        with self.assertRaises(AccessError):
            self._install_job().with_user(self.tech_a).action_tc_cancel()

    def test_completion_moves_the_registry(self):
        job = self._install_job()
        location = job.tc_location_id
        other_location = self.env["res.partner"].create(
            {
                "name": "Old flat",
                "type": "service_location",
                "parent_id": self.customer_a.id,
            }
        )
        Equipment = self.env["tc.equipment"]
        new_ont = Equipment.create(
            {"kind": "ont", "vendor": "ZTE", "serial": "ZTEGC0FFEE01"}
        )
        old_ont = Equipment.create(
            {
                "kind": "ont",
                "vendor": "Huawei",
                "serial": "HWTC0000OLD1",
                "mac": "00:11:22:33:44:77",
                "state": "installed",
                "location_id": other_location.id,
                "partner_id": self.customer_a.id,
            }
        )
        for check in job.tc_check_ids:
            check.write(
                {"done": True, "photo": PIXEL if check.photo_required else False}
            )
        job.write({"tc_signature": PIXEL, "tc_signed_by": "Ana"})
        tech_job = self._as_tech(job)
        # what the technician scans: serial with blanks and lower case, a MAC
        # in another notation, a serial the registry does not know
        tech_job.write(
            {
                "tc_equipment_move_ids": [
                    (0, 0, {"direction": "installed", "serial": " ztegc0ffee01 "}),
                    (0, 0, {"direction": "removed", "mac": "00-11-22-33-44-77"}),
                    (0, 0, {"direction": "installed", "serial": "UNKNOWN-9"}),
                ]
            }
        )
        moves = job.tc_equipment_move_ids
        self.assertEqual(moves.mapped("equipment_id"), new_ont | old_ont)
        tech_job.action_tc_check_in()
        tech_job.action_tc_complete()
        self.assertEqual(
            (new_ont.state, new_ont.location_id, new_ont.partner_id),
            ("installed", location, location.commercial_partner_id),
        )
        self.assertTrue(new_ont.install_date)
        self.assertEqual((old_ont.state, old_ont.location_id.id), ("returned", False))
        self.assertIn("Installed on job", new_ont.message_ids[0].body)
        self.assertIn("Removed on job", old_ont.message_ids[0].body)
        note = job.message_ids.filtered(
            lambda m: "Not in the equipment registry: UNKNOWN-9" in (m.body or "")
        )
        self.assertEqual(len(note), 1)
        activity = job.activity_ids.filtered(
            lambda a: a.summary == "Equipment not in the registry"
        )
        self.assertEqual(activity.user_id, job._tc_dispatch_user())

    def test_installed_equipment_needs_a_location(self):
        job = self._install_job()
        job.tc_location_id = False
        self.env["tc.equipment"].create(
            {"kind": "router", "vendor": "TP-Link", "serial": "TPL1"}
        )
        job.tc_equipment_move_ids = [(0, 0, {"serial": "TPL1"})]
        with self.assertRaisesText(
            UserError, "a service location for the equipment installed"
        ):
            self._as_tech(job).action_tc_complete()
