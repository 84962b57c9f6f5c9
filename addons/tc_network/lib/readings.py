"""Readings of a device, in words: statuses, the health they fold into, and their
text for a chatter post or a case (pure Python, no Odoo).

A reading is the dict ``profiles.evaluate`` makes of one metric (value, unit,
status, reason, liveness); :mod:`profiles` re-exports everything here.
"""

from __future__ import annotations

STATUS_OK = "ok"
STATUS_WARNING = "warning"
STATUS_BAD = "bad"
STATUS_UNKNOWN = "unknown"
STATUSES = (STATUS_OK, STATUS_WARNING, STATUS_BAD, STATUS_UNKNOWN)

HEALTH_ONLINE = "online"
HEALTH_DEGRADED = "degraded"
HEALTH_OFFLINE = "offline"
HEALTH_UNKNOWN = "unknown"


def format_number(value, decimals) -> str:
    if isinstance(value, float):
        return f"{value:.{decimals}f}" if decimals else f"{value:.0f}"
    return str(value)


def health(readings) -> str:
    """Fold readings into ``online`` / ``degraded`` / ``offline`` / ``unknown``.

    * no readings, or none with a known status -> unknown (e.g. device did not
      answer; the caller decides whether a timeout means offline);
    * a liveness metric (ONU state, interface status) is bad -> offline;
    * any other reading bad or warning, or a liveness metric in warning ->
      degraded;
    * otherwise online (unknown non-liveness readings do not degrade).
    """
    readings = list(readings or [])
    known = [r for r in readings if r.get("status") != STATUS_UNKNOWN]
    if not known:
        return HEALTH_UNKNOWN
    if any(r.get("liveness") and r["status"] == STATUS_BAD for r in known):
        return HEALTH_OFFLINE
    if any(r["status"] in (STATUS_BAD, STATUS_WARNING) for r in known):
        return HEALTH_DEGRADED
    return HEALTH_ONLINE


def format_value(reading: dict) -> str:
    value = reading.get("value")
    if value is None:
        return "n/a"
    unit = reading.get("unit") or ""
    if reading.get("unit") == "s" and isinstance(value, (int, float)):
        return _duration(int(value))
    text = format_number(value, reading.get("decimals", 2))
    return f"{text} {unit}".strip()


def _duration(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes}m"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {secs}s"
    return f"{secs}s"


def summary_text(readings, title: str | None = None) -> str:
    """Plain-text summary for a chatter post (one line per reading).

    Example::

        Health: degraded
        - ONU state: online
        - Optical rx power: -29.50 dBm [BAD: below -27.00 dBm]
    """
    readings = list(readings or [])
    lines = []
    if title:
        lines.append(title)
    lines.append(f"Health: {health(readings)}")
    if not readings:
        lines.append("- no readings")
    for r in readings:
        line = f"- {r.get('label') or r.get('metric')}: {format_value(r)}"
        if r.get("status") != STATUS_OK:
            reason = f": {r['reason']}" if r.get("reason") else ""
            line += f" [{str(r.get('status')).upper()}{reason}]"
        lines.append(line)
    return "\n".join(lines)
