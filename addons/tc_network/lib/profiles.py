"""Vendor SNMP profiles as data, threshold evaluation and device health.

A profile is a JSON-able dict, so a new vendor or model is configuration, not
code (:func:`load_profile` accepts JSON text, :func:`register_profile` adds it).
Shape::

    {
      "key": "huawei-gpon-onu",              # unique id
      "vendor": "Huawei",
      "model_pattern": "MA5[68]\\d\\d|HG8\\d{3}",  # regex searched in sysDescr
      "description": "...",
      "index": {                             # variables used in OID templates
        "pon_ifindex": {"default": null, "help": "..."},
        "onu_id": {"default": null, "help": "..."}
      },
      "metrics": [
        {
          "metric": "rx_power",              # stable name used by the Odoo layer
          "label": "Optical rx power",
          "oid": "1.3.6.1.4.1....{pon_ifindex}.{onu_id}",
          "kind": "gauge",                   # gauge | enum | text
          "scale": 0.01, "offset": 0, "decimals": 2, "unit": "dBm",
          "invalid": [2147483647],           # raw values meaning "no reading"
          "thresholds": {"bad_below": -27, "warning_below": -25,
                         "warning_above": -10, "bad_above": -8},
          "liveness": false                  # true: bad here means offline
        },
        {"metric": "onu_state", "kind": "enum", "liveness": true,
         "values": {"1": ["online", "ok"], "2": ["offline", "bad"]}, ...}
      ],
      "olt": {                               # optional: ONU profile read on an OLT
        "ports": {
          "name_oid": "1.3.6.1.2.1.31.1.1.1.1",   # column with the port names
          "status_oid": "1.3.6.1.2.1.2.2.1.8",    # IF-MIB ifOperStatus column
          "name_pattern": "^gpon_(?P<shelf>\\d+)/(?P<slot>\\d+)/(?P<port>\\d+)$",
          "port_format": "{shelf}/{slot}/{port}", # TC's pon_port, from the groups
          "pon_index": {"base": 251658240, "shelf": 16777216,
                        "slot": 65536, "port": 256}   # or null: the ifIndex
        },
        "serial_oid": "1.3.6.1.4.1....{pon_ifindex}.{onu_id}"
      }
    }

A gauge may set ``"signed_bits": 16`` when the agent sends an N-bit two's
complement as an unsigned number (raw >= 2**15 is raw - 2**16); ``invalid`` is
checked on the raw value first.

OLT block: the port name (matched case-insensitively against ``name_pattern``)
gives TC's ``pon_port`` (``port_format`` over the named groups) and the PON index
the ONU tables use: ``base + sum(group * coefficient)`` over ``pon_index``, or the
IF-MIB ifIndex itself when ``pon_index`` is null (:func:`olt_pon_port`). The
metrics walked on an OLT are those whose OID holds ``{pon_ifindex}.{onu_id}``
(:func:`walked_metrics`).

Threshold semantics: ``value < bad_below`` -> bad, else ``value < warning_below``
-> warning; symmetric for ``*_above`` (``value > bad_above`` -> bad). A value equal
to a limit is not past it.

:func:`evaluate` turns raw SNMP values (keyed by metric name or by concrete OID,
e.g. the dict returned by ``snmp_client.get``) into readings; :func:`health`
folds readings into ``online`` / ``degraded`` / ``offline`` / ``unknown``;
:func:`summary_text` renders them for a chatter post.
"""

from __future__ import annotations

import copy
import json
import re
import string

from .profiles_builtin import (
    BUILTIN_PROFILES,
    GENERIC_IFMIB,
    HUAWEI_GPON_ONU,
    IF_OPER_STATUS,
    ZTE_GPON_ONU,
)
from .readings import (  # noqa: F401 - re-exported: profiles is the public API
    HEALTH_DEGRADED,
    HEALTH_OFFLINE,
    HEALTH_ONLINE,
    HEALTH_UNKNOWN,
    STATUS_BAD,
    STATUS_OK,
    STATUS_UNKNOWN,
    STATUS_WARNING,
    STATUSES,
    format_number,
    format_value,
    health,
    summary_text,
)

KINDS = ("gauge", "enum", "text")
THRESHOLD_KEYS = ("bad_below", "warning_below", "warning_above", "bad_above")


class ProfileError(ValueError):
    """A profile is malformed or an OID template lacks an index value."""


# ------------------------------------------------------------------ registry


