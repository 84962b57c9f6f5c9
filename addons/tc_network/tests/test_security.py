# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Attacks on the registry, the credentials and the TR-069 wizard, as the roles
that would try them (issue 17, item 6 and its variants); each asserts what is in
the database afterwards."""

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import TcNetworkCase

DEVICE_ID = "00259E-HG8245H-tstA1B2C301"


@tagged("post_install", "-at_install")
class TestNetworkSecurity(TcNetworkCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.net_manager = new_test_user(
            cls.env, "n_netmgr", groups="tc_network.group_network_manager"
        )

    def _sql_one(self, query, *args):
        self.env.flush_all()
        self.env.cr.execute(query, args)
        return self.env.cr.fetchone()[0]

    # -- re-pointing a device ------------------------------------------------------
    def test_agent_cannot_repoint_a_device_with_a_credential(self):
        """Issue 17 #6: an agent re-points the OLT (which has a credential) at their
        own host, then runs diagnostics. The write is refused; the diagnostics still
        go to the registry's host."""
        olt = self.olt.with_user(self.agent)
        for vals in (
            {"mgmt_host": "203.0.113.66"},
            {"snmp_credential_id": False},
            {"snmp_profile_id": self.onu_profile.id},
            {"snmp_ifindex": "1"},
            {"ont_ids": [(4, self.onts[0].id)]},
        ):
            with self.assertRaisesRegex(AccessError, "Only network managers"):
                olt.write(vals)
        ont = self.onts[0].with_user(self.supervisor)
        for vals in (
            {"olt_id": False},
            {"pon_ifindex": "1"},
            {"onu_index": 3},
            {"pon_port": "0/1/1"},
            {"acs_device_id": "OTHER-CUSTOMER-DEVICE"},
            {"serial": "SOMEONE-ELSE"},
            {"mac": "00:11:22:33:44:55"},
        ):
            with self.assertRaises(AccessError):
                ont.write(vals)
        self.assertEqual(
            self._sql_one(
                "SELECT mgmt_host FROM tc_equipment WHERE id = %s", self.olt.id
            ),
            "127.0.0.1",
        )
        # harmless fields stay an agent's job, and re-sending the same serial is
        # no change (imports)
        ont = self.onts[0].with_user(self.agent)
        ont.write({"firmware": "V3R017", "serial": self.onts[0].serial})
        self.assertEqual(self.onts[0].firmware, "V3R017")
        # the diagnostics read the registry, whatever the context says
        action = (
            self.onts[0]
            .with_user(self.agent)
            .with_context(default_mgmt_host="203.0.113.66", mgmt_host="203.0.113.66")
            .action_run_diagnostics()
        )
        record = self.env["tc.network.action"].browse(action["res_id"])
        self.assertEqual(record.result, "online", "read on the real (simulated) OLT")
        with self.assertRaises(TypeError):  # no target can be passed in
            self.onts[0].with_user(self.agent).action_run_diagnostics(ticket=1)

    def test_agent_cannot_create_a_device_pointing_anywhere(self):
        Eq = self.env["tc.equipment"].with_user(self.agent)
        new_olt = {
            "kind": "olt",
            "vendor": "Evil",
            "serial": "evil-1",
            "mgmt_host": "203.0.113.66",
            "snmp_credential_id": self.credential.id,
        }
        with self.assertRaisesRegex(AccessError, "Only network managers"):
            Eq.create(new_olt)
        # the same through default_* context keys
        with self.assertRaisesRegex(AccessError, "Only network managers"):
            Eq.with_context(
                default_mgmt_host="203.0.113.66",
                default_snmp_credential_id=self.credential.id,
            ).create({"kind": "olt", "vendor": "Evil", "serial": "evil-2"})
        # copying a configured OLT is creating one
        with self.assertRaises(AccessError):
            self.olt.with_user(self.agent).copy({"serial": "evil-3"})
        with self.assertRaises(AccessError):
            Eq.create(
                {"kind": "ont", "vendor": "X", "serial": "x1", "health": "online"}
            )
        self.assertFalse(
            self.env["tc.equipment"].search([("serial", "in", ("evil-1", "evil-2"))])
        )
        # a plain device in stock is an agent's to register
        stock = Eq.create({"kind": "router", "vendor": "TP-Link", "serial": "tpl-9"})
        self.assertEqual(stock.state, "in_stock")

    def test_network_manager_changes_targets(self):
        self.olt.with_user(self.net_manager).write({"mgmt_host": "127.0.0.2"})
        self.assertEqual(self.olt.mgmt_host, "127.0.0.2")
        self.onts[0].with_user(self.manager).write({"acs_device_id": DEVICE_ID})
        self.assertEqual(self.onts[0].acs_device_id, DEVICE_ID)
        self.assertTrue(self.manager.has_group("tc_network.group_network_manager"))
        self.assertFalse(self.agent.has_group("tc_network.group_network_manager"))

    def test_health_is_written_by_the_system_only(self):
        with self.assertRaisesRegex(AccessError, "health check"):
            self.onts[0].with_user(self.agent).write({"health": "online"})
        with self.assertRaisesRegex(AccessError, "health check"):
            self.onts[0].with_user(self.net_manager).write(
                {"last_seen": "2026-01-01 00:00:00"}
            )
        self.assertEqual(self.onts[0].health, "unknown")
        # nobody marks an OLT reachable again (which would close its NOC case) or
        # unreachable (which would freeze its ONTs' health), whatever the context
        for user in (self.agent, self.net_manager):
            with self.assertRaisesRegex(AccessError, "health check"):
                self.olt.with_user(user).with_context(tc_trust=True).write(
                    {"olt_unreachable_since": "2026-01-01 00:00:00"}
                )
        with self.assertRaisesRegex(AccessError, "health check"):
            self.env["tc.equipment"].with_user(self.net_manager).create(
                {
                    "kind": "olt",
                    "vendor": "Huawei",
                    "serial": "tst-forged-olt",
                    "olt_unreachable_since": "2026-01-01 00:00:00",
                }
            )
        self.assertFalse(self.olt.olt_unreachable_since)

    def test_tr069_goes_to_the_registry_device_id(self):
        self.nbi.reset()
        self.nbi.add_device(DEVICE_ID, self.onts[0].serial)
        self.onts[0].sudo().acs_device_id = DEVICE_ID
        self.nbi.add_device("00259E-HG8245H-VICTIM", "VICTIM")
        action = (
            self.onts[0]
            .with_user(self.agent)
            .with_context(
                acs_device_id="00259E-HG8245H-VICTIM", default_serial="VICTIM"
            )
            .action_tr069_reboot()
        )
        record = self.env["tc.network.action"].browse(action["res_id"])
        self.assertEqual(record.result, "done")
        self.assertIn(DEVICE_ID, self.nbi.requests[-1].raw_path)
        self.assertNotIn("VICTIM", self.nbi.requests[-1].raw_path)

    # -- credentials -----------------------------------------------------------------
    def test_secrets_never_leave_the_server(self):
        cred = self.credential
        for user in (self.agent, self.net_manager, self.manager):
            rec = cred.with_user(user)
            with self.assertRaises(AccessError):
                rec.read(["community"])
            with self.assertRaises(AccessError):
                rec.search([("community", "=", "demo-olt-1")])
            with self.assertRaises(UserError):  # no export right, or no field access
                rec.export_data(["community"])
            values = rec.read(["name", "new_community", "community_set"])[0]
            self.assertFalse(values["new_community"])
            self.assertTrue(values["community_set"])
        # the form's fields never carry the secret either
        view = (
            self.env["tc.snmp.credential"]
            .with_user(self.manager)
            .get_views([(False, "form")])
        )
        self.assertNotIn('name="community"', view["views"]["form"]["arch"])

    def test_only_network_managers_change_credentials(self):
        cred = self.credential.with_user(self.agent)
        with self.assertRaises(AccessError):
            cred.write({"port": 1})
        with self.assertRaises(AccessError):
            cred.write({"new_community": "stolen"})
        with self.assertRaises(AccessError):
            cred.unlink()
        with self.assertRaises(AccessError):
            self.env["tc.snmp.credential"].with_user(self.supervisor).with_context(
                default_community="x"
            ).create({"name": "mine"})
        # a network manager sets a secret without ever reading it
        self.credential.with_user(self.net_manager).write({"new_community": "n3w-c0m"})
        self.assertEqual(self.credential.sudo().community, "n3w-c0m")
        with self.assertRaises(AccessError):  # the stored field itself: admins only
            self.credential.with_user(self.net_manager).write({"community": "x"})
        self.assertEqual(
            self._sql_one(
                "SELECT community FROM tc_snmp_credential WHERE id = %s",
                self.credential.id,
            ),
            "n3w-c0m",
        )

    # -- the TR-069 wizard -------------------------------------------------------------
    def _wifi_wizard(self, user, password="Sup3r-Secret-Pass"):
        return (
            self.env["tc.network.tr069.wizard"]
            .with_user(user)
            .create(
                {
                    "equipment_id": self.onts[0].id,
                    "operation": "wifi",
                    "ssid": "Casa",
                    "password": password,
                }
            )
        )

    def test_wizard_forgets_the_password_after_a_failure(self):
        self.env["ir.config_parameter"].sudo().set_param("tc_network.acs_nbi_url", "")
        wizard = self._wifi_wizard(self.agent)
        result = wizard.action_apply()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn("No ACS is configured", result["params"]["message"])
        self.assertIsNone(
            self._sql_one(
                "SELECT password FROM tc_network_tr069_wizard WHERE id = %s", wizard.id
            )
        )
        # the device is unknown to the ACS: same
        self.env["ir.config_parameter"].sudo().set_param(
            "tc_network.acs_nbi_url", self.nbi.url
        )
        self.nbi.reset()
        wizard = self._wifi_wizard(self.agent)
        result = wizard.action_apply()
        self.assertIn("knows no device", result["params"]["message"])
        self.assertFalse(wizard.password)
        # an invalid password is never stored at all
        with self.assertRaises(ValidationError):
            self._wifi_wizard(self.agent, password="short")

    def test_wizard_rows_are_private(self):
        wizard = self._wifi_wizard(self.agent)
        other = self.agent2
        Wizard = self.env["tc.network.tr069.wizard"].with_user(other)
        self.assertFalse(Wizard.search([("id", "=", wizard.id)]))
        with self.assertRaises(AccessError):
            wizard.with_user(other).read(["password"])
        with self.assertRaises(AccessError):
            wizard.with_user(other).action_apply()

    # -- outage texts ----------------------------------------------------------------
    def test_customers_never_read_olt_or_pon_names(self):
        Eq = self.env["tc.equipment"]
        other = Eq.search([("id", "not in", (self.onts | self.olt).ids)])
        other.write({"monitored": False})
        Eq._cron_poll_network()
        Ticket = self.env["helpdesk.ticket"]
        incident = Ticket.search(
            [("tc_is_incident", "=", True), ("tc_incident_olt_ref", "=", self.olt.name)]
        )
        self.assertTrue(incident)
        cases = Ticket.search([("tc_equipment_id", "in", self.onts.ids)])
        customer_texts = [incident.tc_customer_notice or ""] + [
            str(case.description) for case in cases
        ]
        customer_texts += (
            self.env["tc.case.timeline"]
            .sudo()
            .search(
                [("ticket_id", "in", cases.ids), ("kind", "in", ("stage", "incident"))]
            )
            .mapped("name")
        )
        for text in customer_texts:
            for internal in (self.olt.name, "0/1/1", "127.0.0.1", "MA5800"):
                self.assertNotIn(internal, text)
        # staff still get the technical reason, on the diagnostic timeline
        self.assertTrue(
            cases.tc_timeline_ids.filtered(
                lambda e: e.kind == "diagnostic" and "turned offline" in e.name
            )
        )
