# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import TcNetworkCase

DEVICE_ID = "00259E-HG8245H-SR552NA084%2D0003269"


@tagged("post_install", "-at_install")
class TestTr069(TcNetworkCase):
    def setUp(self):
        super().setUp()
        self.nbi.reset()
        self.ont = self.onts[0]
        self.ont.serial = "SR552NA084-0003269"
        self.nbi.add_device(DEVICE_ID, "SR552NA084-0003269", mac="00:25:9e:00:00:01")

    def _run(self, method, user=None):
        action = getattr(self.ont.with_user(user or self.agent), method)()
        return self.env["tc.network.action"].browse(action["res_id"])

    def test_reboot_online_finds_the_device_and_encodes_its_id_once(self):
        record = self._run("action_tr069_reboot")
        self.assertEqual(record.result, "done")
        self.assertEqual(record.user_id, self.agent)
        self.assertGreaterEqual(record.duration_ms, 0)
        self.assertEqual(self.ont.acs_device_id, DEVICE_ID)
        self.assertFalse(self.nbi.encoding_errors)
        self.assertIn("%252D", self.nbi.requests[-1].raw_path)
        self.assertIn("Reboot", self.ont.message_ids[0].body)

    def test_offline_device_is_queued_and_faults_are_explained(self):
        self.nbi.set_mode(DEVICE_ID, "busy")
        record = self._run("action_tr069_refresh")
        self.assertEqual(record.result, "queued")
        self.assertIn("Task queued but not processed", record.detail)
        self.nbi.set_mode(DEVICE_ID, "fault")
        record = self._run("action_tr069_reboot")
        self.assertEqual(record.result, "faulted")
        self.assertIn("Faulted", record.detail)
        self.nbi.set_mode(DEVICE_ID, "offline")
        record = self._run("action_tr069_get_parameters")
        self.assertIn(record.result, ("queued", "unreachable"))

    def test_dangerous_actions_need_a_supervisor(self):
        with self.assertRaises(AccessError):
            self._run("action_tr069_factory_reset")
        record = self._run("action_tr069_factory_reset", user=self.supervisor)
        self.assertEqual(record.result, "done")
        wizard = Form(
            self.env["tc.network.tr069.wizard"]
            .with_user(self.supervisor)
            .with_context(
                default_equipment_id=self.ont.id, default_operation="firmware"
            )
        )
        wizard.file_name = "HG8245H-V3R017.bin"
        with self.assertRaisesRegex(UserError, "Tick the confirmation"):
            wizard.save().action_apply()

    def test_wifi_password_never_stored_or_shown(self):
        secret = "Sup3r-Secret-Pass"
        wizard = (
            self.env["tc.network.tr069.wizard"]
            .with_user(self.agent)
            .create(
                {
                    "equipment_id": self.ont.id,
                    "operation": "wifi",
                    "ssid": "Casa-Ferreira",
                    "password": secret,
                }
            )
        )
        action = wizard.action_apply()
        record = self.env["tc.network.action"].browse(action["res_id"])
        self.assertEqual(record.result, "done")
        self.assertFalse(wizard.password)
        self.assertNotIn(secret, record.detail or "")
        self.assertNotIn(secret, " ".join(self.ont.message_ids.mapped("body")))
        sent = self.nbi.requests[-1].json()
        self.assertIn(secret, str(sent))  # the device does get it
        with self.assertRaisesRegex(UserError, "8 to 63"):
            wizard.write({"password": "short"})
            wizard.action_apply()

    def test_unknown_device_and_unconfigured_acs(self):
        self.ont.write({"serial": "NOPE-1", "acs_device_id": False})
        with self.assertRaisesRegex(UserError, "knows no device"):
            self._run("action_tr069_reboot")
        self.env["ir.config_parameter"].sudo().set_param("tc_network.acs_nbi_url", "")
        with self.assertRaisesRegex(UserError, "No ACS is configured"):
            self._run("action_tr069_reboot")
        self.assertTrue(
            self.env["tc.network.action"].search(
                [("equipment_id", "=", self.ont.id), ("result", "=", "error")]
            ),
            "the failed attempt is in the log",
        )