_OID_TEMPLATE = re.compile(r"^\d+(\.(\d+|\{[a-z_][a-z0-9_]*\}))+$")


def validate_profile(profile) -> dict:
    """Check a profile and return a normalised deep copy (raises ProfileError)."""
    if not isinstance(profile, dict):
        raise ProfileError("a profile must be a JSON object")
    prof = copy.deepcopy(profile)
    key = prof.get("key")
    if not key or not isinstance(key, str):
        raise ProfileError("profile needs a non-empty string 'key'")
    where = f"profile {key!r}"
    prof.setdefault("vendor", "")
    prof.setdefault("description", "")
    prof.setdefault("index", {})
    pattern = prof.setdefault("model_pattern", "")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ProfileError(f"{where}: bad model_pattern: {exc}") from None
    if not isinstance(prof["index"], dict):
        raise ProfileError(f"{where}: 'index' must be an object")
    metrics = prof.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise ProfileError(f"{where}: 'metrics' must be a non-empty list")
    seen = set()
    for metric in metrics:
        _validate_metric(where, prof, metric, seen)
    if prof.get("olt") is not None:
        prof["olt"] = _validate_olt(f"{where}, olt", prof)
    return prof


def _validate_metric(where, prof, metric, seen):
    if not isinstance(metric, dict):
        raise ProfileError(f"{where}: each metric must be an object")
    name = metric.get("metric")
    if not name or not isinstance(name, str):
        raise ProfileError(f"{where}: metric without 'metric' name")
    if name in seen:
        raise ProfileError(f"{where}: duplicate metric {name!r}")
    seen.add(name)
    mwhere = f"{where}, metric {name!r}"
    oid = str(metric.get("oid", "")).strip().lstrip(".")
    if not _OID_TEMPLATE.match(oid):
        raise ProfileError(f"{mwhere}: bad OID template {metric.get('oid')!r}")
    metric["oid"] = oid
    for field in _template_fields(oid):
        if field not in prof["index"]:
            raise ProfileError(
                f"{mwhere}: OID uses {{{field}}} not declared in 'index'"
            )
    kind = metric.setdefault("kind", "gauge")
    if kind not in KINDS:
        raise ProfileError(f"{mwhere}: kind must be one of {', '.join(KINDS)}")
    metric.setdefault("label", name.replace("_", " ").capitalize())
    metric.setdefault("unit", "")
    metric["liveness"] = bool(metric.get("liveness", False))
    if kind == "gauge":
        _validate_gauge(mwhere, metric)
    elif kind == "enum":
        _validate_enum(mwhere, metric)


def _validate_gauge(mwhere, metric):
    for num in ("scale", "offset"):
        if num in metric and not isinstance(metric[num], (int, float)):
            raise ProfileError(f"{mwhere}: {num} must be a number")
    metric.setdefault("scale", 1)
    metric.setdefault("offset", 0)
    metric.setdefault("decimals", 2)
    metric["invalid"] = list(metric.get("invalid", []))
    bits = metric.get("signed_bits")
    if bits is not None and (not _is_int(bits) or not 2 <= bits <= 64):
        raise ProfileError(f"{mwhere}: signed_bits must be an integer 2..64")
    thresholds = metric.setdefault("thresholds", {})
    unknown = set(thresholds) - set(THRESHOLD_KEYS)
    if unknown:
        raise ProfileError(
            f"{mwhere}: unknown threshold(s) {', '.join(sorted(unknown))} "
            f"(use {', '.join(THRESHOLD_KEYS)})"
        )
    lo_bad, lo_warn = thresholds.get("bad_below"), thresholds.get("warning_below")
    hi_warn, hi_bad = thresholds.get("warning_above"), thresholds.get("bad_above")
    if lo_bad is not None and lo_warn is not None and lo_bad > lo_warn:
        raise ProfileError(f"{mwhere}: bad_below must be <= warning_below")
    if hi_bad is not None and hi_warn is not None and hi_bad < hi_warn:
        raise ProfileError(f"{mwhere}: bad_above must be >= warning_above")


def _validate_enum(mwhere, metric):
    values = metric.get("values")
    if not isinstance(values, dict) or not values:
        raise ProfileError(f"{mwhere}: enum metric needs 'values'")
    norm = {}
    for raw, spec in values.items():
        if not isinstance(spec, (list, tuple)) or len(spec) != 2:
            raise ProfileError(f"{mwhere}: enum value {raw!r} must be [text, status]")
        if spec[1] not in STATUSES:
            raise ProfileError(f"{mwhere}: status {spec[1]!r} not in {STATUSES}")
        norm[str(raw)] = [str(spec[0]), spec[1]]
    metric["values"] = norm


