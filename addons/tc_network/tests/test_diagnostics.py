# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PON_0, PON_1, TcNetworkCase


@tagged("post_install", "-at_install")
class TestDiagnostics(TcNetworkCase):
    def test_diagnostics_readings_thresholds_and_chatter(self):
        ont2 = self.onts[1]  # rx -29.50 dBm in the recording
        ticket = self.env["helpdesk.ticket"].create(
            {
                "name": "slow",
                "description": "slow",
                "tc_location_id": ont2.location_id.id,
            }
        )
        action = ticket.with_user(self.agent).action_tc_run_diagnostics()
        record = self.env["tc.network.action"].browse(action["res_id"])
        self.assertEqual(record.result, "degraded")
        self.assertEqual(record.user_id, self.agent)
        rx = record.line_ids.filtered(lambda line: line.metric == "rx_power")
        self.assertEqual((rx.value, rx.unit, rx.status), ("-29.5", "dBm", "bad"))
        self.assertEqual(ont2.health, "degraded")
        self.assertIn("rx power", ont2.health_reason.lower())
        self.assertIn("-29.5", ticket.message_ids[0].body)
        self.assertIn("-29.5", ont2.message_ids[0].body)
        self.assertTrue(
            ticket.tc_timeline_ids.filtered(lambda e: e.kind == "diagnostic")
        )
        self.assertNotIn("demo-olt-1", record.detail)  # the community never shows
        ok = self.onts[0].action_run_diagnostics()
        self.assertEqual(
            self.env["tc.network.action"].browse(ok["res_id"]).result, "online"
        )

    def test_unreachable_device_and_missing_configuration(self):
        self.credential.port = 9  # nothing listens there
        self.credential.community = "secret-community-xyz"
        action = self.onts[0].action_run_diagnostics()
        record = self.env["tc.network.action"].browse(action["res_id"])
        self.assertEqual(record.result, "error")
        self.assertNotIn("secret-community-xyz", record.detail)
        self.assertEqual(self.onts[0].health, "offline")
        lonely = self.env["tc.equipment"].create(
            {"kind": "router", "vendor": "AVM", "serial": "no-snmp"}
        )
        with self.assertRaisesRegex(UserError, "no management address"):
            lonely._tc_snmp_job()


@tagged("post_install", "-at_install")
class TestPolling(TcNetworkCase):
    def test_poll_updates_health_opens_cases_and_one_outage(self):
        Eq = self.env["tc.equipment"]
        Ticket = self.env["helpdesk.ticket"]
        other = Eq.search([("id", "not in", (self.onts | self.olt).ids)])
        other.write({"monitored": False})  # demo devices play no part here
        counts = Eq._cron_poll_network()
        self.assertEqual(counts["polled"], 7)
        health = dict(
            zip(self.onts.mapped("serial"), self.onts.mapped("health"), strict=True)
        )
        self.assertEqual(
            list(health.values()),
            ["online", "degraded", "offline", "degraded", "offline", "offline"],
        )
        self.assertEqual(self.olt.health, "online")
        self.assertTrue(self.onts[0].last_seen)
        cases = Ticket.search([("tc_equipment_id", "in", self.onts.ids)])
        self.assertEqual(sorted(cases.tc_equipment_id.ids), sorted(self.onts[1:].ids))
        self.assertEqual(cases.type_id, self.type_fault)
        incident = Ticket.search(
            [("tc_is_incident", "=", True), ("tc_incident_olt_ref", "=", self.olt.name)]
        )
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.tc_incident_pon_port, "0/1/1")
        self.assertEqual(incident.tc_incident_child_ids.tc_equipment_id, self.onts[4:])
        # a second run: nothing new (no duplicate case, no second incident)
        counts = Eq._cron_poll_network()
        self.assertEqual(counts["cases"], 0)
        self.assertEqual(
            Ticket.search_count([("tc_equipment_id", "in", self.onts.ids)]), 5
        )
        self.assertEqual(
            Ticket.search_count(
                [
                    ("tc_is_incident", "=", True),
                    ("tc_incident_olt_ref", "=", self.olt.name),
                ]
            ),
            1,
        )

    def test_an_open_case_at_the_location_is_reused(self):
        existing = self.env["helpdesk.ticket"].create(
            {
                "name": "customer says no internet",
                "description": "x",
                "tc_location_id": self.onts[2].location_id.id,
                "type_id": self.type_fault.id,
            }
        )
        self.env["tc.equipment"]._cron_poll_network()
        self.assertEqual(existing.tc_equipment_id, self.onts[2])
        self.assertEqual(
            self.env["helpdesk.ticket"].search_count(
                [("tc_location_id", "=", self.onts[2].location_id.id)]
            ),
            1,
        )

    def test_ont_id_0_is_polled_and_counted_in_its_port_outage(self):
        """Huawei numbers ONTs from 0 on every PON port: ONT 0 is read at index
        <PON ifIndex>.0 and is one of the ONTs of its port's outage."""
        Eq = self.env["tc.equipment"]
        Eq.search([("id", "not in", (self.onts | self.olt).ids)]).write(
            {"monitored": False}
        )
        locations = self.env["res.partner"].create(
            [
                {
                    "name": f"Net loc zero {pon}",
                    "type": "service_location",
                    "parent_id": self.customer.id,
                }
                for pon in ("0/1/0", "0/1/1")
            ]
        )
        zero_up, zero_down = Eq.create(
            [
                {
                    "kind": "ont",
                    "vendor": "Huawei",
                    "model": "HG8245H",
                    "serial": f"tstA1B2C3Z{n}",
                    "state": "installed",
                    "location_id": location.id,
                    "olt_id": self.olt.id,
                    "pon_port": pon,
                    "pon_ifindex": ifindex,
                    "onu_index": 0,
                    "snmp_profile_id": self.onu_profile.id,
                }
                for n, location, pon, ifindex in (
                    (0, locations[0], "0/1/0", PON_0),
                    (1, locations[1], "0/1/1", PON_1),
                )
            ]
        )
        _target, oids, _profile, index = zero_up._tc_snmp_job()
        self.assertEqual(index, {"pon_ifindex": PON_0, "onu_id": 0})
        self.assertIn(f"1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4.{PON_0}.0", oids)
        counts = Eq._cron_poll_network()
        self.assertEqual((counts["polled"], counts["skipped"]), (9, 0))
        self.assertEqual(zero_up.health, "online")
        action = zero_up.action_run_diagnostics()
        lines = self.env["tc.network.action"].browse(action["res_id"]).line_ids
        rx = lines.filtered(lambda line: line.metric == "rx_power")
        self.assertEqual((rx.value, rx.status), ("-20.07", "ok"))  # ONU 0's reading
        self.assertEqual(zero_down.health, "offline")
        incident = self.env["helpdesk.ticket"].search(
            [("tc_is_incident", "=", True), ("tc_incident_olt_ref", "=", self.olt.name)]
        )
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.tc_incident_pon_port, "0/1/1")
        self.assertIn("3 ONTs offline", incident.name)
        self.assertEqual(
            incident.tc_incident_child_ids.tc_equipment_id, self.onts[4:] | zero_down
        )
        self.assertIn(locations[1], incident.tc_incident_location_ids)
