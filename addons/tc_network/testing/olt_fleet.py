"""Synthetic GPON OLTs as snmpsim recordings, built from the vendor profiles.

Owns the simulated OLTs: :func:`write_fleet` writes a fleet of Huawei MA5800 or
ZTE C320 OLTs (one ``<prefix>-NNN.snmprec`` per OLT) for the benchmark and the
tests and returns the ONTs each one holds with the health TC Ops must find;
:func:`write_fixtures` rebuilds the two hand-designed recordings of
``data/snmprec`` (``hw-olt-a``, ``zte-olt-a``, described in its README).

The OIDs come from the profiles in :mod:`..lib.profiles` (the columns of every
walked metric, the serial column, the port-name and port-status columns) and the
raw values are encoded with the profile's own scale, offset and enumeration, so a
recording and the profile that reads it cannot drift apart. What a profile does not
say is vendor knowledge kept here: port names, the IF-MIB ifIndex numbering and the
system group. No Odoo import; no network.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ..lib import olt_tables, profiles

IF_INDEX = "1.3.6.1.2.1.2.2.1.1"
IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
IF_TYPE = "1.3.6.1.2.1.2.2.1.3"
IF_SPEED = "1.3.6.1.2.1.2.2.1.5"
IF_ADMIN = "1.3.6.1.2.1.2.2.1.7"
IF_NAME = "1.3.6.1.2.1.31.1.1.1.1"
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
SYS = "1.3.6.1.2.1.1"
GPON_IFTYPE, ETHERNET_IFTYPE = 250, 6


class ExpectedOnt(NamedTuple):
    """One ONT of a generated OLT and the health a poll must give it."""

    olt_name: str  # recording name = SNMP community = sysName
    pon_port: str  # TC's pon_port text, e.g. "0/1/0" or "1/1/1"
    pon_index: int  # index of the ONU tables (Huawei: the IF-MIB ifIndex)
    onu_id: int
    serial: str  # 12 characters: vendor ASCII + 8 upper-case hex digits
    expected_health: str  # online | degraded | offline


@dataclass(frozen=True)
class Port:
    shelf: int
    slot: int
    port: int
    up: bool = True


@dataclass(frozen=True)
class Ont:
    """What the OLT reports for one ONT, in physical units (None: no reading)."""

    port: Port
    onu_id: int
    serial: bytes  # 8 raw octets
    state: str  # text of the profile's onu_state enumeration
    rx: float | None
    tx: float | None
    distance: int | None
    cause: str  # text of the profile's last_down_cause enumeration


@dataclass(frozen=True)
class Vendor:
    profile_key: str
    prefix: str
    first_onu: int
    vendor_id: bytes
    sys_descr: str
    sys_object_id: str
    online: str
    offline: tuple[str, ...]
    causes_up: tuple[str, ...]
    causes_down: tuple[str, ...]
    uplinks: tuple[tuple[str, int, int, bool], ...]  # name, ifIndex, speed, up
    ports_per_slot: int = 16
    first_slot: int = 1
    first_port: int = 0

    @property
    def profile(self) -> dict:
        return profiles.get_profile(self.profile_key)

    def pon_name(self, p: Port) -> str:
        if self.profile_key == "huawei-gpon-onu":
            return f"GPON {p.shelf}/{p.slot}/{p.port}"
        return f"gpon_{p.shelf}/{p.slot}/{p.port}"  # C320 V2.1.0 ifName

    def if_index(self, p: Port) -> int:
        """IF-MIB ifIndex of a PON port (the row index, unsigned)."""
        if self.profile_key == "huawei-gpon-onu":
            # frame 0: 0xFA000000 + slot<<13 + port<<8, 4194312192 = GPON 0/1/0
            if p.shelf:
                raise ValueError("only frame 0 is simulated for Huawei")
            return 0xFA000000 + (p.slot << 13) + (p.port << 8)
        # ZTE packs zero-based fields here: 268435456 = gpon_1/1/1
        return (
            0x10000000
            + ((p.shelf - 1) << 24)
            + ((p.slot - 1) << 16)
            + ((p.port - 1) << 8)
        )

    def positions(self, count: int) -> list[Port]:
        shelf = 0 if self.profile_key == "huawei-gpon-onu" else 1
        return [
            Port(
                shelf,
                self.first_slot + i // self.ports_per_slot,
                self.first_port + i % self.ports_per_slot,
            )
            for i in range(count)
        ]


HUAWEI = Vendor(
    profile_key="huawei-gpon-onu",
    prefix="hw-olt",
    first_onu=0,  # Huawei numbers ONTs from 0 on every PON port
    vendor_id=b"HWTC",
    sys_descr="Huawei Integrated Access Software MA5800-X7 V100R021C00",
    sys_object_id="1.3.6.1.4.1.2011.2.248",
    online="online",
    offline=("offline",),
    causes_up=("dying gasp", "LOS", "reset", "re-registered"),
    causes_down=("LOS", "dying gasp", "LOSi"),
    uplinks=(
        ("ethernet0/9/0", 0xFA000000 + (9 << 13), 1_000_000_000, True),
        ("ethernet0/9/1", 0xFA000000 + (9 << 13) + 64, 1_000_000_000, False),
    ),
)

ZTE = Vendor(
    profile_key="zte-gpon-onu",
    prefix="zte-olt",
    first_onu=1,  # ZTE numbers ONUs from 1
    vendor_id=b"ZTEG",
    sys_descr=(
        "C320 Version V2.1.0 Software, Copyright (c) by ZTE Corporation Compiled"
    ),
    sys_object_id="1.3.6.1.4.1.3902.1082.1001.320.2.1",
    online="working",
    offline=("LOS", "offline", "dying gasp"),
    causes_up=("normal", "dying gasp", "LOS"),
    causes_down=("LOS", "dying gasp", "LOFi"),
    uplinks=(  # uplink card in slot 4 (SMXA), as in a real C320 walk
        ("gei_1/4/1", 0x10030000, 1_000_000_000, False),
        ("xgei_1/4/2", 0x10030100, 4_294_967_295, True),
    ),
    first_port=1,
)

VENDORS = {"huawei": HUAWEI, "zte": ZTE}


# ------------------------------------------------------------------ encoding


def _enum_raw(metric: dict, text: str) -> int:
    for raw, (label, _status) in metric["values"].items():
        if label == text:
            return int(raw)
    raise ValueError(f"{metric['metric']}: no value {text!r} in the profile")


def _gauge_raw(metric: dict, value: float | None) -> int:
    if value is None:
        return metric["invalid"][0]
    raw = round((value - metric["offset"]) / metric["scale"])
    bits = metric.get("signed_bits")
    return raw + 2**bits if bits and raw < 0 else raw


def _raw(metric: dict, ont: Ont) -> int:
    name = metric["metric"]
    value = {
        "onu_state": ont.state,
        "rx_power": ont.rx,
        "tx_power": ont.tx,
        "distance": ont.distance,
        "last_down_cause": ont.cause,
    }
    if name not in value:
        raise ValueError(f"olt_fleet cannot fill the walked metric {name!r}")
    if metric["kind"] == "enum":
        return _enum_raw(metric, value[name])
    return _gauge_raw(metric, value[name])


def _signed32(value: int) -> int:
    return value - 2**32 if value >= 2**31 else value


def olt_records(vendor: Vendor, name: str, ports, onts, uptime: int = 864000000):
    """The ``(oid, type, value)`` records of one OLT (snmprec types)."""
    prof = vendor.profile
    olt = prof["olt"]
    name_col, status_col = olt["ports"]["name_oid"], olt["ports"]["status_oid"]
    recs = [
        (f"{SYS}.1.0", "4", vendor.sys_descr),
        (f"{SYS}.2.0", "6", vendor.sys_object_id),
        (f"{SYS}.3.0", "67", uptime),
        (f"{SYS}.4.0", "4", "noc@tc-ops.example"),
        (f"{SYS}.5.0", "4", name),
        (f"{SYS}.6.0", "4", f"{name} POP rack A"),
        (IF_NUMBER, "2", len(ports) + len(vendor.uplinks)),
    ]
    rows = [(vendor.pon_name(p), vendor.if_index(p), 2488320000, p.up) for p in ports]
    pon_index = {}
    for (label, ifindex, _speed, _up), p in zip(rows, ports, strict=False):
        parsed = profiles.olt_pon_port(prof, label, ifindex)
        if not parsed or parsed[0] != f"{p.shelf}/{p.slot}/{p.port}":
            raise ValueError(f"{prof['key']} does not read the port name {label!r}")
        pon_index[p] = parsed[1]
    for label, ifindex, speed, up in rows + list(vendor.uplinks):
        pon = label.lower().startswith("gpon")
        descr = label if vendor.profile_key == "huawei-gpon-onu" else ""
        recs += [
            (f"{IF_INDEX}.{ifindex}", "2", _signed32(ifindex)),
            (f"{IF_DESCR}.{ifindex}", "4", descr),  # ZTE: ifDescr is empty
            (f"{IF_TYPE}.{ifindex}", "2", GPON_IFTYPE if pon else ETHERNET_IFTYPE),
            (f"{IF_SPEED}.{ifindex}", "66", speed),
            (f"{IF_ADMIN}.{ifindex}", "2", 1),
            (f"{status_col}.{ifindex}", "2", 1 if up else 2),
            (f"{IF_NAME}.{ifindex}", "4", label),
        ]
        if name_col not in (IF_DESCR, IF_NAME):
            recs.append((f"{name_col}.{ifindex}", "4", label))
    walked = profiles.walked_metrics(prof)
    for ont in onts:
        index = {"pon_ifindex": pon_index[ont.port], "onu_id": ont.onu_id}
        recs.append((olt["serial_oid"].format(**index), "4x", ont.serial.hex()))
        for metric in walked:
            recs.append((metric["oid"].format(**index), "2", _raw(metric, ont)))
    return recs, pon_index


def snmprec_text(records) -> str:
    """snmprec lines sorted by OID (snmpsim serves a walk in file order)."""
    ordered = sorted(records, key=lambda r: tuple(int(p) for p in r[0].split(".")))
    oids = [r[0] for r in ordered]
    if len(set(oids)) != len(oids):
        raise ValueError("duplicate OID in a recording")
    return "".join(f"{oid}|{tag}|{value}\n" for oid, tag, value in ordered)


def expected_health(vendor: Vendor, ont: Ont) -> str:
    """The health the profile's thresholds must give (written out, not computed
    by the code under test): offline, degraded (rx warning or bad) or online."""
    if ont.state != vendor.online:
        return "offline"
    return "degraded" if ont.rx is not None and ont.rx < -25.0 else "online"


# ------------------------------------------------------------------ fleets


def _fleet_ont(vendor, rng, olt_no, port, onu_id, seq, kind) -> Ont:
    serial = vendor.vendor_id + bytes(
        [0x80 | (olt_no >> 8 & 0x3F), olt_no & 0xFF, seq >> 8 & 0xFF, seq & 0xFF]
    )
    if kind == "offline":
        return Ont(
            port, onu_id, serial, rng.choice(vendor.offline), None, None, None,
            rng.choice(vendor.causes_down),
        )  # fmt: skip
    rx = {
        "online": rng.uniform(-24.5, -14.0),
        "warning": rng.uniform(-26.8, -25.2),
        "low_rx": rng.uniform(-29.9, -27.3),
    }[kind]
    return Ont(
        port, onu_id, serial, vendor.online, round(rx, 2),
        round(rng.uniform(1.2, 3.8), 2), rng.randrange(150, 19000),
        rng.choice(vendor.causes_up),
    )  # fmt: skip


# of every 40 consecutive ONTs of an OLT: 1 low rx, 1 marginal, 2 offline
_KINDS = {7: "low_rx", 17: "offline", 27: "warning", 37: "offline"}


def write_fleet(
    directory,
    olts: int = 80,
    onts_per_olt: int = 128,
    vendor: str = "huawei",
    ports_per_olt: int = 8,
    seed: int = 19,
    prefix: str | None = None,
) -> list[ExpectedOnt]:
    """Write ``olts`` recordings ``<prefix>-NNN.snmprec`` into ``directory``.

    Each OLT has ``ports_per_olt`` PON ports (all up) plus two uplinks, and
    ``onts_per_olt`` ONTs spread over its ports (Huawei ids from 0, ZTE from 1),
    every walked column filled; of 40 ONTs, 1 has a low rx level, 1 a marginal
    one and 2 are offline. Deterministic for a given ``seed``. Returns the
    ONTs in file order with the health a poll must find.
    """
    spec = VENDORS[vendor]
    prefix = prefix or spec.prefix
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    expected = []
    for olt_no in range(1, olts + 1):
        name = f"{prefix}-{olt_no:03d}"
        rng = random.Random(f"{seed}:{vendor}:{olt_no}")
        ports = spec.positions(ports_per_olt)
        onts = []
        for seq in range(onts_per_olt):
            port = ports[seq % ports_per_olt]
            onu_id = spec.first_onu + seq // ports_per_olt
            kind = _KINDS.get((seq + olt_no) % 40, "online")
            onts.append(_fleet_ont(spec, rng, olt_no, port, onu_id, seq, kind))
        uptime = rng.randrange(10**6, 2**32)  # TimeTicks: 32 bits
        records, pon_index = olt_records(spec, name, ports, onts, uptime=uptime)
        (out / f"{name}.snmprec").write_text(snmprec_text(records))
        expected += [
            ExpectedOnt(
                name,
                f"{o.port.shelf}/{o.port.slot}/{o.port.port}",
                pon_index[o.port],
                o.onu_id,
                olt_tables.gpon_serial(o.serial),
                expected_health(spec, o),
            )
            for o in onts
        ]
    return expected


# ------------------------------------------------------------------ fixtures


def _fixture_ont(vendor_id, port, onu_id, tail, *values):
    """One ONT of a committed recording: its serial is the vendor id and ``tail``
    (8 hex digits); ``values``: state, rx, tx, distance, last down cause."""
    return Ont(port, onu_id, vendor_id + bytes.fromhex(tail), *values)


def _hw_olt_a():
    up, down = Port(0, 1, 0), Port(0, 1, 1, up=False)

    ont = functools.partial(_fixture_ont, b"HWTC")

    onts = [
        ont(up, 0, "41424344", "online", -20.07, 2.05, 1520, "dying gasp"),
        ont(up, 1, "1A2B3C01", "online", -29.50, 2.31, 4210, "LOS"),
        ont(up, 2, "1A2B3C02", "offline", None, None, None, "dying gasp"),
        ont(up, 3, "1A2B3C03", "online", -26.12, 1.98, 6120, "LOSi"),
        ont(up, 4, "9F00E104", "online", -18.53, 2.31, 830, "reset"),
        ont(down, 0, "1A2B3D00", "offline", None, None, None, "LOS"),
        ont(down, 1, "1A2B3D01", "offline", None, None, None, "LOS"),
        ont(down, 2, "1A2B3D02", "offline", None, None, None, "LOS"),
    ]
    return HUAWEI, "hw-olt-a", [up, down], onts


def _zte_olt_a():
    up, down = Port(1, 1, 1), Port(1, 1, 2, up=False)
    # gpon_1/2/2's IF-MIB ifIndex (268501248) is the ONU-table index of 1/1/1
    empty = Port(1, 2, 2)

    ont = functools.partial(_fixture_ont, b"ZTEG")

    onts = [
        ont(up, 1, "C0A1B2C3", "working", -19.44, 2.26, 1235, "normal"),
        ont(up, 2, "C0A1B2C4", "working", -28.40, 2.12, 3386, "LOS"),
        ont(up, 3, "C0A1B2C5", "LOS", None, None, None, "LOS"),
        ont(up, 4, "33414231", "working", -25.80, 1.94, 2611, "dying gasp"),
        ont(up, 5, "E0F1A2B6", "working", -17.02, 2.40, 501, "normal"),
        ont(down, 1, "C0A1B3C1", "offline", None, None, None, "LOS"),
        ont(down, 2, "C0A1B3C2", "LOS", None, None, None, "LOS"),
    ]
    return ZTE, "zte-olt-a", [up, down, empty], onts


def write_fixtures(directory) -> dict[str, list[ExpectedOnt]]:
    """(Re)write ``hw-olt-a.snmprec`` and ``zte-olt-a.snmprec`` into ``directory``;
    returns each one's ONTs with the health a poll must find."""
    out = {}
    for vendor, name, ports, onts in (_hw_olt_a(), _zte_olt_a()):
        records, pon_index = olt_records(vendor, name, ports, onts)
        Path(directory, f"{name}.snmprec").write_text(snmprec_text(records))
        out[name] = [
            ExpectedOnt(
                name,
                f"{o.port.shelf}/{o.port.slot}/{o.port.port}",
                pon_index[o.port],
                o.onu_id,
                olt_tables.gpon_serial(o.serial),
                expected_health(vendor, o),
            )
            for o in onts
        ]
    return out