def _template_fields(oid: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(oid) if f]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_PLAIN_OID = re.compile(r"^\d+(\.\d+)+$")
_ONU_INDEX = ".{pon_ifindex}.{onu_id}"
_IF_MIB_COLUMNS = ("1.3.6.1.2.1.2.2.1.", "1.3.6.1.2.1.31.1.1.1.")
_OLT_KEYS = {"ports", "serial_oid"}
_PORTS_KEYS = {"name_oid", "status_oid", "name_pattern", "port_format", "pon_index"}
_IF_OPER_STATUS_OID = "1.3.6.1.2.1.2.2.1.8"


def _unknown_keys(where, what, given, allowed):
    unknown = set(given) - allowed
    if unknown:
        raise ProfileError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))} in {what} "
            f"(use {', '.join(sorted(allowed))})"
        )


def _validate_olt(where, prof) -> dict:
    """The normalised "olt" block of ``prof`` (see the module docstring)."""
    olt = prof["olt"]
    if not isinstance(olt, dict):
        raise ProfileError(f"{where}: 'olt' must be an object")
    _unknown_keys(where, "olt", olt, _OLT_KEYS)
    ports = olt.get("ports")
    if not isinstance(ports, dict):
        raise ProfileError(f"{where}: 'olt.ports' must be an object")
    _unknown_keys(where, "olt.ports", ports, _PORTS_KEYS)
    norm = {
        "name_oid": _plain_oid(where, "name_oid", ports.get("name_oid")),
        "status_oid": _plain_oid(
            where, "status_oid", ports.get("status_oid", _IF_OPER_STATUS_OID)
        ),
    }
    pattern = ports.get("name_pattern")
    if not pattern or not isinstance(pattern, str):
        raise ProfileError(f"{where}: 'ports.name_pattern' must be a regex string")
    try:
        groups = set(re.compile(pattern, re.IGNORECASE).groupindex)
    except re.error as exc:
        raise ProfileError(f"{where}: bad ports.name_pattern: {exc}") from None
    if not groups:
        raise ProfileError(
            f"{where}: ports.name_pattern has no named group, e.g. (?P<port>\\d+)"
        )
    norm["name_pattern"] = pattern
    norm["port_format"] = _port_format(where, ports.get("port_format"), groups)
    norm["pon_index"] = _pon_index(where, ports.get("pon_index"), groups)
    serial = str(olt.get("serial_oid") or "").strip().lstrip(".")
    if not _OID_TEMPLATE.match(serial) or _ONU_INDEX not in serial:
        raise ProfileError(
            f"{where}: serial_oid must be an OID template holding "
            f"{_ONU_INDEX[1:]}, got {olt.get('serial_oid')!r}"
        )
    for field in _template_fields(serial):
        if field not in prof["index"]:
            raise ProfileError(
                f"{where}: serial_oid uses {{{field}}} not declared in 'index'"
            )
    if not walked_metrics(prof):
        raise ProfileError(
            f"{where}: no metric OID holds {_ONU_INDEX[1:]} (nothing to walk)"
        )
    if norm["pon_index"] is not None:
        for metric in prof["metrics"]:
            oid = metric["oid"]
            if "{pon_ifindex}" in oid and oid.startswith(_IF_MIB_COLUMNS):
                raise ProfileError(
                    f"{where}: metric {metric['metric']!r} reads IF-MIB at "
                    "{pon_ifindex}, but with ports.pon_index set the ONU tables' "
                    "PON index is not an IF-MIB ifIndex"
                )
    return {"ports": norm, "serial_oid": serial}


def _plain_oid(where, name, value) -> str:
    oid = str(value or "").strip().lstrip(".")
    if not _PLAIN_OID.match(oid):
        raise ProfileError(f"{where}: ports.{name} must be an OID, got {value!r}")
    return oid


