# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-OLT bulk polling, reachability apart from health, and ONT discovery, on the
real snmpsim recordings (demo-olt-1: GPON 0/1/0 up with ONUs 0-4, GPON 0/1/1 down)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.tc_care.tests.common import stored_row

from .common import PON_0, PON_1, TcNetworkCase


@tagged("post_install", "-at_install")
class TestOltPolling(TcNetworkCase):
    def setUp(self):
        super().setUp()
        Eq = self.env["tc.equipment"]
        Eq.search([("id", "not in", (self.onts | self.olt).ids)]).write(
            {"monitored": False}
        )
        self.Ticket = self.env["helpdesk.ticket"]

    def _noc_cases(self):
        return self.Ticket.search(
            [
                ("tc_equipment_id", "=", self.olt.id),
                ("type_id.tc_code", "=", "olt_unreachable"),
            ]
        )

    def test_one_walk_per_olt_reads_every_ont(self):
        jobs, _meta, skipped = self.env["tc.equipment"]._tc_poll_jobs(
            self.onts | self.olt
        )
        walks = [j for j in jobs if j.plan is not None]
        gets = [j for j in jobs if j.plan is None]
        # six ONTs on one OLT: one walk; the OLT's own uplink: one GET
        self.assertEqual((len(walks), len(gets), len(skipped)), (1, 1, 0))
        counts = self.env["tc.equipment"]._cron_poll_network()
        self.assertEqual(counts["polled"], 7)
        self.assertEqual(
            self.onts.mapped("health"),
            ["online", "degraded", "offline", "degraded", "offline", "offline"],
        )
        self.assertIn("below -27.00 dBm", self.onts[1].health_reason)
        self.assertIn("PON port status: down", self.onts[4].health_reason)

    def test_health_changes_are_mails_tracking_notes_written_in_bulk(self):
        """The poll logs every health change in one batch (bulk INSERTs): each
        device gets the note mail's tracking would log at commit, column for
        column. The health history is an audit trail: no context key silences it
        (the cron runs with none; any other caller's context is the client's)."""
        Eq = self.env["tc.equipment"].with_context(tracking_disable=False)
        ont, olt = self.onts[0].with_env(Eq.env), self.olt.with_env(Eq.env)
        before = ont.message_ids | olt.message_ids
        Eq.with_context(tracking_disable=True, mail_notrack=True)._cron_poll_network()
        self.assertEqual(ont.health, "online")
        self.assertEqual(len(ont.message_ids - before), 1)
        self.onts.sudo().write({"health": "unknown"})  # tracking off (test env)
        before = ont.message_ids | olt.message_ids
        Eq._cron_poll_network()
        self.env.cr.precommit.run()  # what mail would still log at commit
        note = ont.message_ids - before
        self.assertEqual(len(note), 1)
        self.assertEqual(
            [(t.field_id.name, t.old_value_char, t.new_value_char)
             for t in note.tracking_value_ids],
            [("health", "Unknown", "Online")],
        )  # fmt: skip
        self.assertEqual(len(olt.message_ids - before), 0)  # online already
        # mail's own tracking of the same change on a twin device
        twin = Eq.create({"kind": "ont", "vendor": "Huawei", "serial": "tstTWIN1"})
        self.env.cr.precommit.run()  # mail tracks no change in its creation's commit
        twin_before = twin.message_ids
        twin.sudo().write({"health": "online"})
        self.env.cr.precommit.run()
        mail_note = twin.message_ids - twin_before
        self.assertEqual(len(mail_note), 1)
        ignore = ("res_id", "message_id", "date", "create_date", "write_date")
        self.assertEqual(
            stored_row(note, *ignore), stored_row(mail_note, *ignore), "message"
        )
        ignore = ("mail_message_id", "create_date", "write_date")
        self.assertEqual(
            stored_row(note.tracking_value_ids, *ignore),
            stored_row(mail_note.tracking_value_ids, *ignore),
            "tracking value",
        )
        # a second run changes nothing: no note
        Eq._cron_poll_network()
        self.env.cr.precommit.run()
        self.assertEqual(ont.message_ids - before, note)

    def test_an_ont_the_walk_does_not_return_is_not_seen(self):
        ghost = self.env["tc.equipment"].create(
            {
                "kind": "ont",
                "vendor": "Huawei",
                "serial": "tstGHOST1",
                "state": "installed",
                "location_id": self.locations[0].id,
                "olt_id": self.olt.id,
                "pon_port": "0/1/0",
                "pon_ifindex": PON_0,
                "onu_index": 77,
                "snmp_profile_id": self.onu_profile.id,
            }
        )
        counts = self.env["tc.equipment"]._cron_poll_network()
        self.assertEqual(counts["not_seen"], 1)
        self.assertEqual(ghost.health, "unknown")
        self.assertIn("Not seen", ghost.health_reason)
        self.assertEqual(self.onts[0].health, "online")  # the run went on
        self.assertFalse(self.Ticket.search([("tc_equipment_id", "=", ghost.id)]))

    def test_unreachable_olt_is_a_noc_case_not_a_customer_outage(self):
        Eq = self.env["tc.equipment"]
        Eq._cron_poll_network()
        before = {o.id: (o.health, o.last_polled_at) for o in self.onts}
        customer_cases = self.Ticket.search_count([("partner_id", "!=", False)])
        incidents = self.Ticket.search_count([("tc_is_incident", "=", True)])
        # the poller loses its path to the OLT: the agent no longer answers
        self.credential.community = "nobody-answers"
        for _run in range(2):
            counts = Eq._cron_poll_network()
        self.assertEqual((counts["olts_unreachable"], counts["polled"]), (1, 0))
        self.assertEqual(
            {o.id: (o.health, o.last_polled_at) for o in self.onts}, before
        )
        self.assertTrue(self.olt.olt_unreachable_since)
        self.assertEqual(self.olt.health, "unknown")
        self.assertIn("Not polled since", self.onts[0].poll_note)
        noc = self._noc_cases()
        self.assertEqual(len(noc), 1)  # one per OLT, not one per run
        self.assertFalse(noc.partner_id)
        self.assertFalse(noc.type_id.show_in_portal)
        self.assertEqual(
            self.Ticket.search_count([("partner_id", "!=", False)]), customer_cases
        )
        self.assertEqual(
            self.Ticket.search_count([("tc_is_incident", "=", True)]), incidents
        )
        # the path comes back: the OLT is polled again and the NOC case closes
        self.onts.sudo().write({"last_polled_at": "2020-01-01 00:00:00"})
        self.credential.community = "demo-olt-1"
        counts = Eq._cron_poll_network()
        self.assertEqual(counts["olts_unreachable"], 0)
        self.assertFalse(self.olt.olt_unreachable_since)
        self.assertFalse(self.onts[0].poll_note)
        self.assertTrue(noc.stage_id.closed)
        self.assertGreater(self.onts[0].last_polled_at.year, 2020)

    def test_outage_notice_is_written_for_customers(self):
        self.locations.write({"city": "Springfield"})
        self.env["ir.config_parameter"].sudo().set_param(
            "tc_network.outage_expected_hours", "6"
        )
        self.env["tc.equipment"]._cron_poll_network()
        incident = self.Ticket.search(
            [("tc_is_incident", "=", True), ("tc_incident_olt_ref", "=", self.olt.name)]
        )
        self.assertEqual(len(incident), 1)
        self.assertEqual(incident.tc_incident_pon_port, "0/1/1")
        notice = incident.tc_customer_notice
        self.assertIn("Springfield", notice)
        self.assertIn("6 hours", notice)
        for internal in (self.olt.name, "0/1/1", PON_1, *self.onts.mapped("name")):
            self.assertNotIn(internal, notice)

    def test_port_down_with_one_ont_is_an_outage(self):
        """The OLT says the port is down: that is an outage even for one ONT."""
        self.onts[5].monitored = False
        self.env["tc.equipment"]._cron_poll_network()
        incident = self.Ticket.search(
            [("tc_is_incident", "=", True), ("tc_incident_olt_ref", "=", self.olt.name)]
        )
        self.assertEqual(incident.tc_incident_child_ids.tc_equipment_id, self.onts[4])


