"""snmp_client against a real snmpsim agent on 127.0.0.1 (see conftest.py)."""

import asyncio
import logging
import threading
import time

import pytest
from pysnmp.proto.secmod.rfc3826.priv import aes as pysnmp_aes
from tc_network.lib import snmp_client
from tc_network.lib.snmp_client import (
    SnmpAuthError,
    SnmpConfigError,
    SnmpCryptoUnavailableError,
    SnmpNoSuchObjectError,
    SnmpTarget,
    SnmpTimeoutError,
)

from .conftest import V3_AUTH_KEY, V3_PRIV_KEY

SYS_DESCR = "1.3.6.1.2.1.1.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
SYS_NAME = "1.3.6.1.2.1.1.5.0"
SYS_SERVICES = "1.3.6.1.2.1.1.7.0"  # not in the recordings
IF_TABLE = "1.3.6.1.2.1.2.2"
IF_OPER_STATUS = "1.3.6.1.2.1.2.2.1.8"
PON = 4194312192
HW = "1.3.6.1.4.1.2011.6.128.1.1.2"


def rx_oid(onu):
    return f"{HW}.51.1.4.{PON}.{onu}"


# --------------------------------------------------------------------- GET


def test_v2c_get_returns_plain_python_values(snmpsim):
    values = snmp_client.get(
        snmpsim.v2c("demo-ont-2"), [SYS_NAME, SYS_UPTIME, rx_oid(2), SYS_DESCR]
    )
    assert list(values) == [SYS_NAME, SYS_UPTIME, rx_oid(2), SYS_DESCR]
    assert values[SYS_NAME] == "demo-ont-2"
    assert values[SYS_UPTIME] == 98765400  # TimeTicks as int (0.01 s)
    assert values[rx_oid(2)] == -2950  # 0.01 dBm -> -29.50 dBm
    assert values[SYS_DESCR].startswith("Huawei EchoLife HG8245H")


def test_binary_octet_string_comes_back_as_hex(snmpsim):
    sn = f"{HW}.43.1.3.{PON}.1"
    assert snmp_client.get(snmpsim.v2c("demo-ont-1"), [sn])[sn] == "0x48575443a1b2c301"


def test_v3_authpriv_sha_aes_get(snmpsim):
    target = snmpsim.v3("demo-ont-1")
    assert target.security_level == "authPriv"
    values = snmp_client.get(target, [SYS_NAME, rx_oid(1)])
    assert values == {SYS_NAME: "demo-ont-1", rx_oid(1): -1853}


def test_v3_context_selects_the_agent(snmpsim):
    assert snmp_client.get(snmpsim.v3("demo-olt-1"), [SYS_NAME]) == {
        SYS_NAME: "demo-olt-1"
    }


def test_leading_dot_and_tuple_oids_are_accepted(snmpsim):
    values = snmp_client.get(
        snmpsim.v2c("demo-ont-1"), ["." + SYS_NAME, (1, 3, 6, 1, 2, 1, 1, 3, 0)]
    )
    assert values == {SYS_NAME: "demo-ont-1", SYS_UPTIME: 12345600}


def test_no_such_object_strict_and_lenient(snmpsim):
    target = snmpsim.v2c("demo-ont-1")
    with pytest.raises(SnmpNoSuchObjectError) as err:
        snmp_client.get(target, [SYS_NAME, SYS_SERVICES])
    assert err.value.oids == (SYS_SERVICES,)
    assert SYS_SERVICES in str(err.value)
    values = snmp_client.get(target, [SYS_NAME, SYS_SERVICES], strict=False)
    assert values == {SYS_NAME: "demo-ont-1", SYS_SERVICES: None}


# --------------------------------------------------------------------- errors


