"""Per-OLT bulk reading (lib/olt_tables.py) and the fleet runner (lib/fleet.py)
against the real snmpsim agent on 127.0.0.1 (see conftest.py), v2c and v3 authPriv."""

import pytest
from tc_network.lib import fleet, olt_tables, profiles, snmp_client

PON_UP = 4194312192  # GPON 0/1/0 in demo-olt-1
PON_DOWN = 4194312448  # GPON 0/1/1, ifOperStatus down


@pytest.fixture
def plan():
    return olt_tables.plan(profiles.get_profile("huawei-gpon-onu"))


def test_plan_walks_only_the_ont_columns(plan):
    assert {"onu_state", "rx_power", "tx_power"} <= set(plan.metrics)
    assert "uptime" not in plan.metrics  # one value per OLT: never walked
    assert "interface_status" not in plan.metrics  # read from the ports walk
    assert plan.serial.base.endswith(".43.1.3")
    assert olt_tables.plan(profiles.get_profile("generic-ifmib")) is None


def test_column_keys_with_and_without_suffix():
    col = olt_tables.Column("rx", "1.3.6.1.4.1.3902.1012.3.50.12.1.1.10", (1,))
    base = col.base
    assert col.key_of(f"{base}.285278465.3.1") == (285278465, 3)
    assert col.key_of(f"{base}.285278465.3.2") is None  # another sub-row
    assert col.key_of(f"{base}1.285278465.3.1") is None  # a sibling column
    assert olt_tables.Column("x", "1.2.3").key_of("1.2.3.7.0") == (7, 0)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("0x48575443a1b2c300", "HWTCA1B2C300"),  # unprintable tail: hex from the agent
        ("HWTCABCD", "HWTC41424344"),  # all 8 octets printable: text from the agent
        (b"ZTEG\xc0\xa1\xb2\xc3", "ZTEGC0A1B2C3"),
        ("ZTEGC0A1B2C3", "ZTEGC0A1B2C3"),  # already in the shown form
        (None, None),
        ("", None),
    ],
)
def test_gpon_serial(raw, shown):
    assert olt_tables.gpon_serial(raw) == shown


def _check_demo_olt(tables, profile):
    assert tables.ports[PON_UP]["pon_port"] == "0/1/0"
    assert tables.ports[PON_DOWN]["status"] == 2
    assert sorted(onu for pon, onu in tables.onus if pon == PON_UP) == [0, 1, 2, 3, 4]
    health = {
        onu: olt_tables.evaluate_ont(profile, tables, PON_UP, onu)[1]
        for onu in range(5)
    }
    assert health == {
        0: "online",
        1: "online",
        2: "degraded",
        3: "offline",
        4: "degraded",
    }
    # an ONT of a port that is down is offline even when the OLT lists no row
    assert olt_tables.evaluate_ont(profile, tables, PON_DOWN, 1)[1] == "offline"
    # an ONT the OLT does not return is "not seen", not a failure
    assert olt_tables.evaluate_ont(profile, tables, PON_UP, 99) is None


@pytest.mark.parametrize("version", ["2c", "3"])
def test_walk_one_olt(snmpsim, plan, version):
    target = snmpsim.v2c("demo-olt-1") if version == "2c" else snmpsim.v3("demo-olt-1")
    result = fleet.walk_one(target, plan, with_serials=True)
    assert result.ok, result.error
    profile = profiles.get_profile("huawei-gpon-onu")
    _check_demo_olt(result.tables, profile)
    serials = {
        key: olt_tables.gpon_serial(row["serial"])
        for key, row in result.tables.onus.items()
    }
    assert serials[(PON_UP, 0)] == "HWTCA1B2C300"
    # two ports walks plus one per column (small tables: one GETBULK each)
    assert result.tables.walks == 2 + len(plan.columns) + 1


def test_an_olt_that_does_not_answer_never_holds_the_others(snmpsim, plan):
    """Concurrency 2, one dead OLT among live ones: every live OLT's result comes
    before the dead one's, which ends at its own deadline with a clear error."""
    dead = snmpsim.v2c("no-such-agent", timeout=5.0, retries=0)
    live = [snmpsim.v2c("demo-olt-1") for _ in range(6)]
    jobs = [fleet.Job("dead", dead, plan=plan)] + [
        fleet.Job(i, t, plan=plan) for i, t in enumerate(live)
    ]
    results = fleet.run_all(jobs, concurrency=2, olt_timeout=1.0)
    assert [r.key for r in results][-1] == "dead"
    assert all(r.ok for r in results[:-1])
    last = results[-1]
    assert last.unreachable
    assert "did not finish in 1 s" in str(last.error)
    assert "no-such-agent" not in str(last.error)  # the community never leaks


def test_gets_and_walks_in_one_run_keep_their_own_results(snmpsim, plan):
    jobs = [
        fleet.Job("walk", snmpsim.v2c("demo-olt-1"), plan=plan),
        fleet.Job("get", snmpsim.v2c("demo-ont-1"), oids=["1.3.6.1.2.1.1.3.0"]),
    ]
    by_key = {r.key: r for r in fleet.run_all(jobs)}
    assert by_key["get"].values["1.3.6.1.2.1.1.3.0"] > 0
    assert by_key["walk"].tables.onus


def test_closing_early_cancels_the_rest(snmpsim, plan):
    dead = snmpsim.v2c("no-such-agent", timeout=30.0, retries=0)
    jobs = [fleet.Job("live", snmpsim.v2c("demo-olt-1"), plan=plan)] + [
        fleet.Job(i, dead, plan=plan) for i in range(4)
    ]
    results = fleet.iter_results(jobs, concurrency=5, buffer=1)
    assert next(results).key == "live"
    results.close()  # returns without waiting the 30 s of the dead ones


def test_errors_are_results_not_exceptions(snmpsim, plan):
    wrong_user = snmpsim.v3("demo-olt-1", user="nobody")
    (result,) = fleet.run_all([fleet.Job("x", wrong_user, plan=plan)])
    assert not result.ok
    assert isinstance(result.error, snmp_client.SnmpError)
