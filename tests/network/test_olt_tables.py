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
    # two walks of several columns each: the ports table, the ONU columns
    assert result.tables.walks == 2
    assert result.tables.requests < 2 + len(plan.columns) + 1  # one per column before


HW_GPON = "1.3.6.1.4.1.2011.6.128.1.1.2"
COLUMNS = [
    "1.3.6.1.2.1.2.2.1.2",  # ifDescr: 4 rows
    f"{HW_GPON}.43.1.3",  # ONT serials: 5 rows
    f"{HW_GPON}.51.1.4",  # rx power: 5 rows
    f"{HW_GPON}.99",  # no such column: no rows
    "1.3.6.1.2.1.2.2.1.8",  # ifOperStatus: 4 rows
]


async def _walk_columns(target, bases, **kw):
    async with snmp_client.AsyncSnmpClient() as client:
        tables = olt_tables.OltTables()
        rows = await olt_tables.walk_columns(client, target, bases, tables=tables, **kw)
        return rows, tables


@pytest.mark.parametrize(
    ("version", "max_repetitions"),
    [("2c", 50), ("2c", 3), ("2c", 1), ("3", 7), ("1", 50)],
)
def test_walk_columns_reads_what_one_walk_per_column_reads(
    snmpsim, version, max_repetitions
):
    """Columns of different lengths (and an empty one) walked together, with
    answers of a few bindings (several steps, columns ending at different steps)
    or one: every column's rows are those of its own walk."""
    if version == "3":
        target = snmpsim.v3("demo-olt-1")
    else:
        target = snmp_client.SnmpTarget(
            snmpsim.host, port=snmpsim.port, version=version, community="demo-olt-1"
        )
    rows, tables = snmp_client.run_sync(
        lambda: _walk_columns(target, COLUMNS, max_repetitions=max_repetitions)
    )
    for base in COLUMNS:
        assert rows[base] == snmp_client.bulk_walk(target, base), base
    assert [len(rows[b]) for b in COLUMNS] == [4, 5, 5, 0, 4]
    assert (tables.walks, tables.rows) == (1, 18)
    if version != "1" and max_repetitions == 50:
        # 10 rows per column asked: every row and every column's end in one answer
        assert tables.requests == 1


def test_walk_columns_keeps_an_answer_within_max_repetitions(snmpsim):
    """An answer carries at most max_repetitions bindings: rows per column =
    max_repetitions // columns still going."""
    sizes = []
    orig = snmp_client.AsyncSnmpClient._request

    async def spy(client, target, op, oids, max_repetitions=0):
        answer = await orig(client, target, op, oids, max_repetitions)
        sizes.append((len(oids), max_repetitions, len(answer)))
        return answer

    snmp_client.AsyncSnmpClient._request = spy
    try:
        snmp_client.run_sync(
            lambda: _walk_columns(
                snmpsim.v2c("demo-olt-1"), COLUMNS[:3], max_repetitions=4
            )
        )
    finally:
        snmp_client.AsyncSnmpClient._request = orig
    assert all(answered <= 4 for _n, _r, answered in sizes)
    assert sizes[0] == (3, 1, 3)  # 4 // 3 columns: one row each


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