def test_wrong_community_is_a_timeout_with_a_hint(snmpsim):
    target = snmpsim.v2c("not-a-community", timeout=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(SnmpTimeoutError) as err:
        snmp_client.get(target, [SYS_NAME])
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 3.0  # two tries of 0.3 s, not the default timeout
    message = str(err.value)
    assert "2 tries of 0.3 s" in message
    assert "community" in message
    assert "not-a-community" not in message
    assert err.value.host == f"127.0.0.1:{snmpsim.port}"


def test_unreachable_port_times_out(dead_udp_port):
    target = SnmpTarget.v2c(
        "127.0.0.1", "public", port=dead_udp_port, timeout=0.3, retries=0
    )
    with pytest.raises(SnmpTimeoutError, match="no response from 127.0.0.1"):
        snmp_client.get(target, [SYS_NAME])


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"auth_key": "Wrong-Auth-Key-1"}, "authentication failed"),
        ({"priv_key": "Wrong-Priv-Key-1"}, "wrong privacy key"),
        ({"user": "intruder"}, "Unknown USM user"),
    ],
)
def test_wrong_v3_credentials_raise_auth_error(snmpsim, change, expected):
    target = snmpsim.v3("demo-ont-1", timeout=1.0, retries=0, **change)
    with pytest.raises(SnmpAuthError) as err:
        snmp_client.get(target, [SYS_NAME])
    message = str(err.value)
    assert expected in message
    for secret in (V3_AUTH_KEY, V3_PRIV_KEY, "Wrong-Auth-Key-1", "Wrong-Priv-Key-1"):
        assert secret not in message
        assert secret not in repr(err.value)


def test_missing_ciphers_give_an_actionable_error(snmpsim, monkeypatch):
    """With cryptography < 47 pysnmp can only say "Ciphering services not
    available"; simulate that state the way pysnmp records it."""
    monkeypatch.setattr(pysnmp_aes, "PysnmpCryptoError", True)
    with pytest.raises(SnmpCryptoUnavailableError) as err:
        snmp_client.get(snmpsim.v3("demo-ont-1", retries=0), [SYS_NAME])
    message = str(err.value)
    assert "cryptography>=47" in message
    assert "pyOpenSSL" in message and "urllib3" in message
    assert V3_PRIV_KEY not in message
    # v2c keeps working in that state: a v2c-only check would hide the problem
    assert (
        snmp_client.get(snmpsim.v2c("demo-ont-1"), [SYS_NAME])[SYS_NAME] == "demo-ont-1"
    )


def test_target_validation_and_repr_hide_secrets():
    with pytest.raises(SnmpConfigError, match="needs a community"):
        SnmpTarget("127.0.0.1")
    with pytest.raises(SnmpConfigError, match="too short") as err:
        SnmpTarget.v3("127.0.0.1", "u", auth_key="short1", priv_key="long-enough-1")
    assert "short1" not in str(err.value)
    with pytest.raises(SnmpConfigError, match="privacy needs an auth key"):
        SnmpTarget.v3("127.0.0.1", "u", priv_key="long-enough-1")
    with pytest.raises(SnmpConfigError, match="unsupported SNMP version"):
        SnmpTarget("127.0.0.1", community="c", version="4")
    with pytest.raises(SnmpConfigError, match="not a numeric OID"):
        snmp_client.normalize_oid("SNMPv2-MIB::sysName.0")

    v2 = SnmpTarget.v2c("127.0.0.1", "s3cret-community")
    v3 = SnmpTarget.v3(
        "127.0.0.1", "ops", auth_key="auth-S3cret", priv_key="priv-S3cret"
    )
    for target in (v2, v3):
        for text in (repr(target), str(target), target.label):
            assert "s3cret-community" not in text
            assert "auth-S3cret" not in text and "priv-S3cret" not in text
    assert "community='***'" in repr(v2)
    assert "auth_key='***'" in repr(v3) and "user='ops'" in repr(v3)
    assert v3.scrub("boom auth-S3cret boom") == "boom *** boom"


# --------------------------------------------------------------------- walks


