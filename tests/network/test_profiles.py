"""Vendor profiles: thresholds, health, summaries, and data-driven vendors,
evaluated on values polled from the real snmpsim recordings."""

import json

import pytest
from tc_network.lib import profiles, snmp_client
from tc_network.lib.profiles import ProfileError

PON = 4194312192
HUAWEI = profiles.get_profile("huawei-gpon-onu")


def rx(raw):
    return profiles.evaluate(HUAWEI, {"rx_power": raw})[0]


@pytest.mark.parametrize(
    ("raw", "value", "status"),
    [
        (-1853, -18.53, "ok"),
        (-2500, -25.0, "ok"),  # a limit itself is not past it
        (-2501, -25.01, "warning"),
        (-2612, -26.12, "warning"),
        (-2700, -27.0, "warning"),
        (-2701, -27.01, "bad"),
        (-2950, -29.5, "bad"),
        (-950, -9.5, "warning"),  # close to overload
        (-700, -7.0, "bad"),  # overload
        (2147483647, None, "unknown"),  # Huawei "no reading" sentinel
        (None, None, "unknown"),  # noSuchObject
    ],
)
def test_rx_power_thresholds(raw, value, status):
    reading = rx(raw)
    assert (reading["value"], reading["status"], reading["unit"]) == (
        value,
        status,
        "dBm",
    )


def test_enum_metrics_and_reasons():
    readings = profiles.evaluate(
        HUAWEI,
        {"onu_state": 2, "interface_status": 7, "tx_power": 212, "uptime": 98765400},
    )
    by_metric = {r["metric"]: r for r in readings}
    assert by_metric["onu_state"]["value"] == "offline"
    assert (
        by_metric["onu_state"]["status"] == "bad" and by_metric["onu_state"]["liveness"]
    )
    assert by_metric["interface_status"]["value"] == "lowerLayerDown"
    assert (
        by_metric["tx_power"]["value"] == 2.12
        and by_metric["tx_power"]["status"] == "ok"
    )
    assert by_metric["uptime"]["value"] == 987654  # seconds
    assert profiles.evaluate(HUAWEI, {"onu_state": 9})[0]["status"] == "unknown"
    assert rx(-2950)["reason"] == "below -27.00 dBm"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({}, "unknown"),
        ({"rx_power": None, "onu_state": None}, "unknown"),
        ({"onu_state": 1, "rx_power": -1853}, "online"),
        ({"onu_state": 1, "rx_power": 2147483647}, "online"),  # no rx reading only
        ({"onu_state": 1, "rx_power": -2612}, "degraded"),
        ({"onu_state": 1, "rx_power": -2950}, "degraded"),
        ({"onu_state": 2, "rx_power": 2147483647}, "offline"),
        ({"interface_status": 2, "rx_power": -1853}, "offline"),
    ],
)
def test_health(raw, expected):
    assert profiles.health(profiles.evaluate(HUAWEI, raw)) == expected


def test_metric_oids_fill_the_index_and_require_it():
    oids = profiles.metric_oids(HUAWEI, pon_ifindex=PON, onu_id=3)
    assert oids["rx_power"] == f"1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4.{PON}.3"
    assert oids["interface_status"] == f"1.3.6.1.2.1.2.2.1.8.{PON}"
    assert oids["uptime"] == "1.3.6.1.2.1.1.3.0"
    with pytest.raises(ProfileError, match="onu_id"):
        profiles.metric_oids(HUAWEI, pon_ifindex=PON)
    # id 0 is an id, not a missing value
    zero = profiles.metric_oids(HUAWEI, pon_ifindex=PON, onu_id=0)
    assert zero["onu_state"] == f"1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15.{PON}.0"
    assert zero["rx_power"] == f"1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4.{PON}.0"


def poll_with_profile(snmpsim, jobs):
    """jobs: [(community, onu_id)] -> {community: readings}"""
    prepared = []
    for community, onu in jobs:
        oids = profiles.metric_oids(HUAWEI, pon_ifindex=PON, onu_id=onu)
        prepared.append((snmpsim.v2c(community), list(oids.values())))
    results = snmp_client.poll_many(prepared)
    out = {}
    for (community, onu), result in zip(jobs, results, strict=True):
        assert result.ok, result.error
        out[(community, onu)] = profiles.evaluate(
            HUAWEI, result.values, pon_ifindex=PON, onu_id=onu
        )
    return out


