"""Legacy import files: what one row says, checked without the database.

Pure Python (no Odoo import). ``parse_row(entity, row)`` turns the raw fields of a
row (as ``legacy_format.CsvReader`` read them) into the values the import service
stores, or the ``Reason`` it is rejected for: dates, numbers, choices, MAC
addresses, IPs, required values (formats and choices: ``legacy_format``).
References to other files stay legacy ids (strings); the import service resolves
them, one query per batch.
"""

import ipaddress
import math
from datetime import date, datetime, timezone
from importlib import import_module

from .legacy_format import (
    ADDRESS_COLUMNS,
    CLOSED_STATUSES,
    EQUIPMENT_KINDS,
    EQUIPMENT_STATES,
    FALSE_VALUES,
    MAX_LEGACY_ID,
    TICKET_KINDS,
    TICKET_STATUSES,
    TIERS,
    TRUE_VALUES,
    Reason,
    _lt,
)

# The MAC/serial rules of tc.equipment (tc_network/lib/identifiers.py): one
# definition for the form, the CSV import of equipment and this importer. The
# addon is ``odoo.addons.tc_network`` under Odoo and a bare ``tc_network`` package
# in the tests without Odoo; this module's own name says which.
_identifiers = import_module(
    __name__.split("tc_integrations.")[0] + "tc_network.lib.identifiers"
)
normalize_mac = _identifiers.normalize_mac
normalize_serial = _identifiers.normalize_serial


# --------------------------------------------------------------------------------
# value parsers: return the value or raise _Bad(reason)
# --------------------------------------------------------------------------------
class _Bad(Exception):
    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def parse_datetime(value, column):
    """ISO 8601 date-time → naive UTC ``datetime``; a value without offset is UTC."""
    text = value.strip()
    try:
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        result = datetime.fromisoformat(text)
    except ValueError:
        raise _Bad(
            Reason(
                _lt(
                    "column %(column)s: '%(value)s' is not a date and time "
                    "(ISO 8601, e.g. 2024-05-31 14:05:00)"
                ),
                column=column,
                value=value,
            )
        ) from None
    if result.tzinfo is not None:
        result = result.astimezone(timezone.utc).replace(tzinfo=None)
    if not 1970 <= result.year <= 2100:
        raise _Bad(
            Reason(
                _lt("column %(column)s: '%(value)s' is outside 1970-2100"),
                column=column,
                value=value,
            )
        )
    return result.replace(microsecond=0)


def parse_date(value, column):
    try:
        result = date.fromisoformat(value.strip())
    except ValueError:
        raise _Bad(
            Reason(
                _lt("column %(column)s: '%(value)s' is not a date (e.g. 2024-05-31)"),
                column=column,
                value=value,
            )
        ) from None
    if not 1970 <= result.year <= 2100:
        raise _Bad(
            Reason(
                _lt("column %(column)s: '%(value)s' is outside 1970-2100"),
                column=column,
                value=value,
            )
        )
    return result


def parse_bool(value, column):
    text = value.strip().lower()
    if text in TRUE_VALUES:
        return True
    if text in FALSE_VALUES:
        return False
    raise _Bad(
        Reason(
            _lt("column %(column)s: '%(value)s' is not a yes/no value (1 or 0)"),
            column=column,
            value=value,
        )
    )


def parse_float(value, column, low, high):
    try:
        result = float(value)
    except ValueError:
        result = math.nan
    if math.isnan(result) or not low <= result <= high:
        raise _Bad(
            Reason(
                _lt(
                    "column %(column)s: '%(value)s' is not a number between "
                    "%(low)s and %(high)s"
                ),
                column=column,
                value=value,
                low=low,
                high=high,
            )
        )
    return result


def parse_choice(value, column, choices):
    text = value.strip().lower()
    if text not in choices:
        raise _Bad(
            Reason(
                _lt("column %(column)s: '%(value)s' is not one of %(choices)s"),
                column=column,
                value=value,
                choices=", ".join(choices),
            )
        )
    return text


def parse_mac(value):
    mac = normalize_mac(value)
    if mac is None:
        raise _Bad(
            Reason(
                _lt(
                    "column mac: '%(value)s' is not a MAC address "
                    "(12 hex digits, e.g. aa:bb:cc:dd:ee:ff)"
                ),
                value=value,
            )
        )
    return mac


