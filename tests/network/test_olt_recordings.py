"""The OLT recordings (data/snmprec hw-olt-a, zte-olt-a) and the fleet generator
(testing/olt_fleet.py), read over SNMP from a real snmpsim with the profiles'
"olt" blocks: port names -> PON index, walked columns -> health per ONT."""

from collections import defaultdict

from tc_network.lib import profiles, snmp_client
from tc_network.testing import olt_fleet
from tc_network.testing.snmpsim_agent import SnmpSimulator

from .conftest import SNMPREC_DIR

ZTE = profiles.get_profile("zte-gpon-onu")
HUAWEI = profiles.get_profile("huawei-gpon-onu")
ONU_INDEX = ".{pon_ifindex}.{onu_id}"


def read_olt(target, profile):
    """What a bulk poll of one OLT sees: ``(ports, onus)`` with ``ports =
    {pon_index: (pon_port, ifindex, oper_status)}`` and ``onus = {(pon_index,
    onu_id): {metric or "serial": raw}}`` (a test's own reading, not the engine)."""
    spec = profile["olt"]["ports"]
    status = {
        int(oid.rsplit(".", 1)[1]): value
        for oid, value in snmp_client.walk(target, spec["status_oid"])
    }
    ports = {}
    for oid, name in snmp_client.walk(target, spec["name_oid"]):
        ifindex = int(oid.rsplit(".", 1)[1])
        parsed = profiles.olt_pon_port(profile, name, ifindex)
        if parsed:
            ports[parsed[1]] = (parsed[0], ifindex, status[ifindex])
    columns = {m["metric"]: m["oid"] for m in profiles.walked_metrics(profile)}
    columns["serial"] = profile["olt"]["serial_oid"]
    onus = defaultdict(dict)
    for metric, template in columns.items():
        prefix, suffix = template.split(ONU_INDEX)
        for oid, value in snmp_client.walk(target, prefix):
            pon_index, onu_id, *rest = oid[len(prefix) + 1 :].split(".")
            assert "".join(f".{p}" for p in rest) == suffix, oid
            onus[(int(pon_index), int(onu_id))][metric] = value
    return ports, dict(onus)


def health_by_onu(profile, onus):
    return {
        key: profiles.health(profiles.evaluate(profile, raw))
        for key, raw in onus.items()
    }


# ------------------------------------------------------------ committed files


def test_committed_recordings_are_built_from_the_profiles(tmp_path):
    olt_fleet.write_fixtures(tmp_path)
    for name in ("hw-olt-a", "zte-olt-a"):
        committed = (SNMPREC_DIR / f"{name}.snmprec").read_text()
        assert committed == (tmp_path / f"{name}.snmprec").read_text(), (
            f"{name}.snmprec differs from olt_fleet.write_fixtures: regenerate it "
            "(data/snmprec/README.md)"
        )


def test_every_recording_is_sorted_by_oid():
    for path in sorted(SNMPREC_DIR.glob("*.snmprec")):
        oids = [line.split("|", 1)[0] for line in path.read_text().splitlines()]
        keys = [tuple(int(p) for p in oid.split(".")) for oid in oids]
        assert keys == sorted(set(keys)), path.name


# ------------------------------------------------------------ over SNMP


def test_zte_olt_a_two_numberings_and_onu_health(snmpsim, tmp_path):
    target = snmpsim.v2c("zte-olt-a")
    descr = snmp_client.walk(target, "1.3.6.1.2.1.2.2.1.2")
    assert len(descr) == 5 and {value for _, value in descr} == {""}
    ports, onus = read_olt(target, ZTE)
    assert ports == {
        268501248: ("1/1/1", 268435456, 1),
        268501504: ("1/1/2", 268435712, 2),
        268567040: ("1/2/2", 268501248, 1),  # IF-MIB 268501248 is not PON 1/1/1
    }
    expected = olt_fleet.write_fixtures(tmp_path)
    want = {(o.pon_index, o.onu_id): o.expected_health for o in expected["zte-olt-a"]}
    assert health_by_onu(ZTE, onus) == want
    assert want[(268501248, 2)] == "degraded" and want[(268501504, 1)] == "offline"
    assert onus[(268501248, 1)]["serial"] == "0x5a544547c0a1b2c3"
    assert onus[(268501248, 4)]["serial"] == "ZTEG3AB1"  # printable tail
    rx = profiles.evaluate(ZTE, onus[(268501248, 1)])[1]
    assert (rx["metric"], rx["raw"], rx["value"]) == ("rx_power", 5280, -19.44)