def _port_format(where, fmt, groups) -> str:
    if not fmt or not isinstance(fmt, str):
        raise ProfileError(f"{where}: 'ports.port_format' must be a string")
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise ProfileError(f"{where}: bad ports.port_format: {exc}") from None
    used = [f for _, f, _, _ in fields if f is not None]
    if not used:
        raise ProfileError(f"{where}: ports.port_format uses no named group")
    for _, field, spec, conversion in fields:
        if field is None:
            continue
        if field not in groups or spec or conversion:
            raise ProfileError(
                f"{where}: ports.port_format field {{{field}}} is not a plain "
                f"named group of ports.name_pattern ({', '.join(sorted(groups))})"
            )
    return fmt


def _pon_index(where, spec, groups):
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ProfileError(
            f"{where}: ports.pon_index must be an object or null (ifIndex itself)"
        )
    norm = {"base": spec.get("base", 0)}
    for name, value in spec.items():
        if name != "base" and name not in groups:
            raise ProfileError(
                f"{where}: ports.pon_index uses {name!r}, not a named group of "
                f"ports.name_pattern ({', '.join(sorted(groups))})"
            )
        norm[name] = value
    for name, value in norm.items():
        if not _is_int(value):
            raise ProfileError(
                f"{where}: ports.pon_index {name!r} must be an integer, got {value!r}"
            )
    if len(norm) < 2:
        raise ProfileError(f"{where}: ports.pon_index needs a coefficient per group")
    return norm


