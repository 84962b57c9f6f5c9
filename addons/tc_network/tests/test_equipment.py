# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager

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


@tagged("post_install", "-at_install")
class TestOntId(TransactionCase):
    """One ONT per OLT, PON port and ONT id; 0 is an id (Huawei numbers ONTs from 0
    on every PON port, ZTE from 1)."""

    PON_A, PON_B = "4194312192", "4194312448"

    def setUp(self):
        super().setUp()
        self.olt, self.olt2 = self.env["tc.equipment"].create(
            [
                {"kind": "olt", "vendor": "Huawei", "serial": f"uniq-olt-{i}"}
                for i in (1, 2)
            ]
        )

    def _ont(self, serial, olt=None, pon=None, **vals):
        values = {
            "kind": "ont",
            "vendor": "Huawei",
            "serial": serial,
            "olt_id": (olt or self.olt).id,
            "pon_port": "0/1/0",
            "pon_ifindex": pon or self.PON_A,
        }
        values.update(vals)
        return self.env["tc.equipment"].create(values)

    @contextmanager
    def _refused(self, message):
        """A ValidationError matching message, and nothing of the attempt left."""
        with self.assertRaisesRegex(ValidationError, message):
            with self.env.cr.savepoint():
                yield

    def _stored_id(self, ont):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT onu_index FROM tc_equipment WHERE id = %s", [ont.id]
        )
        return self.env.cr.fetchone()[0]

    def test_ont_id_0_registers_and_is_not_taken_for_missing(self):
        ont = self._ont("HWTC00000000", onu_index=0)
        self.assertEqual((ont.onu_index, self._stored_id(ont)), (0, 0))
        # the ORM reads a NULL column as 0: an ONT put on an OLT without its id is
        # refused, never polled as ONT 0
        with self._refused(r"without its ONT id.*0 is a"):
            self._ont("HWTC00000009")
        with self._refused("negative"):
            self._ont("HWTC0000000A", onu_index=-1)
        spare = self.env["tc.equipment"].create(
            {"kind": "ont", "vendor": "Huawei", "serial": "HWTC0000000B"}
        )
        self.assertIsNone(self._stored_id(spare))  # off an OLT: no id, none needed
        with self._refused("without its ONT id"):
            spare.write({"olt_id": self.olt.id, "pon_ifindex": self.PON_B})
        spare.write({"olt_id": self.olt.id, "pon_ifindex": self.PON_B, "onu_index": 0})
        self.assertEqual(self._stored_id(spare), 0)

    def test_one_ont_per_olt_pon_port_and_id(self):
        first = self._ont("HWTC00000001", onu_index=0)
        with self._refused(
            r"ONT id 0 on PON port 0/1/0 of OLT OLT Huawei UNIQ-OLT-1 is already "
            r".*HWTC00000001.*one ONT per OLT, PON port and ONT id",
        ):
            self._ont("HWTC00000002", onu_index=0)
        # the same id on another port or another OLT is another ONT
        other_port = self._ont("HWTC00000003", pon=self.PON_B, onu_index=0)
        other_olt = self._ont("HWTC00000004", olt=self.olt2, onu_index=0)
        self.assertEqual((other_port | other_olt).mapped("onu_index"), [0, 0])
        # a write onto a taken id is refused too; the spelling of the ifIndex does
        # not make another port
        second = self._ont("HWTC00000005", onu_index=1)
        with self._refused("is already"):
            second.write({"onu_index": 0})
        with self._refused("is already"):
            self._ont("HWTC00000006", pon=f" 0{self.PON_A} ", onu_index=0)
        with self._refused("not the OLT's SNMP ifIndex"):
            self._ont("HWTC00000007", pon="GPON 0/1/0", onu_index=7)
        # ONTs off an OLT never collide
        first.write({"olt_id": False})
        self._ont("HWTC00000008", onu_index=0)

    def test_the_database_refuses_a_duplicate_too(self):
        """Behind the check: the deferred unique constraint (checked at commit, made
        immediate here) for writes that race past it."""
        first = self._ont("HWTC00000011", onu_index=0)
        second = self._ont("HWTC00000012", onu_index=1)
        self.env.flush_all()
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "SET CONSTRAINTS tc_equipment_onu_on_pon_uniq IMMEDIATE"
                )
                self.env.cr.execute(
                    "UPDATE tc_equipment SET onu_index = 0 WHERE id = %s",
                    [second.id],
                )
        self.env.cr.execute("SET CONSTRAINTS tc_equipment_onu_on_pon_uniq DEFERRED")
        self.assertEqual(first.onu_index, 0)