def parse_ip(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        raise _Bad(
            Reason(
                _lt("column ip_address: '%(value)s' is not an IP address"),
                value=value,
            )
        ) from None


def _text(row, column):
    return (row.get(column) or "").strip()


def _require(row, column):
    value = _text(row, column)
    if not value:
        raise _Bad(Reason(_lt("column %(column)s is empty"), column=column))
    return value


def _ref(row, column):
    """An optional value (a legacy id reference, a text): False when empty."""
    return _text(row, column) or False


def _address(row):
    """The address columns; the country code in upper case."""
    vals = {column: _ref(row, column) for column in ADDRESS_COLUMNS}
    vals["country_code"] = _text(row, "country_code").upper() or False
    return vals


# --------------------------------------------------------------------------------
# rows → values (legacy ids of references are kept as strings; the service
# resolves them)
# --------------------------------------------------------------------------------
def _customers(row):
    return {
        "name": _require(row, "name"),
        "is_company": parse_bool(row.get("is_company") or "", "is_company"),
        "email": _ref(row, "email"),
        "phone": _ref(row, "phone"),
        "mobile": _ref(row, "mobile"),
        **_address(row),
        "vat": _ref(row, "vat"),
        "tier": parse_choice(row.get("tier") or "standard", "tier", TIERS),
    }


def _locations(row):
    vals = {
        "customer_id": _require(row, "customer_id"),
        "name": _ref(row, "name"),
        **_address(row),
        "access_notes": _ref(row, "access_notes"),
        "olt_ref": _ref(row, "olt_ref"),
        "pon_port": _ref(row, "pon_port"),
        "latitude": 0.0,
        "longitude": 0.0,
    }
    if _text(row, "latitude"):
        vals["latitude"] = parse_float(_text(row, "latitude"), "latitude", -90, 90)
    if _text(row, "longitude"):
        vals["longitude"] = parse_float(_text(row, "longitude"), "longitude", -180, 180)
    return vals


def _equipment(row):
    location = _ref(row, "location_id")
    state = _text(row, "state") or ("installed" if location else "in_stock")
    vals = {
        "kind": parse_choice(_require(row, "kind"), "kind", EQUIPMENT_KINDS),
        "vendor": _require(row, "vendor"),
        "model": _ref(row, "model"),
        "serial": normalize_serial(_require(row, "serial")),
        "mac": parse_mac(_text(row, "mac")) if _text(row, "mac") else False,
        "location_id": location,
        "state": parse_choice(state, "state", EQUIPMENT_STATES),
        "install_date": parse_date(_text(row, "install_date"), "install_date")
        if _text(row, "install_date")
        else False,
        "firmware": _ref(row, "firmware"),
        "ip_address": parse_ip(_text(row, "ip_address"))
        if _text(row, "ip_address")
        else False,
    }
    if vals["state"] == "installed" and vals["kind"] != "olt" and not location:
        raise _Bad(Reason(_lt("installed equipment needs a location_id")))
    return vals


def _subscriptions(row):
    vals = {
        "customer_id": _require(row, "customer_id"),
        "location_id": _ref(row, "location_id"),
        "reference": _require(row, "reference"),
        "product": _ref(row, "product"),
        "state": _ref(row, "state"),
        "start_date": parse_date(_text(row, "start_date"), "start_date")
        if _text(row, "start_date")
        else False,
        "end_date": parse_date(_text(row, "end_date"), "end_date")
        if _text(row, "end_date")
        else False,
    }
    if (
        vals["start_date"]
        and vals["end_date"]
        and vals["end_date"] < vals["start_date"]
    ):
        raise _Bad(Reason(_lt("end_date is before start_date")))
    return vals


def _tickets(row):
    status = parse_choice(_require(row, "status"), "status", tuple(TICKET_STATUSES))
    created = parse_datetime(_require(row, "created_at"), "created_at")
    closed = (
        parse_datetime(_text(row, "closed_at"), "closed_at")
        if _text(row, "closed_at")
        else False
    )
    if closed and closed < created:
        raise _Bad(Reason(_lt("closed_at is before created_at")))
    if status in CLOSED_STATUSES and not closed:
        closed = created
    if status not in CLOSED_STATUSES:
        closed = False
    priority = _text(row, "priority") or "1"
    if priority not in ("0", "1", "2", "3"):
        raise _Bad(
            Reason(
                _lt("column priority: '%(value)s' is not 0, 1, 2 or 3"),
                value=priority,
            )
        )
    kind = _text(row, "kind")
    return {
        "number": _ref(row, "number"),
        "subject": _require(row, "subject"),
        "description": row.get("description") or False,
        "customer_id": _require(row, "customer_id"),
        "location_id": _ref(row, "location_id"),
        "parent_id": _ref(row, "parent_id"),
        "subscription_id": _ref(row, "subscription_id"),
        "assignee": _text(row, "assignee").lower() or False,
        "kind": parse_choice(kind, "kind", TICKET_KINDS) if kind else False,
        "status": status,
        "priority": priority,
        "created_at": created,
        "closed_at": closed,
    }


def _messages(row):
    body = row.get("body") or ""
    if not body.strip():
        raise _Bad(Reason(_lt("column %(column)s is empty"), column="body"))
    return {
        "ticket_id": _require(row, "ticket_id"),
        "date": parse_datetime(_require(row, "date"), "date"),
        "author": _text(row, "author").lower() or False,
        "internal": parse_bool(row.get("internal") or "", "internal"),
        "body": body,
    }


PARSERS = {
    "customers": _customers,
    "locations": _locations,
    "equipment": _equipment,
    "subscriptions": _subscriptions,
    "tickets": _tickets,
    "messages": _messages,
}


def parse_row(entity, row):
    """``row`` (column → text) → ``(legacy_id, values, None)`` or
    ``(legacy_id or None, None, Reason)``."""
    legacy_id = _text(row, "legacy_id")
    if not legacy_id:
        return None, None, Reason(_lt("column %(column)s is empty"), column="legacy_id")
    if len(legacy_id) > MAX_LEGACY_ID:
        return (
            None,
            None,
            Reason(
                _lt("legacy_id is longer than %(max)s characters"), max=MAX_LEGACY_ID
            ),
        )
    try:
        return legacy_id, PARSERS[entity](row), None
    except _Bad as bad:
        return legacy_id, None, bad.reason
