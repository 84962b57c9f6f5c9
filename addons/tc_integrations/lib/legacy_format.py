"""Legacy import files: the CSV formats, a streaming reader and row validation.

Pure Python (no Odoo import): ``tc.legacy.import.run`` (the import service) reads
and validates with it, the tests in ``tests/integrations`` run it without Odoo, and
``legacy_generator`` writes files in these formats. The formats are documented in
``docs/import.md``.

One CSV per entity (UTF-8, comma separated, a header row, RFC 4180 quoting), each row
keyed by its ``legacy_id``; references between files are legacy ids. What a row can
say without the database (dates, MAC addresses, choices, required values, encoding,
field count) is checked here; references are resolved by the import service, one
query per batch.

Reasons are ``Reason`` objects: a message template marked for translation (the Odoo
layer renders it with ``env._`` in the user's language) and its parameters.
"""

import csv
import hashlib
import ipaddress
import math
from datetime import date, datetime, timezone
from importlib import import_module

# The MAC/serial rules of tc.equipment (tc_network/lib/identifiers.py): one
# definition for the form, the CSV import of equipment and this importer. The
# addon is ``odoo.addons.tc_network`` under Odoo and a bare ``tc_network`` package
# in the tests without Odoo; this module's own name says which.
_identifiers = import_module(
    __name__.split("tc_integrations.")[0] + "tc_network.lib.identifiers"
)
normalize_mac = _identifiers.normalize_mac
normalize_serial = _identifiers.normalize_serial

# csv's default field limit (128 KiB) is below a long message body
csv.field_size_limit(16 * 1024 * 1024)


def _lt(source):
    """Marks a message template for translation extraction (Odoo's extractor reads
    ``_lt(...)`` calls); the Odoo layer translates it when it renders the reason."""
    return source


class Reason:
    """Why a row was rejected: a template and its parameters."""

    __slots__ = ("template", "params")

    def __init__(self, template, **params):
        self.template = template
        self.params = params

    def render(self, translate=None):
        template = translate(self.template) if translate else self.template
        return template % self.params if self.params else template

    def __str__(self):
        return self.render()

    def __repr__(self):
        return f"Reason({self.render()!r})"


# --------------------------------------------------------------------------------
# the formats
# --------------------------------------------------------------------------------
ENTITIES = (
    "customers",
    "locations",
    "equipment",
    "subscriptions",
    "tickets",
    "messages",
)
FILE_NAMES = {entity: f"{entity}.csv" for entity in ENTITIES}

# (required columns, optional columns) per file
COLUMNS = {
    "customers": (
        ("legacy_id", "name"),
        (
            "is_company",
            "email",
            "phone",
            "mobile",
            "street",
            "street2",
            "zip",
            "city",
            "country_code",
            "vat",
            "tier",
        ),
    ),
    "locations": (
        ("legacy_id", "customer_id"),
        (
            "name",
            "street",
            "street2",
            "zip",
            "city",
            "country_code",
            "latitude",
            "longitude",
            "access_notes",
            "olt_ref",
            "pon_port",
        ),
    ),
    "equipment": (
        ("legacy_id", "kind", "vendor", "serial"),
        (
            "model",
            "mac",
            "location_id",
            "state",
            "install_date",
            "firmware",
            "ip_address",
        ),
    ),
    "subscriptions": (
        ("legacy_id", "customer_id", "reference"),
        ("location_id", "product", "state", "start_date", "end_date"),
    ),
    "tickets": (
        ("legacy_id", "subject", "customer_id", "status", "created_at"),
        (
            "number",
            "description",
            "location_id",
            "parent_id",
            "subscription_id",
            "assignee",
            "kind",
            "priority",
            "closed_at",
        ),
    ),
    "messages": (
        ("legacy_id", "ticket_id", "date", "body"),
        ("author", "internal"),
    ),
}

# the address columns of customers and locations
ADDRESS_COLUMNS = ("street", "street2", "zip", "city", "country_code")
TIERS = ("standard", "business", "vip")
EQUIPMENT_KINDS = ("ont", "router", "stb", "olt", "other")
EQUIPMENT_STATES = ("in_stock", "installed", "faulty", "returned")
# legacy status -> helpdesk_mgmt stage xmlid
TICKET_STATUSES = {
    "new": "helpdesk_mgmt.helpdesk_ticket_stage_new",
    "in_progress": "helpdesk_mgmt.helpdesk_ticket_stage_in_progress",
    "waiting": "helpdesk_mgmt.helpdesk_ticket_stage_awaiting",
    "done": "helpdesk_mgmt.helpdesk_ticket_stage_done",
    "cancelled": "helpdesk_mgmt.helpdesk_ticket_stage_cancelled",
    "rejected": "helpdesk_mgmt.helpdesk_ticket_stage_rejected",
}
CLOSED_STATUSES = ("done", "cancelled", "rejected")
# case kinds: the codes of tc_care's case types (xmlid tc_care.type_<code>)
TICKET_KINDS = (
    "complaint",
    "technical_fault",
    "order_review",
    "provisioning_failure",
    "payment_dispute",
    "reconciliation_mismatch",
    "general_inquiry",
)
TRUE_VALUES = ("1", "true", "yes", "y", "t")
FALSE_VALUES = ("", "0", "false", "no", "n", "f")
MAX_LEGACY_ID = 64


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


