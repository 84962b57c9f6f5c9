"""Reading an OLT's ONU tables in bulk (pure Python, no Odoo).

An OLT answers for all its ONTs in a few tables indexed by ``<PON index>.<ONU id>``.
Instead of one GET per ONT, the poller walks each needed column once per OLT with
GETBULK (the way LibreNMS, Zabbix templates and UISP poll GPON) and reads every
ONT's values from the walked rows. This module owns:

* :func:`plan`: which columns a profile asks the OLT for (its ``"olt"`` block and
  ``profiles.walked_metrics``; what the block means is ``lib/profiles.py``'s);
* :func:`walk_olt`: the walks of one OLT (PON ports first: names and IF-MIB
  ifOperStatus, mapped to the ONU tables' PON index; then the ONU columns), each
  a :func:`walk_columns` of several columns at once;
* :func:`walk_columns`: several columns of one table walked together, one GETBULK
  per step carrying every column still going (as ``snmptable`` does);
* :func:`gpon_serial`: the GPON serial (4 vendor ASCII bytes + 4 bytes) as shown by
  OLTs and stored in the registry, ``HWTC1A2B3C4D``;
* :func:`ont_readings_input`: one ONT's raw values for ``profiles.evaluate``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from pysnmp.proto import rfc1905

from . import profiles, snmp_client

_logger = logging.getLogger(__name__)

ONU_VARS = "{pon_ifindex}.{onu_id}"
DEFAULT_MAX_REPETITIONS = 50
PORT_STATUS_METRIC = "interface_status"
# the PON port's IF-MIB status as a reading, for profiles that cannot key it by
# the ONU tables' PON index (ZTE)
_PORT_STATUS_PROFILE = profiles.validate_profile(
    {
        "key": "olt-pon-port-status",
        "index": {"ifindex": {"default": None}},
        "metrics": [
            {
                "metric": PORT_STATUS_METRIC,
                "label": "PON port status",
                "oid": "1.3.6.1.2.1.2.2.1.8.{ifindex}",
                "kind": "enum",
                "values": profiles.IF_OPER_STATUS,
                "liveness": True,
            }
        ],
    }
)


@dataclass(frozen=True)
class Column:
    """One walked column: ``<base>.<PON index>.<ONU id>[.<suffix>]``."""

    metric: str
    base: str
    suffix: tuple[int, ...] = ()

    def key_of(self, oid: str) -> tuple[int, int] | None:
        """``(pon_index, onu_id)`` of a row OID of this column, None if foreign."""
        if not oid.startswith(self.base + "."):
            return None
        try:
            parts = tuple(int(p) for p in oid[len(self.base) + 1 :].split("."))
        except ValueError:
            return None
        if self.suffix:
            if parts[-len(self.suffix) :] != self.suffix:
                return None
            parts = parts[: -len(self.suffix)]
        if len(parts) != 2:
            return None
        return parts[0], parts[1]


@dataclass
class WalkPlan:
    """What to walk on an OLT for one profile (validated, with its "olt" block)."""

    profile: dict
    columns: list[Column]
    serial: Column | None

    @property
    def ports(self) -> dict:
        return self.profile["olt"]["ports"]

    @property
    def metrics(self) -> list[str]:
        return [c.metric for c in self.columns]


@dataclass
class OltTables:
    """What one OLT answered: PON ports by ONU-table PON index, ONT rows by
    ``(pon_index, onu_id)`` (``{metric: raw}``, plus ``"serial"`` when asked)."""

    ports: dict[int, dict] = field(default_factory=dict)
    onus: dict[tuple[int, int], dict] = field(default_factory=dict)
    walks: int = 0  # walk_columns calls (ports, ONU columns)
    requests: int = 0  # GETBULK (GETNEXT for SNMPv1) requests answered
    rows: int = 0
    duration_ms: float = 0.0

    def port_of(self, pon_index) -> dict | None:
        return self.ports.get(int(pon_index))


def _column(metric: str, template: str) -> Column | None:
    head, sep, tail = template.partition("." + ONU_VARS)
    if not sep or "{" in head or "{" in tail:
        return None
    suffix = tuple(int(p) for p in tail.split(".") if p)
    return Column(metric, head, suffix)


def plan(profile: dict) -> WalkPlan | None:
    """The walk plan of a profile, None when it is not read on an OLT in bulk."""
    olt = profile.get("olt")
    if not olt:
        return None
    columns = [
        col
        for col in (
            _column(m["metric"], m["oid"]) for m in profiles.walked_metrics(profile)
        )
        if col is not None
    ]
    serial = _column("serial", olt["serial_oid"]) if olt.get("serial_oid") else None
    return WalkPlan(profile, columns, serial)


def gpon_serial(value) -> str | None:
    """The GPON serial as OLTs show it and the registry stores it: 4 vendor ASCII
    characters then 8 upper hex digits (``HWTC1A2B3C4D``).

    ``value`` is what ``snmp_client.to_python`` gives for the 8 raw octets: a
    ``str`` when all of them are printable (``"HWTCABCD"``), else ``"0x…"`` hex; a
    12-character text already in the shown form is kept. None for no value.
    """
    if value is None:
        return None
    if isinstance(value, bytes):
        raw = value
    else:
        text = str(value).strip()
        if not text:
            return None
        if text.lower().startswith("0x"):
            try:
                raw = bytes.fromhex(text[2:])
            except ValueError:
                return text.upper()
        elif len(text) == 8:
            raw = text.encode("latin-1", "replace")
        else:
            return re.sub(r"[\s:-]", "", text).upper()
    if len(raw) != 8:
        return raw.hex().upper()
    vendor = raw[:4].decode("ascii", "replace")
    return (vendor + raw[4:].hex()).upper()


def _oid_tuple(oid) -> tuple[int, ...]:
    return tuple(int(p) for p in str(oid).split("."))


async def walk_columns(
    client,
    target,
    bases,
    *,
    max_repetitions: int = DEFAULT_MAX_REPETITIONS,
    max_rows: int = snmp_client.MAX_WALK_ROWS,
    tables: OltTables | None = None,
) -> dict[str, list[tuple[str, object]]]:
    """Walk the columns ``bases`` (OIDs) of one table together: each GETBULK
    carries every column still going, from its last row, and its answer is read
    repetition by repetition (column 1, column 2, ... of row 1, then of row 2);
    a column ends at its first OID outside it. ``max_repetitions`` bounds the
    variable bindings of one answer (rows per column = max_repetitions divided
    by the columns still going), so an answer is no bigger than one column's
    GETBULK of ``max_repetitions`` rows. One walk per table instead of one per
    column: fewer requests, and each column overshoots its end by fewer rows.
    Returns ``{base: [(oid, value), ...]}`` in OID order (``snmp_client``'s
    values); raises the client's errors (the caller's "OLT unreachable").

    An agent may answer with fewer bindings than asked (its message size): whole
    trailing bindings are left out, so the column of binding ``i`` is still
    ``i % columns``, and the next request goes on from each column's last row.
    SNMPv1 has no GETBULK, and its GETNEXT fails as a whole when one column runs
    past the end of the agent's MIB: one GETNEXT walk per column there.
    """
    going = list(dict.fromkeys(bases))
    rows: dict[str, list] = {b: [] for b in going}
    if target.version == "1":
        for base in going:
            rows[base] = await client.bulk_walk(target, base, max_rows=max_rows)
        going = []
    prefix = {b: _oid_tuple(snmp_client.normalize_oid(b)) for b in going}
    last = dict(prefix)
    while going:
        reps = max(1, int(max_repetitions) // len(going))
        # the client's bulk_walk walks one subtree: one request of several here
        answer = await client._request(
            target, "bulk", [".".join(map(str, last[b])) for b in going], reps
        )
        if tables is not None:
            tables.requests += 1
        if not answer:
            break
        ended = set()
        for i, (name, value) in enumerate(answer):
            base = going[i % len(going)]
            if base in ended:
                continue
            oid = tuple(name)
            if (
                isinstance(value, rfc1905.EndOfMibView)
                or oid[: len(prefix[base])] != prefix[base]
            ):
                ended.add(base)
                continue
            if len(rows[base]) >= max_rows:
                _logger.warning(
                    "SNMP walk of %s on %s stopped at %d rows",
                    base,
                    target.label,
                    max_rows,
                )
                ended.add(base)
                continue
            if oid <= last[base]:
                raise snmp_client.SnmpProtocolError(
                    f"agent {target.address} returned non-increasing OID {name} "
                    f"during walk of {base}",
                    target.address,
                )
            last[base] = oid
            rows[base].append((str(name), snmp_client.to_python(value)))
        going = [b for b in going if b not in ended]
    if tables is not None:
        tables.walks += 1
        tables.rows += sum(len(r) for r in rows.values())
    return rows


async def walk_olt(
    client,
    target,
    walk_plan: WalkPlan,
    *,
    with_serials: bool = False,
    max_repetitions: int = DEFAULT_MAX_REPETITIONS,
) -> OltTables:
    """Walk one OLT's PON ports and ONU columns (``client``: AsyncSnmpClient):
    two :func:`walk_columns`, the ports table (status and names) then the ONU
    columns (and the serial column with ``with_serials``).

    The first request is the ports walk, so an OLT that does not answer fails at
    once with the client's timeout error (the caller's "OLT unreachable").
    """
    started = time.monotonic()
    tables = OltTables()
    spec = walk_plan.ports
    if spec:
        status_col, name_col = spec["status_oid"], spec["name_oid"]
        got = await walk_columns(
            client,
            target,
            [status_col, name_col],
            max_repetitions=max_repetitions,
            tables=tables,
        )
        status = dict(got[status_col])
        base = name_col + "."
        for oid, name in got[name_col]:
            ifindex = int(oid[len(base) :].split(".")[0])
            found = profiles.olt_pon_port(walk_plan.profile, name, ifindex)
            if found is None:
                continue
            pon_port, pon_index = found
            tables.ports[pon_index] = {
                "ifindex": ifindex,
                "name": str(name),
                "pon_port": pon_port,
                "status": status.get(f"{status_col}.{ifindex}"),
            }
    columns = list(walk_plan.columns)
    if with_serials and walk_plan.serial:
        columns.append(walk_plan.serial)
    got = await walk_columns(
        client,
        target,
        [col.base for col in columns],
        max_repetitions=max_repetitions,
        tables=tables,
    )
    for col in columns:
        for oid, value in got[col.base]:
            key = col.key_of(oid)
            if key is not None:
                tables.onus.setdefault(key, {})[col.metric] = value
    tables.duration_ms = (time.monotonic() - started) * 1000
    return tables


def ont_readings_input(tables: OltTables, pon_index, onu_id) -> dict | None:
    """The raw values of one ONT, by metric name, for ``profiles.evaluate``: its
    row of the ONU columns plus its PON port's IF-MIB status as
    ``interface_status``. None when the walk did not return the ONT (not seen)."""
    key = (int(pon_index), int(onu_id))
    row = tables.onus.get(key)
    port = tables.ports.get(key[0])
    if row is None:
        if port is not None and port.get("status") not in (None, 1):
            # the port is down: its ONTs are gone from the ONU tables on some OLTs
            return {PORT_STATUS_METRIC: port["status"]}
        return None
    values = {k: v for k, v in row.items() if k != "serial"}
    if port is not None and port.get("status") is not None:
        values[PORT_STATUS_METRIC] = port["status"]
    return values


def evaluate_ont(profile: dict, tables: OltTables, pon_index, onu_id):
    """``(readings, health)`` of one ONT from its OLT's tables, or None if the
    walk did not return it."""
    raw = ont_readings_input(tables, pon_index, onu_id)
    if raw is None:
        return None
    readings = profiles.evaluate(profile, raw)
    if PORT_STATUS_METRIC in raw and not any(
        r["metric"] == PORT_STATUS_METRIC for r in readings
    ):
        # profiles without a per-port metric (ZTE: its IF-MIB ifIndex is not the
        # ONU tables' PON index) still get the port status walked from IF-MIB,
        # evaluated as any profile metric is
        readings += profiles.evaluate(
            _PORT_STATUS_PROFILE, {PORT_STATUS_METRIC: raw[PORT_STATUS_METRIC]}
        )
    return readings, profiles.health(readings)


__all__ = [
    "Column",
    "OltTables",
    "WalkPlan",
    "evaluate_ont",
    "gpon_serial",
    "ont_readings_input",
    "plan",
    "walk_columns",
    "walk_olt",
]
