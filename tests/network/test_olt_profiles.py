"""The OLT side of the vendor profiles, without a network: the ZTE C300/C320 ONU
profile's conversions and phase states, the Huawei additions, the "olt" block
(validation, port names -> pon_port and PON index)."""

import copy
import json

import pytest
from tc_network.lib import profiles
from tc_network.lib.profiles import ProfileError

ZTE = profiles.get_profile("zte-gpon-onu")
HUAWEI = profiles.get_profile("huawei-gpon-onu")
C320_SYSDESCR = (
    "C320 Version V2.1.0 Software, Copyright (c) by ZTE Corporation Compiled"
)


def reading(profile, metric, raw):
    (one,) = profiles.evaluate(profile, {metric: raw})
    return one["value"], one["status"], one["reason"]


# ------------------------------------------------------------------ ZTE values


@pytest.mark.parametrize(
    ("raw", "value", "status"),
    [
        (5635, -18.73, "ok"),  # an operator's C320: CLI said -18.76 dBm
        (7500, -15.0, "ok"),
        (2500, -25.0, "ok"),  # equal to the warning limit: not past it
        (2250, -25.5, "warning"),
        (1500, -27.0, "warning"),
        (1000, -28.0, "bad"),
        (11000, -8.0, "warning"),
        (12000, -6.0, "bad"),  # overload
        (0, -30.0, "bad"),
        (65036, -31.0, "bad"),  # 16-bit two's complement: below -30 dBm
    ],
)
def test_zte_rx_power_is_raw_times_0_002_minus_30(raw, value, status):
    got, got_status, _reason = reading(ZTE, "rx_power", raw)
    assert (got, got_status) == (value, status)


@pytest.mark.parametrize("raw", [65535, 2147483647, None])
def test_zte_power_no_reading_values(raw):
    for metric in ("rx_power", "tx_power"):
        assert reading(ZTE, metric, raw) == (None, "unknown", "no reading")


@pytest.mark.parametrize(
    ("raw", "value", "status"),
    [(16250, 2.5, "ok"), (15100, 0.2, "warning"), (14900, -0.2, "bad")],
)
def test_zte_tx_power_thresholds_are_huawei_ones(raw, value, status):
    assert reading(ZTE, "tx_power", raw)[:2] == (value, status)
    huawei_raw = round(value * 100)
    assert reading(HUAWEI, "tx_power", huawei_raw)[:2] == (value, status)


@pytest.mark.parametrize(
    ("raw", "text", "status", "health"),
    [
        (0, "logging", "warning", "degraded"),
        (1, "LOS", "bad", "offline"),
        (2, "syncMib", "warning", "degraded"),
        (3, "working", "ok", "online"),
        (4, "dying gasp", "bad", "offline"),
        (5, "auth failed", "bad", "offline"),
        (6, "offline", "bad", "offline"),
        (7, "7", "unknown", "unknown"),  # not in the enumeration: never guessed
    ],
)
def test_zte_phase_state(raw, text, status, health):
    assert reading(ZTE, "onu_state", raw)[:2] == (text, status)
    readings = profiles.evaluate(ZTE, {"onu_state": raw, "rx_power": 65535})
    assert profiles.health(readings) == health


def test_last_down_cause_and_distance_are_informational():
    for profile, cause, text in ((ZTE, 1, "LOS"), (HUAWEI, 13, "dying gasp")):
        working = 3 if profile is ZTE else 1
        readings = profiles.evaluate(
            profile, {"onu_state": working, "last_down_cause": cause, "distance": 1873}
        )
        assert [(r["metric"], r["value"]) for r in readings] == [
            ("onu_state", "working" if profile is ZTE else "online"),
            ("distance", 1873),
            ("last_down_cause", text),
        ]
        assert profiles.health(readings) == "online"
        assert not any(r["liveness"] for r in readings[1:])
    assert reading(ZTE, "distance", 0) == (None, "unknown", "no reading")
    assert reading(HUAWEI, "distance", -1) == (None, "unknown", "no reading")
    assert reading(HUAWEI, "last_down_cause", -1)[:2] == ("none", "unknown")