# --------------------------------------------------------------------------------
# streaming reader
# --------------------------------------------------------------------------------
class Row:
    """One record of a file: its first physical line, the raw fields by column and,
    when it cannot be read, why."""

    __slots__ = ("line", "data", "reason")

    def __init__(self, line, data=None, reason=None):
        self.line = line
        self.data = data
        self.reason = reason


class FileError(Exception):
    """The file as a whole cannot be read (missing columns, no header)."""

    def __init__(self, reason):
        super().__init__(str(reason))
        self.reason = reason


def file_fingerprint(fileobj):
    """Size and SHA-256 of the first 64 KiB: a resumed run checks its files are
    the ones it started on (its offsets would be meaningless otherwise)."""
    fileobj.seek(0, 2)
    size = fileobj.tell()
    fileobj.seek(0)
    head = hashlib.sha256(fileobj.read(65536)).hexdigest()[:16]
    fileobj.seek(0)
    return f"{size}:{head}"


class CsvReader:
    """Reads one entity's CSV from a binary file object in batches, from a byte
    offset, keeping only the current batch in memory.

    The file is read line by line as bytes; each line is decoded on its own so a
    byte that is not UTF-8 rejects only the record it is in (the bytes are kept as
    surrogates to find it). ``offset`` after a batch is the byte position just after
    its last record: a run that stores it with the batch's commit resumes exactly
    there.
    """

    def __init__(self, fileobj, entity, offset=0, line=None):
        self.fileobj = fileobj
        self.entity = entity
        self.required = COLUMNS[entity][0]
        fileobj.seek(0)
        self._physical = 0  # physical lines consumed
        self.offset = 0
        header_reader = csv.reader(self._lines())
        try:
            header = next(header_reader)
        except StopIteration:
            raise FileError(Reason(_lt("the file is empty (no header row)"))) from None
        self.header = [h.strip().lstrip("\ufeff").lower() for h in header]
        if any("\udc80" <= ch <= "\udcff" for h in self.header for ch in h):
            raise FileError(
                Reason(
                    _lt("the header row is not valid UTF-8 (save the file as UTF-8)")
                )
            )
        missing = [c for c in self.required if c not in self.header]
        if missing:
            raise FileError(
                Reason(
                    _lt("missing column(s): %(columns)s"), columns=", ".join(missing)
                )
            )
        self.header_end = self.offset
        self.header_lines = self._physical
        if offset and offset > self.header_end:
            fileobj.seek(offset)
            self.offset = offset
            self._physical = (line or self.header_lines + 1) - 1
        self._reader = csv.reader(self._lines())
        self.eof = False

    def _lines(self):
        while True:
            raw = self.fileobj.readline()
            if not raw:
                return
            self.offset += len(raw)
            self._physical += 1
            if self._physical == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield raw.decode("utf-8", "surrogateescape")

    @property
    def next_line(self):
        return self._physical + 1

    def read_batch(self, size):
        """Up to ``size`` records as ``Row``; sets ``eof`` at the end of the file."""
        rows = []
        width = len(self.header)
        while len(rows) < size:
            start = self._physical + 1
            try:
                fields = next(self._reader)
            except StopIteration:
                self.eof = True
                break
            except csv.Error as exc:
                rows.append(
                    Row(
                        start,
                        reason=Reason(
                            _lt("not a valid CSV record: %(error)s"), error=str(exc)
                        ),
                    )
                )
                continue
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue  # blank line
            if any("\udc80" <= ch <= "\udcff" for f in fields for ch in f):
                rows.append(
                    Row(
                        start,
                        reason=Reason(
                            _lt(
                                "the line is not valid UTF-8 text (save the file "
                                "as UTF-8)"
                            )
                        ),
                    )
                )
                continue
            if len(fields) != width:
                rows.append(
                    Row(
                        start,
                        reason=Reason(
                            _lt(
                                "the line has %(found)s fields, the header has "
                                "%(expected)s"
                            ),
                            found=len(fields),
                            expected=width,
                        ),
                    )
                )
                continue
            rows.append(Row(start, data=dict(zip(self.header, fields, strict=True))))
        return rows
