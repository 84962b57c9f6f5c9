# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Acceptance of issue 19 on the real snmpsim recordings of both big GPON vendors
(data/snmprec/hw-olt-a and zte-olt-a, README there): healthy, low rx, offline ONT, a
PON port down (one incident with every ONT of the port, ONT id 0 included on
Huawei), and an OLT that stops answering (one NOC case, no customer case or notice).
Huawei is read over SNMPv2c, ZTE over SNMPv3 authPriv (SHA + AES)."""

from odoo.tests import tagged

from .common import TcNetworkCase


class _OltFleetTests:
    """The acceptance tests, run for each vendor (a mixin: not collected alone)."""

    allow_inherited_tests_method = True  # Odoo's loader: run the mixin's tests

    VENDOR = MODEL = RECORDING = PROFILE = ""
    VERSION = "2c"
    # (pon_port, pon index, [(ONT id, expected health)]) of the registered ONTs
    PORTS = ()
    DOWN_PORT = ""
    UNREGISTERED = ("", "", "", 0)  # serial, pon_port, pon index, ONT id

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["tc.equipment"].search([]).write({"monitored": False})
        vals = {
            "name": f"{cls.RECORDING} credential",
            "version": cls.VERSION,
            "port": cls.sim.port,
            "timeout": 0.5,
            "retries": 0,
        }
        if cls.VERSION == "3":
            vals.update(
                user="tcops",
                auth_protocol="SHA",
                auth_key="auth-key-123",
                priv_protocol="AES",
                priv_key="priv-key-456",
                context_name=cls.RECORDING,
            )
        else:
            vals["community"] = cls.RECORDING
        cls.fleet_credential = env["tc.snmp.credential"].create(vals)
        Eq = env["tc.equipment"]
        cls.fleet_olt = Eq.create(
            {
                "kind": "olt",
                "vendor": cls.VENDOR,
                "model": cls.MODEL,
                "serial": f"tst-{cls.RECORDING}",
                "state": "installed",
                "mgmt_host": "127.0.0.1",
                "snmp_credential_id": cls.fleet_credential.id,
                "onu_profile_id": env["tc.snmp.profile"]
                .search([("key", "=", cls.PROFILE)])
                .id,
            }
        )
        cls.by_place = {}
        for pon_port, pon_index, onts in cls.PORTS:
            for onu_id, _health in onts:
                location = env["res.partner"].create(
                    {
                        "name": f"{cls.RECORDING} {pon_port}:{onu_id}",
                        "type": "service_location",
                        "parent_id": cls.customer.id,
                        "city": "Rivertown",
                        "tc_olt_ref": cls.fleet_olt.name,
                        "tc_pon_port": pon_port,
                    }
                )
                cls.by_place[(pon_port, onu_id)] = Eq.create(
                    {
                        "kind": "ont",
                        "vendor": cls.VENDOR,
                        "serial": f"tst-{cls.RECORDING}-{pon_port}-{onu_id}",
                        "state": "installed",
                        "location_id": location.id,
                        "olt_id": cls.fleet_olt.id,
                        "pon_port": pon_port,
                        "pon_ifindex": pon_index,
                        "onu_index": onu_id,
                    }
                )
        cls.Ticket = env["helpdesk.ticket"]

    def _incidents(self):
        return self.Ticket.search(
            [
                ("tc_is_incident", "=", True),
                ("tc_incident_olt_ref", "=", self.fleet_olt.name),
            ]
        )

    def test_health_of_every_ont_from_one_walk(self):
        counts = self.env["tc.equipment"]._cron_poll_network()
        expected = {
            (port, onu_id): health
            for port, _index, onts in self.PORTS
            for onu_id, health in onts
        }
        self.assertEqual(counts["polled"], len(expected))
        self.assertEqual(
            {place: ont.health for place, ont in self.by_place.items()}, expected
        )
        low_rx = next(
            ont
            for place, ont in self.by_place.items()
            if expected[place] == "degraded" and "below -27.00 dBm" in ont.health_reason
        )
        self.assertIn("Optical rx power", low_rx.health_reason)
        # one fault case per ONT that turned bad, none for the healthy ones
        for place, ont in self.by_place.items():
            cases = self.Ticket.search([("tc_equipment_id", "=", ont.id)])
            self.assertEqual(len(cases), 0 if expected[place] == "online" else 1)

    def test_pon_down_is_one_incident_with_every_ont_of_the_port(self):
        self.env["tc.equipment"]._cron_poll_network()
        self.env["tc.equipment"]._cron_poll_network()  # no second incident
        incident = self._incidents()
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.tc_incident_pon_port, self.DOWN_PORT)
        down = self.env["tc.equipment"].browse(
            [
                ont.id
                for (port, _i), ont in self.by_place.items()
                if port == self.DOWN_PORT
            ]
        )
        self.assertEqual(incident.tc_incident_child_ids.tc_equipment_id, down)
        self.assertEqual(incident.tc_incident_location_ids, down.location_id)
        notice = incident.tc_customer_notice
        self.assertIn("Rivertown", notice)
        for internal in (self.fleet_olt.name, self.DOWN_PORT, self.VENDOR):
            self.assertNotIn(internal, notice)

    def test_olt_unreachable_is_one_noc_case_and_nothing_for_customers(self):
        Eq = self.env["tc.equipment"]
        Eq._cron_poll_network()
        health = {ont.id: ont.health for ont in self.by_place.values()}
        customer_cases = self.Ticket.search_count([("partner_id", "!=", False)])
        incidents = self._incidents()
        open_before = self.Ticket._tc_open_incidents()
        if self.VERSION == "3":
            self.fleet_credential.context_name = "no-such-context"
        else:
            self.fleet_credential.community = "no-such-community"
        for _run in range(3):
            counts = Eq._cron_poll_network()
        self.assertEqual(counts["olts_unreachable"], 1)
        self.assertEqual({o.id: o.health for o in self.by_place.values()}, health)
        noc = self.Ticket.search(
            [
                ("tc_equipment_id", "=", self.fleet_olt.id),
                ("type_id.tc_code", "=", "olt_unreachable"),
            ]
        )
        self.assertEqual(len(noc), 1)
        self.assertFalse(noc.partner_id)
        self.assertEqual(
            self.Ticket.search_count([("partner_id", "!=", False)]), customer_cases
        )
        # no new outage: nothing for the portal to show the customers
        self.assertEqual(self._incidents(), incidents)
        self.assertEqual(self.Ticket._tc_open_incidents(), open_before)

    def test_discovery_uses_the_onu_tables_numbering(self):
        serial, pon_port, pon_index, onu_id = self.UNREGISTERED
        run = self.fleet_olt._tc_discover_onts()
        line = run.line_ids.filtered(lambda line: line.serial == serial)
        self.assertEqual(
            (line.status, line.pon_port, line.pon_ifindex, line.onu_id),
            ("new", pon_port, pon_index, onu_id),
        )


@tagged("post_install", "-at_install")
class TestHuaweiFleet(_OltFleetTests, TcNetworkCase):
    VENDOR, MODEL, RECORDING, PROFILE = (
        "Huawei",
        "MA5800-X7",
        "hw-olt-a",
        "huawei-gpon-onu",
    )
    PORTS = (
        (
            "0/1/0",
            "4194312192",
            [(0, "online"), (1, "degraded"), (2, "offline"), (3, "degraded")],
        ),
        ("0/1/1", "4194312448", [(0, "offline"), (1, "offline"), (2, "offline")]),
    )
    DOWN_PORT = "0/1/1"
    UNREGISTERED = ("HWTC9F00E104", "0/1/0", "4194312192", 4)


@tagged("post_install", "-at_install")
class TestZteFleet(_OltFleetTests, TcNetworkCase):
    VENDOR, MODEL, RECORDING, PROFILE = "ZTE", "ZXA10 C320", "zte-olt-a", "zte-gpon-onu"
    VERSION = "3"
    PORTS = (
        (
            "1/1/1",
            "268501248",
            [(1, "online"), (2, "degraded"), (3, "offline"), (4, "degraded")],
        ),
        ("1/1/2", "268501504", [(1, "offline"), (2, "offline")]),
    )
    DOWN_PORT = "1/1/2"
    # the ONU tables' PON index of 1/1/1, not its IF-MIB ifIndex (268435456), and
    # not the empty port 1/2/2 whose IF-MIB ifIndex is that same number
    UNREGISTERED = ("ZTEGE0F1A2B6", "1/1/1", "268501248", 5)