def test_demo_onts_end_to_end(snmpsim):
    readings = poll_with_profile(snmpsim, [(f"demo-ont-{i}", i) for i in (1, 2, 3, 4)])
    health = {key[0]: profiles.health(r) for key, r in readings.items()}
    assert health == {
        "demo-ont-1": "online",
        "demo-ont-2": "degraded",  # rx -29.50 dBm
        "demo-ont-3": "offline",  # ONU offline, PON link down
        "demo-ont-4": "degraded",  # rx -26.12 dBm (warning)
    }
    rx2 = next(r for r in readings[("demo-ont-2", 2)] if r["metric"] == "rx_power")
    assert (rx2["value"], rx2["status"]) == (-29.5, "bad")
    text = profiles.summary_text(readings[("demo-ont-2", 2)], title="demo-ont-2")
    assert text.splitlines()[:2] == ["demo-ont-2", "Health: degraded"]
    assert "- Optical rx power: -29.50 dBm [BAD: below -27.00 dBm]" in text
    assert "- ONU state: online" in text
    assert "- Uptime: 11d 10h 20m" in text
    offline = profiles.summary_text(readings[("demo-ont-3", 3)])
    assert "Health: offline" in offline
    assert "- Optical rx power: n/a [UNKNOWN: no reading]" in offline


def test_same_profile_polls_the_onus_through_the_olt(snmpsim):
    # ONU 0: Huawei numbers ONTs from 0 on every PON port, a real device
    readings = poll_with_profile(snmpsim, [("demo-olt-1", i) for i in (0, 1, 2, 3, 4)])
    assert [profiles.health(r) for r in readings.values()] == [
        "online",
        "online",
        "degraded",
        "offline",
        "degraded",
    ]


def test_match_profile_by_sysdescr(snmpsim):
    descr = snmp_client.get(snmpsim.v2c("demo-olt-1"), ["1.3.6.1.2.1.1.1.0"])
    assert (
        profiles.match_profile(descr["1.3.6.1.2.1.1.1.0"])["key"] == "huawei-gpon-onu"
    )
    assert profiles.match_profile("Linux edge-sw-3 5.10")["key"] == "generic-ifmib"


def test_a_new_vendor_is_configuration_not_code(snmpsim):
    """A profile written as JSON (e.g. stored in an Odoo record) with another
    vendor's scaling works through the same functions."""
    text = json.dumps(
        {
            "key": "acme-ont",
            "vendor": "ACME",
            "model_pattern": "EchoLife",
            "index": {"onu": {"default": 2}},
            "metrics": [
                {
                    "metric": "rx_power",
                    "label": "Rx",
                    "oid": "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4.4194312192.{onu}",
                    "kind": "gauge",
                    "scale": 0.001,  # pretend this vendor reports 0.001 dBm
                    "offset": 0,
                    "decimals": 3,
                    "unit": "dBm",
                    "thresholds": {"bad_below": -3.0, "warning_below": -2.5},
                },
                {
                    "metric": "name",
                    "oid": "1.3.6.1.2.1.1.5.0",
                    "kind": "text",
                },
            ],
        }
    )
    acme = profiles.load_profile(text)
    oids = profiles.metric_oids(acme)  # index default used
    values = snmp_client.get(snmpsim.v2c("demo-ont-2"), list(oids.values()))
    readings = profiles.evaluate(acme, values)
    assert [(r["metric"], r["value"], r["status"]) for r in readings] == [
        ("rx_power", -2.95, "warning"),
        ("name", "demo-ont-2", "ok"),
    ]
    assert "acme-ont" not in profiles.PROFILES  # load_profile does not register
    profiles.register_profile(acme)
    try:
        assert profiles.get_profile("acme-ont")["vendor"] == "ACME"
    finally:
        profiles.PROFILES.pop("acme-ont")


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ({"metrics": []}, "key"),
        ({"key": "x", "metrics": []}, "non-empty list"),
        ({"key": "x", "metrics": [{"metric": "a", "oid": "not.an.oid"}]}, "bad OID"),
        ({"key": "x", "metrics": [{"metric": "a", "oid": "1.3.{i}"}]}, "not declared"),
        ({"key": "x", "metrics": [{"metric": "a", "oid": "1.3", "kind": "x"}]}, "kind"),
        (
            {
                "key": "x",
                "metrics": [{"metric": "a", "oid": "1.3", "thresholds": {"low": 1}}],
            },
            "unknown threshold",
        ),
        (
            {
                "key": "x",
                "metrics": [
                    {
                        "metric": "a",
                        "oid": "1.3",
                        "thresholds": {"bad_below": -1, "warning_below": -5},
                    }
                ],
            },
            "bad_below must be <= warning_below",
        ),
        (
            {"key": "x", "metrics": [{"metric": "a", "oid": "1.3", "kind": "enum"}]},
            "values",
        ),
    ],
)
def test_invalid_profiles_are_rejected(profile, message):
    with pytest.raises(ProfileError, match=message):
        profiles.validate_profile(profile)
    with pytest.raises(ProfileError, match="not valid JSON"):
        profiles.load_profile("{nope")


def test_builtin_profiles_are_json_round_trippable():
    for profile in profiles.PROFILES.values():
        assert profiles.load_profile(json.dumps(profile)) == profile
