"""Fixtures for the tc_network protocol tests: real local peers, no mocks.

* ``snmpsim``: one ``snmpsim-command-responder`` process for the whole session on
  127.0.0.1:<free UDP port>, serving ``addons/tc_network/data/snmprec`` (one
  agent per recording: SNMPv2c community = recording name; SNMPv3 authPriv
  SHA + AES-128 with the user below, context name = recording name).
* ``nbi``: a GenieACS NBI look-alike (``tests/peers/genieacs_nbi.py``) started
  once, reset and seeded before each test.
"""

import socket
from dataclasses import dataclass
from pathlib import Path

import pytest
from tc_network.lib import snmp_client
from tc_network.testing.genieacs_nbi import GenieAcsNbiPeer
from tc_network.testing.snmpsim_agent import SnmpSimulator

ROOT = Path(__file__).resolve().parents[2]
SNMPREC_DIR = ROOT / "addons" / "tc_network" / "data" / "snmprec"

V3_USER = "tcops-probe"
V3_AUTH_KEY = "Auth-Key-7f3a91"  # >= 8 characters (RFC 3414)
V3_PRIV_KEY = "Priv-Key-c04e2d"

# GenieACS stores "-" inside an id part as %2D: serial SR552NA084-0003269
IGD_ID = "00236a-SR552n-SR552NA084%2D0003269"
IGD_SERIAL = "SR552NA084-0003269"
IGD_MAC = "00:23:6A:9B:10:0C"
TR181_ID = "A0B1C2-HG8245H-48575443A1B2C301"
TR181_SERIAL = "48575443A1B2C301"
TR181_MAC = "a0:b1:c2:00:00:01"


@dataclass
class SnmpSim:
    host: str
    port: int

    def v2c(self, community, **kw):
        kw.setdefault("timeout", 2.0)
        kw.setdefault("retries", 1)
        return snmp_client.SnmpTarget.v2c(self.host, community, port=self.port, **kw)

    def v3(self, context, **kw):
        kw.setdefault("timeout", 2.0)
        kw.setdefault("retries", 1)
        kw.setdefault("auth_key", V3_AUTH_KEY)
        kw.setdefault("priv_key", V3_PRIV_KEY)
        user = kw.pop("user", V3_USER)
        return snmp_client.SnmpTarget.v3(
            self.host,
            user,
            port=self.port,
            auth_protocol="SHA",
            priv_protocol="AES",
            context_name=context,
            **kw,
        )


@pytest.fixture(scope="session")
def snmpsim(tmp_path_factory):
    sim = SnmpSimulator(
        SNMPREC_DIR,
        v3_user=V3_USER,
        v3_auth_key=V3_AUTH_KEY,
        v3_auth_proto="SHA",
        v3_priv_key=V3_PRIV_KEY,
        v3_priv_proto="AES",
        probe_community="demo-olt-1",
        work_dir=tmp_path_factory.mktemp("snmpsim"),
    )
    sim.start(timeout=60)
    try:
        yield SnmpSim("127.0.0.1", sim.port)
    finally:
        sim.stop()


@pytest.fixture
def dead_udp_port():
    """A UDP port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def _nbi_server():
    peer = GenieAcsNbiPeer().start()
    try:
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def nbi(_nbi_server):
    peer = _nbi_server
    peer.reset()
    peer.add_device(IGD_ID, IGD_SERIAL, mac=IGD_MAC, data_model="igd")
    peer.add_device(
        TR181_ID,
        TR181_SERIAL,
        oui="A0B1C2",
        product_class="HG8245H",
        manufacturer="Huawei",
        mac=TR181_MAC,
        data_model="device2",
    )
    return peer