@tagged("post_install", "-at_install")
class TestOntDiscovery(TcNetworkCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.net_manager = new_test_user(
            cls.env, "tc_t_netman", groups="tc_care.group_manager"
        )

    def test_discovery_proposes_new_matched_and_moved_onts(self):
        Eq = self.env["tc.equipment"].with_context(active_test=False)
        # the demo registry (when loaded) has the recording's serials on its OLT
        for demo in Eq.search([("serial", "=like", "HWTCA1B2C3%")]):
            demo.serial = f"DEMO{demo.id}"
        Eq.flush_model()
        in_stock = Eq.create(
            {"kind": "ont", "vendor": "Huawei", "serial": "HWTCA1B2C302"}
        )
        elsewhere = Eq.create(
            {
                "kind": "ont",
                "vendor": "Huawei",
                "serial": "HWTCA1B2C304",
                "olt_id": self.olt.id,
                "pon_port": "0/1/1",
                "pon_ifindex": PON_1,
                "onu_index": 9,
            }
        )
        with self.assertRaises(AccessError):
            self.olt.with_user(self.agent).action_discover_onts()
        action = self.olt.with_user(self.net_manager).action_discover_onts()
        run = self.env["tc.ont.discovery"].browse(action["res_id"])
        self.assertEqual(run.state, "done")
        self.assertEqual(run.seen_count, 5)
        by_serial = {line.serial: line for line in run.line_ids}
        # the walk's serials (vendor ASCII + hex) against the registry
        self.assertEqual(by_serial["HWTCA1B2C300"].status, "new")
        self.assertEqual(by_serial["HWTCA1B2C300"].onu_id, 0)
        self.assertEqual(by_serial["HWTCA1B2C300"].pon_port, "0/1/0")
        self.assertEqual(by_serial["HWTCA1B2C302"].status, "match")
        self.assertEqual(by_serial["HWTCA1B2C304"].status, "moved")
        self.assertIn("0/1/1", by_serial["HWTCA1B2C304"].previous_place)
        # the test ONTs' made-up serials are registered here but not seen
        self.assertEqual(
            {line.serial for line in run.line_ids if line.status == "missing"},
            set(self.onts.mapped("serial")),
        )
        # applying needs a network manager, then places the ONTs
        line_ids = (by_serial["HWTCA1B2C302"] | by_serial["HWTCA1B2C300"]).ids
        with self.assertRaises(AccessError):
            self.env["tc.ont.discovery.line"].with_user(self.agent).browse(
                line_ids
            ).action_apply()
        lines = self.env["tc.ont.discovery.line"].with_user(self.net_manager)
        # the moved ONT takes id 4 on 0/1/0, and the matched one id 2, but test ONTs
        # (registered with made-up serials) hold them: refused, naming the holder
        for serial in ("HWTCA1B2C304", "HWTCA1B2C302"):
            with self.assertRaises(UserError):
                lines.browse(by_serial[serial].id).action_apply()
        self.onts[1].onu_index = 42  # the registry is corrected
        lines.browse(line_ids).action_apply()
        self.assertEqual(
            (in_stock.olt_id, in_stock.pon_ifindex, in_stock.onu_index),
            (self.olt, PON_0, 2),
        )
        created = by_serial["HWTCA1B2C300"].equipment_id
        self.assertEqual((created.state, created.onu_index), ("in_stock", 0))
        self.assertEqual(elsewhere.onu_index, 9)
        with self.assertRaises(UserError):
            lines.browse(line_ids[:1]).action_apply()  # applied once only

    def test_discovery_of_an_olt_that_does_not_answer(self):
        self.credential.community = "nobody-answers"
        run = self.olt._tc_discover_onts()
        self.assertEqual(run.state, "error")
        self.assertIn("timeout", run.error.lower())

    def test_scheduled_discovery_runs_on_olts_that_ask(self):
        self.olt.ont_discovery_scheduled = True
        runs = self.env["tc.equipment"]._cron_discover_onts()
        self.assertEqual(runs.olt_id, self.olt)
        self.assertTrue(runs.scheduled)