def test_hw_olt_a_ports_onts_and_serials(snmpsim, tmp_path):
    target = snmpsim.v2c("hw-olt-a")
    ports, onus = read_olt(target, HUAWEI)
    assert ports == {
        4194312192: ("0/1/0", 4194312192, 1),
        4194312448: ("0/1/1", 4194312448, 2),
    }
    expected = olt_fleet.write_fixtures(tmp_path)
    want = {(o.pon_index, o.onu_id): o.expected_health for o in expected["hw-olt-a"]}
    assert health_by_onu(HUAWEI, onus) == want
    assert sorted(onu for pon, onu in want if pon == 4194312192) == [0, 1, 2, 3, 4]
    assert onus[(4194312192, 0)]["serial"] == "HWTCABCD"
    assert onus[(4194312192, 1)]["serial"] == "0x485754431a2b3c01"
    if_index = "1.3.6.1.2.1.2.2.1.1.4194312192"
    assert snmp_client.get(target, [if_index])[if_index] == -100655104
    readings = profiles.evaluate(HUAWEI, onus[(4194312192, 2)])
    assert [(r["metric"], r["value"]) for r in readings] == [
        ("onu_state", "offline"),
        ("rx_power", None),
        ("tx_power", None),
        ("distance", None),
        ("last_down_cause", "dying gasp"),
    ]


# ------------------------------------------------------------ the generator


def test_fleet_is_deterministic_and_shaped(tmp_path):
    first = olt_fleet.write_fleet(tmp_path / "a", olts=3, onts_per_olt=40, seed=7)
    again = olt_fleet.write_fleet(tmp_path / "b", olts=3, onts_per_olt=40, seed=7)
    assert first == again
    for name in ("hw-olt-001", "hw-olt-003"):
        text = (tmp_path / "a" / f"{name}.snmprec").read_text()
        assert text == (tmp_path / "b" / f"{name}.snmprec").read_text()
    olt_fleet.write_fleet(tmp_path / "c", olts=3, onts_per_olt=40, seed=8)
    assert (tmp_path / "c" / "hw-olt-003.snmprec").read_text() != text
    assert len(first) == 120 and len({o.serial for o in first}) == 120
    per_port = defaultdict(list)
    for o in first:
        per_port[(o.olt_name, o.pon_port)].append(o.onu_id)
    assert sorted(per_port[("hw-olt-001", "0/1/0")]) == list(range(5))  # ids from 0
    assert {o.pon_port for o in first} == {f"0/1/{p}" for p in range(8)}
    assert {o.pon_index for o in first} == {4194312192 + 256 * p for p in range(8)}
    health = [o.expected_health for o in first]
    assert health.count("offline") == 6 and health.count("degraded") == 6

    zte = olt_fleet.write_fleet(tmp_path / "z", olts=1, onts_per_olt=40, vendor="zte")
    assert {o.onu_id for o in zte} == set(range(1, 6))  # ZTE ids from 1
    assert {o.pon_index for o in zte} == {268501248 + 256 * p for p in range(8)}
    assert all(o.serial.startswith("ZTEG") and len(o.serial) == 12 for o in zte)
    assert (tmp_path / "z" / "zte-olt-001.snmprec").exists()


def test_generated_fleet_is_served_by_snmpsim(tmp_path):
    data = tmp_path / "recordings"
    hw = olt_fleet.write_fleet(data, olts=2, onts_per_olt=25, ports_per_olt=4)
    zte = olt_fleet.write_fleet(data, olts=1, onts_per_olt=25, vendor="zte")
    sim = SnmpSimulator(data, work_dir=tmp_path / "sim").start(timeout=60)
    try:

        def target(community):
            return snmp_client.SnmpTarget.v2c(
                "127.0.0.1", community, port=sim.port, timeout=2.0, retries=1
            )

        first = hw[0]
        oids = profiles.metric_oids(
            HUAWEI, pon_ifindex=first.pon_index, onu_id=first.onu_id
        )
        sys_name, state = "1.3.6.1.2.1.1.5.0", oids["onu_state"]
        values = snmp_client.get(target("hw-olt-002"), [sys_name, state])
        assert values == {sys_name: "hw-olt-002", state: 1}
        for expected, profile in ((hw, HUAWEI), (zte, ZTE)):
            olt = expected[0].olt_name
            mine = [o for o in expected if o.olt_name == olt]
            assert {o.expected_health for o in mine} == {
                "online",
                "degraded",
                "offline",
            }
            ports, onus = read_olt(target(olt), profile)
            assert {o.pon_index for o in mine} == set(ports)
            assert health_by_onu(profile, onus) == {
                (o.pon_index, o.onu_id): o.expected_health for o in mine
            }
            # 4 vendor octets + 4 non-printable ones: to_python gives hex
            assert {key: raw["serial"] for key, raw in onus.items()} == {
                (o.pon_index, o.onu_id): "0x"
                + o.serial[:4].encode().hex()
                + o.serial[4:].lower()
                for o in mine
            }
    finally:
        sim.stop()