def test_bulk_walk_of_the_iftable(snmpsim):
    # max_repetitions=5 forces several GETBULK round trips over 24 cells
    rows = snmp_client.bulk_walk(snmpsim.v2c("demo-olt-1"), IF_TABLE, max_repetitions=5)
    assert len(rows) == 24  # 6 columns x 4 interfaces, nothing outside the table
    oids = [oid for oid, _ in rows]
    assert all(oid.startswith(IF_TABLE + ".") for oid in oids)
    keys = [tuple(int(p) for p in oid.split(".")) for oid in oids]
    assert keys == sorted(keys)
    table = dict(rows)
    assert table[f"1.3.6.1.2.1.2.2.1.2.{PON}"] == "GPON 0/1/0"
    oper = [v for oid, v in rows if oid.startswith(IF_OPER_STATUS + ".")]
    assert oper == [1, 2, 1, 2]


def test_walk_over_v3_and_over_v1_getnext(snmpsim):
    v3_rows = snmp_client.walk(snmpsim.v3("demo-olt-1"), IF_OPER_STATUS)
    v1 = SnmpTarget("127.0.0.1", snmpsim.port, "1", "demo-olt-1", timeout=2.0)
    v1_rows = snmp_client.walk(v1, IF_OPER_STATUS)
    assert v3_rows == v1_rows
    assert [v for _, v in v1_rows] == [1, 2, 1, 2]


def test_walk_stops_at_end_of_mib_and_respects_max_rows(snmpsim):
    hw_rows = snmp_client.bulk_walk(snmpsim.v2c("demo-olt-1"), HW)
    assert len(hw_rows) == 5 * 5  # ONUs 0-4 x 5 columns, then endOfMibView
    assert len(snmp_client.bulk_walk(snmpsim.v2c("demo-olt-1"), HW, max_rows=7)) == 7


# --------------------------------------------------------------------- poll_many


def test_poll_many_isolates_a_dead_target(snmpsim, dead_udp_port):
    oids = [SYS_NAME, SYS_UPTIME]
    jobs = [(snmpsim.v2c(f"demo-ont-{i}"), oids) for i in (1, 2)]
    jobs.append(
        (
            SnmpTarget.v2c(
                "127.0.0.1", "public", port=dead_udp_port, timeout=0.5, retries=0
            ),
            oids,
        )
    )
    jobs += [(snmpsim.v2c(f"demo-ont-{i}"), oids) for i in (3, 4)]
    jobs.append((snmpsim.v3("demo-olt-1"), oids))
    started = time.monotonic()
    results = snmp_client.poll_many(jobs, concurrency=8)
    assert time.monotonic() - started < 3.0
    assert [r.index for r in results] == list(range(6))
    dead = results[2]
    assert not dead.ok and dead.error_kind == "timeout"
    assert isinstance(dead.error, SnmpTimeoutError)
    assert dead.values == {}
    names = [r.values.get(SYS_NAME) for r in results if r.ok]
    assert names == [
        "demo-ont-1",
        "demo-ont-2",
        "demo-ont-3",
        "demo-ont-4",
        "demo-olt-1",
    ]
    assert all(r.duration_ms > 0 for r in results)


def test_poll_many_separates_v3_credential_sets_sharing_a_user_name(snmpsim):
    """pysnmp keys USM users by name per engine: a wrong key for the same user
    must not poison concurrent requests that use the right one."""
    good = [(snmpsim.v3(f"demo-ont-{i}"), [SYS_NAME]) for i in (1, 2, 3, 4)]
    bad = [
        (
            snmpsim.v3(f"demo-ont-{i}", auth_key="Wrong-Auth-Key-1", retries=0),
            [SYS_NAME],
        )
        for i in (1, 2)
    ]
    results = snmp_client.poll_many(
        [good[0], bad[0], good[1], bad[1], good[2], good[3]]
    )
    kinds = [r.error_kind for r in results]
    assert kinds == [None, "auth", None, "auth", None, None]
    assert [r.values[SYS_NAME] for r in results if r.ok] == [
        "demo-ont-1",
        "demo-ont-2",
        "demo-ont-3",
        "demo-ont-4",
    ]


