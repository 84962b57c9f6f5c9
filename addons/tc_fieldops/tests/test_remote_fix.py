# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.tc_network.tests.common import TcNetworkCase


@tagged("post_install", "-at_install")
class TestRemoteFixFromJob(TcNetworkCase):
    """A dispatcher tries a remote fix from the job before sending a truck, against
    the real snmpsim and NBI peers of tc_network's tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dispatcher = new_test_user(
            cls.env, "fo_disp_remote", groups="tc_fieldops.group_dispatcher"
        )
        cls.project = cls.env["project.project"].create(
            {"name": "Remote fix field ops", "tc_is_field_ops": True}
        )

    def _job(self, location):
        return self.env["project.task"].create(
            {
                "name": "Repair",
                "project_id": self.project.id,
                "tc_job_type": "repair",
                "tc_location_id": location.id,
            }
        )

    def test_diagnostics_and_reboot_from_the_job(self):
        ont2 = self.onts[1]  # rx -29.50 dBm in the recording
        job = self._job(ont2.location_id)
        action = job.with_user(self.dispatcher).action_tc_run_diagnostics()
        record = self.env["tc.network.action"].browse(action["res_id"])
        self.assertEqual(record.result, "degraded")
        self.assertEqual(record.equipment_id, ont2)
        self.assertEqual(record.user_id, self.dispatcher)
        self.nbi.reset()
        self.nbi.add_device("00259E-HG8245H-" + ont2.serial, ont2.serial)
        action = job.with_user(self.dispatcher).action_tc_remote_reboot()
        reboot = self.env["tc.network.action"].browse(action["res_id"])
        self.assertEqual((reboot.operation, reboot.result), ("reboot", "done"))

    def test_job_without_equipment_says_so(self):
        empty = self.env["res.partner"].create(
            {
                "name": "no equipment here",
                "type": "service_location",
                "parent_id": self.customer.id,
            }
        )
        with self.assertRaisesRegex(UserError, "no ONT or router is installed"):
            self._job(empty).with_user(self.dispatcher).action_tc_run_diagnostics()