def _number(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return text


def walked_metrics(profile) -> list[dict]:
    """The metrics read by walking an OLT's ONU tables: those whose OID holds
    ``{pon_ifindex}.{onu_id}`` (a fixed suffix after it is allowed)."""
    return [m for m in profile["metrics"] if _ONU_INDEX in m["oid"]]


def olt_pon_port(profile, name, ifindex) -> tuple[str, int] | None:
    """``(pon_port, pon_index)`` of the OLT port row ``name`` / ``ifindex`` of the
    profile's ``olt.ports``, or None when it is not a PON port."""
    ports = profile["olt"]["ports"]
    found = re.search(ports["name_pattern"], str(name or ""), re.IGNORECASE)
    if not found:
        return None
    values = {key: _number(text) for key, text in found.groupdict().items()}
    spec = ports.get("pon_index")
    try:
        if spec is None:
            pon_index = int(ifindex)
        else:
            pon_index = spec["base"] + sum(
                coef * values[group] for group, coef in spec.items() if group != "base"
            )
    except (TypeError, ValueError):
        return None  # a group that is not a number: not a port we can address
    return ports["port_format"].format(**values), pon_index


PROFILES: dict[str, dict] = {}


def register_profile(profile) -> dict:
    """Validate and add (or replace) a profile; returns the stored copy."""
    prof = validate_profile(profile)
    PROFILES[prof["key"]] = prof
    return prof


def load_profile(data) -> dict:
    """Validate a profile given as JSON text or a dict (does not register it)."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise ProfileError(f"profile is not valid JSON: {exc}") from None
    return validate_profile(data)


def get_profile(key: str) -> dict:
    try:
        return PROFILES[key]
    except KeyError:
        raise ProfileError(
            f"unknown profile {key!r} (known: {', '.join(sorted(PROFILES))})"
        ) from None


def match_profile(sys_descr: str, candidates=None) -> dict | None:
    """First profile whose ``model_pattern`` is found in ``sys_descr``.

    Specific profiles are tried before catch-alls (longer patterns first).
    """
    if candidates is None:
        candidates = PROFILES
    pool = list(candidates.values() if isinstance(candidates, dict) else candidates)
    pool.sort(key=lambda p: -len(p.get("model_pattern") or ""))
    for prof in pool:
        pattern = prof.get("model_pattern")
        if pattern and re.search(pattern, sys_descr or "", re.IGNORECASE):
            return prof
    return None


for _builtin in BUILTIN_PROFILES:
    register_profile(_builtin)


# ------------------------------------------------------------------ evaluation


def _index_values(profile: dict, index: dict) -> dict:
    values = {}
    for name, spec in profile.get("index", {}).items():
        value = index.get(name)
        if value is None and isinstance(spec, dict):
            value = spec.get("default")
        values[name] = value
    return values


def metric_oids(profile: dict, metrics=None, **index) -> dict[str, str]:
    """``{metric: concrete OID}`` with the index variables filled in.

    ``metrics`` limits the result to those names (in that order).
    """
    values = _index_values(profile, index)
    wanted = list(metrics) if metrics else [m["metric"] for m in profile["metrics"]]
    by_name = {m["metric"]: m for m in profile["metrics"]}
    out = {}
    for name in wanted:
        if name not in by_name:
            raise ProfileError(f"profile {profile['key']!r} has no metric {name!r}")
        template = by_name[name]["oid"]
        missing = [f for f in _template_fields(template) if values.get(f) is None]
        if missing:
            raise ProfileError(
                f"metric {name!r} of profile {profile['key']!r} needs index "
                f"value(s): {', '.join(missing)}"
            )
        out[name] = template.format(
            **{k: int(v) for k, v in values.items() if v is not None}
        )
    return out


def _gauge(metric: dict, raw):
    decimals = int(metric.get("decimals", 2))
    unit = metric.get("unit", "")
    if raw is None or raw in metric.get("invalid", []):
        return None, STATUS_UNKNOWN, "no reading"
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None, STATUS_UNKNOWN, f"not a number: {raw!r}"
    bits = metric.get("signed_bits")
    if bits and number.is_integer() and 2 ** (bits - 1) <= number < 2**bits:
        number -= 2**bits
    value = number * float(metric.get("scale", 1)) + float(metric.get("offset", 0))
    value = round(value, decimals) if decimals else round(value)
    th = metric.get("thresholds", {})
    suffix = f" {unit}" if unit else ""
    checks = (
        ("bad_below", STATUS_BAD, lambda v, t: v < t, "below"),
        ("bad_above", STATUS_BAD, lambda v, t: v > t, "above"),
        ("warning_below", STATUS_WARNING, lambda v, t: v < t, "below"),
        ("warning_above", STATUS_WARNING, lambda v, t: v > t, "above"),
    )
    for key, status, past, word in checks:
        limit = th.get(key)
        if limit is not None and past(value, limit):
            return (
                value,
                status,
                f"{word} {format_number(float(limit), decimals)}{suffix}",
            )
    return value, STATUS_OK, ""


def _enum(metric: dict, raw):
    if raw is None:
        return None, STATUS_UNKNOWN, "no reading"
    spec = metric["values"].get(str(raw))
    if spec is None:
        return str(raw), STATUS_UNKNOWN, f"unexpected value {raw!r}"
    return spec[0], spec[1], ""


def evaluate(profile: dict, raw_readings: dict, **index) -> list[dict]:
    """Readings for every profile metric present in ``raw_readings``.

    ``raw_readings`` maps metric names or concrete OIDs (as returned by
    ``snmp_client.get`` / ``PollResult.values``) to raw values; ``None`` means
    the agent had no such object. Metrics absent from the dict are skipped.
    Index values (``pon_ifindex=...``) are needed to match by OID.

    Each reading: ``{"metric", "label", "value", "raw", "unit", "status",
    "reason", "liveness", "oid"}``; ``status`` is ok / warning / bad / unknown.
    """
    raw_readings = raw_readings or {}
    try:
        oids = metric_oids(profile, **index)
    except ProfileError:
        oids = {}
    readings = []
    for metric in profile["metrics"]:
        name = metric["metric"]
        oid = oids.get(name)
        if name in raw_readings:
            raw = raw_readings[name]
        elif oid and oid in raw_readings:
            raw = raw_readings[oid]
        else:
            continue
        if metric["kind"] == "gauge":
            value, status, reason = _gauge(metric, raw)
        elif metric["kind"] == "enum":
            value, status, reason = _enum(metric, raw)
        else:
            value = None if raw is None else str(raw)
            status = STATUS_UNKNOWN if raw is None else STATUS_OK
            reason = "no reading" if raw is None else ""
        readings.append(
            {
                "metric": name,
                "label": metric.get("label", name),
                "value": value,
                "raw": raw,
                "unit": metric.get("unit", ""),
                "status": status,
                "reason": reason,
                "liveness": bool(metric.get("liveness")),
                "oid": oid,
                "decimals": int(metric.get("decimals", 2)),
            }
        )
    return readings


__all__ = [
    "GENERIC_IFMIB",
    "HEALTH_DEGRADED",
    "HEALTH_OFFLINE",
    "HEALTH_ONLINE",
    "HEALTH_UNKNOWN",
    "HUAWEI_GPON_ONU",
    "IF_OPER_STATUS",
    "PROFILES",
    "ProfileError",
    "ZTE_GPON_ONU",
    "evaluate",
    "format_value",
    "get_profile",
    "health",
    "load_profile",
    "match_profile",
    "metric_oids",
    "olt_pon_port",
    "register_profile",
    "summary_text",
    "validate_profile",
    "walked_metrics",
]
