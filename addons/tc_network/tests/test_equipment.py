# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestEquipmentRules(TransactionCase):
    def _eq(self, **vals):
        values = {"kind": "router", "vendor": "AVM", "serial": "fb-1"}
        values.update(vals)
        return self.env["tc.equipment"].create(values)

    def test_mac_serial_ip_are_normalised_and_validated(self):
        eq = self._eq(
            serial=" fb 7590 x ", mac="3C-A6-2F-99-11-22", ip_address=" 10.0.0.1 "
        )
        self.assertEqual(eq.serial, "FB7590X")
        self.assertEqual(eq.mac, "3c:a6:2f:99:11:22")
        self.assertEqual(eq.ip_address, "10.0.0.1")
        eq.mac = "3ca6.2f99.1123"
        self.assertEqual(eq.mac, "3c:a6:2f:99:11:23")
        for bad in ("3c:a6:2f:00:11", "zz:a6:2f:00:11:22", "hello"):
            with self.assertRaisesRegex(ValidationError, "not a MAC address"):
                eq.mac = bad
        with self.assertRaisesRegex(ValidationError, "not an IP address"):
            eq.ip_address = "10.0.0.300"

    def test_uniqueness(self):
        self._eq(serial="S1", mac="00:00:00:00:00:01")
        self._eq(serial="S1", vendor="Zyxel")  # same serial, other vendor: fine
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                self._eq(serial="s1")  # normalised to S1, same vendor
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                self._eq(serial="S2", mac="00-00-00-00-00-01")

    def test_installed_needs_a_location_and_moves_are_tracked(self):
        customer = self.env["res.partner"].create({"name": "C"})
        loc = self.env["res.partner"].create(
            {"name": "home", "type": "service_location", "parent_id": customer.id}
        )
        eq = self._eq()
        self.env.flush_all()
        self.env.cr.flush()  # created in an earlier request
        with self.assertRaisesRegex(ValidationError, "needs a service location"):
            eq.state = "installed"
        eq.write(
            {"state": "installed", "location_id": loc.id, "partner_id": customer.id}
        )
        self.env.flush_all()
        self.env.cr.flush()  # mail tracking values are written at flush
        tracked = eq.message_ids.tracking_value_ids.mapped("field_id.name")
        self.assertTrue({"state", "location_id", "partner_id"} <= set(tracked), tracked)

    def test_csv_import_reports_each_bad_row(self):
        fields = ["kind", "vendor", "serial", "mac", "ip_address"]
        rows = [
            ["ont", "Huawei", "CSV-1", "00:11:22:33:44:01", "10.1.1.1"],
            ["ont", "Huawei", "CSV-2", "not-a-mac", ""],
            ["ont", "Huawei", "CSV-3", "00:11:22:33:44:03", "999.1.1.1"],
            ["ont", "Huawei", "CSV-4", "00:11:22:33:44:04", ""],
        ]
        with mute_logger("odoo.sql_db"):
            result = self.env["tc.equipment"].load(fields, rows)
        messages = result["messages"]
        self.assertEqual(len(messages), 2, messages)
        text = " ".join(m["message"] for m in messages)
        self.assertIn("not-a-mac", text)
        self.assertIn("999.1.1.1", text)
        self.assertEqual(
            [(m["rows"]["from"], m["message"].split()[0]) for m in messages],
            [(1, "not-a-mac"), (2, "999.1.1.1")],
        )
        # load() is all-or-nothing per file: nothing half-imported
        self.assertFalse(self.env["tc.equipment"].search([("serial", "like", "CSV-")]))