def test_zte_oids_and_no_if_mib_metric_at_the_pon_index():
    oids = profiles.metric_oids(ZTE, pon_ifindex=268501248, onu_id=5)
    assert oids == {
        "onu_state": "1.3.6.1.4.1.3902.1012.3.28.2.1.4.268501248.5",
        "rx_power": "1.3.6.1.4.1.3902.1012.3.50.12.1.1.10.268501248.5.1",
        "tx_power": "1.3.6.1.4.1.3902.1012.3.50.12.1.1.14.268501248.5.1",
        "distance": "1.3.6.1.4.1.3902.1012.3.11.4.1.2.268501248.5",
        "last_down_cause": "1.3.6.1.4.1.3902.1012.3.28.2.1.7.268501248.5",
        "uptime": "1.3.6.1.2.1.1.3.0",
    }
    assert [m["metric"] for m in profiles.walked_metrics(ZTE)] == list(oids)[:5]
    assert "interface_status" not in oids
    walked = [m["metric"] for m in profiles.walked_metrics(HUAWEI)]
    assert "interface_status" not in walked and "uptime" not in walked


def test_match_profile_by_sysdescr():
    assert profiles.match_profile(C320_SYSDESCR)["key"] == "zte-gpon-onu"
    assert profiles.match_profile("ZXA10 C300")["key"] == "zte-gpon-onu"
    # the C600/C650 use the ZTE-AN tables (.1082.500), not this profile's OIDs
    assert profiles.match_profile("ZXA10 C600 ZTE")["key"] == "generic-ifmib"
    huawei = "Huawei Integrated Access Software MA5800-X7 V100R021"
    assert profiles.match_profile(huawei)["key"] == "huawei-gpon-onu"


# ------------------------------------------------------------ OLT port names


@pytest.mark.parametrize(
    ("name", "ifindex", "expected"),
    [
        ("gpon_1/1/1", 268435456, ("1/1/1", 268501248)),  # C320 V2.1.0 ifName
        ("gpon-olt_1/1/3", 268435968, ("1/1/3", 268501760)),
        ("GPON_OLT-1/2/16", 1, ("1/2/16", 268570624)),
        # the IF-MIB ifIndex of 1/2/2 is the ONU-table index of 1/1/1
        ("gpon_1/2/2", 268501248, ("1/2/2", 268567040)),
        ("gei_1/4/1", 268632064, None),
        ("xgei_1/4/2", 268632320, None),
        ("gpon-onu_1/1/1:1", 5, None),
        ("", 5, None),
    ],
)
def test_zte_port_names(name, ifindex, expected):
    assert profiles.olt_pon_port(ZTE, name, ifindex) == expected


def test_huawei_port_names_use_the_ifindex():
    assert profiles.olt_pon_port(HUAWEI, "GPON 0/1/0", 4194312192) == (
        "0/1/0",
        4194312192,
    )
    assert profiles.olt_pon_port(HUAWEI, "ethernet0/9/0", 4194320384) is None
    assert HUAWEI["olt"]["ports"]["name_oid"] == "1.3.6.1.2.1.2.2.1.2"  # ifDescr
    assert HUAWEI["olt"]["serial_oid"] == (
        "1.3.6.1.4.1.2011.6.128.1.1.2.43.1.3.{pon_ifindex}.{onu_id}"
    )


# ------------------------------------------------------------ olt validation


def olt_profile(**ports):
    profile = copy.deepcopy(profiles.ZTE_GPON_ONU)
    profile["olt"]["ports"].update(ports)
    return profile


def with_olt(**olt):
    profile = copy.deepcopy(profiles.ZTE_GPON_ONU)
    profile["olt"].update(olt)
    return profile


def with_metrics(*names):
    profile = copy.deepcopy(profiles.ZTE_GPON_ONU)
    profile["metrics"] = [m for m in profile["metrics"] if m["metric"] in names]
    return profile


