"""Legacy import files: the CSV formats and a streaming reader.

Pure Python (no Odoo import): ``tc.legacy.import.run`` (the import service) reads
and validates with it, the tests in ``tests/integrations`` run it without Odoo, and
``legacy_generator`` writes files in these formats. The formats are documented in
``docs/import.md``.

One CSV per entity (UTF-8, comma separated, a header row, RFC 4180 quoting), each row
keyed by its ``legacy_id``; references between files are legacy ids. What a row can
say without the database (dates, MAC addresses, choices, required values, encoding,
field count) is checked by ``legacy_rows`` (``parse_row``: one row's values) and
this module's reader (encoding, field count); references are resolved by the
import service, one query per batch.

Reasons are ``Reason`` objects: a message template marked for translation (the Odoo
layer renders it with ``env._`` in the user's language) and its parameters.
"""

import csv
import hashlib

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
