# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from pathlib import Path

from odoo.addons.tc_care.tests.common import TcCareCase
from odoo.addons.tc_network.testing.genieacs_nbi import GenieAcsNbiPeer
from odoo.addons.tc_network.testing.snmpsim_agent import SnmpSimulator

RECORDINGS = Path(__file__).resolve().parent.parent / "data" / "snmprec"
PON_0 = "4194312192"  # GPON 0/1/0: ONUs 1-4 in the recording
PON_1 = "4194312448"  # GPON 0/1/1: the port is down in the recording
UPLINK = "4194320384"


class TcNetworkCase(TcCareCase):
    """tc_care's people and customer, a real snmpsim serving the shipped recordings
    and a real NBI peer, both on 127.0.0.1, and the demo OLT topology built on them
    (six service locations of the customer)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sim = SnmpSimulator(
            RECORDINGS,
            v3_user="tcops",
            v3_auth_key="auth-key-123",
            v3_priv_key="priv-key-456",
        )
        cls.sim.start()
        cls.addClassCleanup(cls.sim.stop)
        cls.nbi = GenieAcsNbiPeer().start()
        cls.addClassCleanup(cls.nbi.stop)
        env = cls.env
        env["ir.config_parameter"].sudo().set_param(
            "tc_network.acs_nbi_url", cls.nbi.url
        )
        Profile = env["tc.snmp.profile"]
        cls.onu_profile = Profile.search([("key", "=", "huawei-gpon-onu")])
        cls.if_profile = Profile.search([("key", "=", "generic-ifmib")])
        cls.credential = env["tc.snmp.credential"].create(
            {
                "name": "test olt",
                "version": "2c",
                "community": "demo-olt-1",
                "port": cls.sim.port,
                "timeout": 0.5,
                "retries": 0,
            }
        )
        Eq = env["tc.equipment"]
        cls.olt = Eq.create(
            {
                "kind": "olt",
                "vendor": "Huawei",
                "model": "MA5800-X7",
                "serial": "test-olt-1",
                "state": "installed",
                "mgmt_host": "127.0.0.1",
                "snmp_credential_id": cls.credential.id,
                "snmp_profile_id": cls.if_profile.id,
                "snmp_ifindex": UPLINK,
            }
        )
        cls.locations = env["res.partner"].create(
            [
                {
                    "name": f"Net loc {i}",
                    "type": "service_location",
                    "parent_id": cls.customer.id,
                    "tc_olt_ref": cls.olt.name,
                    "tc_pon_port": "0/1/0" if i <= 4 else "0/1/1",
                }
                for i in range(1, 7)
            ]
        )
        cls.onts = Eq.create(
            [
                {
                    "kind": "ont",
                    "vendor": "Huawei",
                    "model": "HG8245H",
                    "serial": f"tstA1B2C30{i}",
                    "state": "installed",
                    "location_id": cls.locations[i - 1].id,
                    "olt_id": cls.olt.id,
                    "pon_port": "0/1/0" if i <= 4 else "0/1/1",
                    "pon_ifindex": PON_0 if i <= 4 else PON_1,
                    "onu_index": i if i <= 4 else i - 4,
                    "snmp_profile_id": cls.onu_profile.id,
                }
                for i in range(1, 7)
            ]
        )