def test_poll_many_bounds_concurrency(snmpsim, dead_udp_port):
    # 4 dead targets of 0.4 s with concurrency 2 need two waves (>= 0.8 s)
    dead = SnmpTarget.v2c(
        "127.0.0.1", "public", port=dead_udp_port, timeout=0.4, retries=0
    )
    started = time.monotonic()
    results = snmp_client.poll_many([(dead, [SYS_NAME])] * 4, concurrency=2)
    elapsed = time.monotonic() - started
    assert all(r.error_kind == "timeout" for r in results)
    assert 0.75 <= elapsed < 2.5


def test_poll_many_logs_no_credentials(snmpsim, dead_udp_port, caplog):
    caplog.set_level(logging.DEBUG, logger="tc_network")
    jobs = [
        (snmpsim.v2c("demo-ont-1"), [SYS_NAME]),
        (snmpsim.v2c("wrong-Community-9", timeout=0.3, retries=0), [SYS_NAME]),
        (snmpsim.v3("demo-ont-1", priv_key="Wrong-Priv-Key-1", retries=0), [SYS_NAME]),
        (snmpsim.v3("demo-ont-2"), [SYS_NAME]),
    ]
    results = snmp_client.poll_many(jobs)
    assert [r.ok for r in results] == [True, False, False, True]
    text = caplog.text + "".join(str(r.error) + repr(r) for r in results)
    assert "failed" in caplog.text  # failures are logged ...
    for secret in ("wrong-Community-9", "Wrong-Priv-Key-1", V3_AUTH_KEY, V3_PRIV_KEY):
        assert secret not in text  # ... without credentials


# --------------------------------------------------------------------- sync wrappers


def test_sync_wrappers_work_from_threads_and_inside_a_running_loop(snmpsim):
    target = snmpsim.v2c("demo-ont-4")
    out = {}

    def worker():
        out["thread"] = snmp_client.get(target, [SYS_NAME])[SYS_NAME]

    t = threading.Thread(target=worker)
    t.start()
    t.join(10)

    async def inside_loop():
        # an Odoo layer (or a test) calling the sync API from async code
        return snmp_client.get(target, [SYS_NAME])[SYS_NAME]

    out["loop"] = asyncio.run(inside_loop())
    assert out == {"thread": "demo-ont-4", "loop": "demo-ont-4"}


def test_async_client_reuses_one_dispatcher_and_engine(snmpsim):
    async def run():
        async with snmp_client.AsyncSnmpClient() as client:
            a = await client.get(snmpsim.v2c("demo-ont-1"), [SYS_NAME])
            b = await client.get(snmpsim.v2c("demo-ont-2"), [SYS_NAME])
            c = await client.get(snmpsim.v3("demo-ont-3"), [SYS_NAME])
            d = await client.get(snmpsim.v3("demo-ont-4"), [SYS_NAME])
            return [a, b, c, d], len(client._engines), client._dispatcher is not None

    values, engines, has_dispatcher = asyncio.run(run())
    assert [v[SYS_NAME] for v in values] == [f"demo-ont-{i}" for i in (1, 2, 3, 4)]
    assert engines == 1 and has_dispatcher


def test_concurrent_sync_calls_from_several_threads(snmpsim):
    """Odoo workers call the sync API from many threads at once: each call has
    its own loop, dispatcher and engines."""
    results, errors = {}, []

    def worker(i):
        try:
            jobs = [(snmpsim.v2c(f"demo-ont-{n}"), [SYS_NAME]) for n in (1, 2, 3, 4)]
            jobs.append((snmpsim.v3("demo-olt-1"), [SYS_NAME]))
            results[i] = [r.values[SYS_NAME] for r in snmp_client.poll_many(jobs)]
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    expected = ["demo-ont-1", "demo-ont-2", "demo-ont-3", "demo-ont-4", "demo-olt-1"]
    assert results == dict.fromkeys(range(4), expected)


def test_host_names_are_resolved(snmpsim):
    target = SnmpTarget.v2c("localhost", "demo-ont-3", port=snmpsim.port)
    assert snmp_client.get(target, [SYS_NAME]) == {SYS_NAME: "demo-ont-3"}