IF_MIB_AT_PON = copy.deepcopy(profiles.ZTE_GPON_ONU)
IF_MIB_AT_PON["metrics"].append(
    {"metric": "pon", "oid": "1.3.6.1.2.1.2.2.1.8.{pon_ifindex}", "kind": "text"}
)


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        (with_olt(ports=[]), "'olt.ports' must be an object"),
        (with_olt(walk=True), r"unknown key\(s\) walk in olt "),
        (olt_profile(pon_idx=None), r"unknown key\(s\) pon_idx in olt.ports"),
        (olt_profile(name_oid="ifName"), "ports.name_oid must be an OID"),
        (olt_profile(status_oid="1.3.6.{x}"), "ports.status_oid must be an OID"),
        (olt_profile(name_pattern="gpon_(?P<port>"), "bad ports.name_pattern"),
        (olt_profile(name_pattern=r"^gpon_(\d+)$"), "no named group"),
        (
            olt_profile(port_format="{frame}/{slot}/{port}"),
            r"field \{frame\} is not a plain named group",
        ),
        (olt_profile(port_format="{slot:02d}"), "not a plain named group"),
        (olt_profile(port_format="1/1/1"), "uses no named group"),
        (
            olt_profile(pon_index={"base": 1, "slot": "65536"}),
            "pon_index 'slot' must be an integer, got '65536'",
        ),
        (olt_profile(pon_index={"base": 0.5, "port": 256}), "'base' must be an int"),
        (olt_profile(pon_index={"port": True}), "'port' must be an integer"),
        (olt_profile(pon_index={"rack": 256}), "'rack', not a named group"),
        (olt_profile(pon_index={"base": 7}), "needs a coefficient per group"),
        (olt_profile(pon_index=[256]), "must be an object or null"),
        (
            with_olt(serial_oid="1.3.6.1.4.1.3902.1012.3.28.1.1.5.{pon_ifindex}"),
            r"serial_oid must be an OID template holding \{pon_ifindex\}\.\{onu_id\}",
        ),
        (with_olt(serial_oid=None), "serial_oid must be an OID template"),
        (
            with_olt(serial_oid="1.3.{pon_ifindex}.{onu_id}.{uni}"),
            r"serial_oid uses \{uni\} not declared",
        ),
        (with_metrics("uptime"), "nothing to walk"),
        (IF_MIB_AT_PON, "'pon' reads IF-MIB at {pon_ifindex}"),
    ],
)
def test_olt_block_errors(profile, message):
    with pytest.raises(ProfileError, match=message) as err:
        profiles.validate_profile(profile)
    assert str(err.value).startswith("profile 'zte-gpon-onu', olt: ")


def test_signed_bits_must_be_a_small_integer():
    profile = copy.deepcopy(profiles.ZTE_GPON_ONU)
    profile["metrics"][1]["signed_bits"] = "16"
    with pytest.raises(ProfileError, match="signed_bits must be an integer 2..64"):
        profiles.validate_profile(profile)


def test_profiles_without_olt_block_are_unchanged():
    generic = profiles.get_profile("generic-ifmib")
    assert "olt" not in generic
    assert all("signed_bits" not in m for m in generic["metrics"])
    old_style = {"key": "x", "metrics": [{"metric": "a", "oid": "1.3.6.1"}]}
    assert "olt" not in profiles.validate_profile(old_style)
    assert profiles.validate_profile(dict(old_style, olt=None))["olt"] is None


def test_olt_block_is_normalised_and_json_round_trippable():
    text = json.dumps(
        with_olt(serial_oid=".1.3.6.1.4.1.3902.1012.3.28.1.1.5.{pon_ifindex}.{onu_id}")
    )
    profile = profiles.load_profile(text)
    assert profile["olt"]["serial_oid"].startswith("1.3.6.1.4.1.3902")
    no_base = profiles.validate_profile(olt_profile(pon_index={"port": 256}))
    assert no_base["olt"]["ports"]["pon_index"] == {"base": 0, "port": 256}
    assert profiles.olt_pon_port(no_base, "gpon_1/1/3", 0) == ("1/1/3", 768)
    defaulted = copy.deepcopy(profiles.ZTE_GPON_ONU)
    del defaulted["olt"]["ports"]["status_oid"]
    ports = profiles.validate_profile(defaulted)["olt"]["ports"]
    assert ports["status_oid"] == "1.3.6.1.2.1.2.2.1.8"
    assert profiles.load_profile(json.dumps(ZTE)) == ZTE
