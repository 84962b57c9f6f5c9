"""Reading one row of the data plane's nightly mismatch report (pure Python).

:func:`parse_mismatch` turns a row of ``GET /reconciliation/mismatches`` (shape in
``api_client``'s module docstring) into a flat dict of the values TC Ops stores,
or raises :class:`BadMismatch` with a message a person can act on. A row whose
``mismatch_id`` is readable but whose other fields are not carries the id on the
exception (``mismatch_id``), so the caller still knows that mismatch is present.
"""

import re
from datetime import datetime, timezone

from .api_client import parse_amount

TYPES = (
    "payment_without_invoice",
    "invoice_without_payment",
    "amount_differs",
    "subscription_state_differs",
    "provisioning_state_differs",
)
# report ref key -> stored field
REFS = {
    "customer_id": "customer_ref",
    "order_id": "order_ref",
    "subscription_id": "subscription_ref",
    "invoice_id": "invoice_ref",
    "payment_id": "payment_ref",
    "provisioning_job_id": "provisioning_job_ref",
}
MAX_REF = 128
_ID = re.compile(r"^[\x21-\x7e]{1,128}$")


class BadMismatch(ValueError):
    """A report row TC Ops cannot store; ``mismatch_id`` when it was readable."""

    def __init__(self, message, mismatch_id=None):
        super().__init__(message)
        self.mismatch_id = mismatch_id


def parse_datetime(value):
    """ISO 8601 (``Z`` or offset, or naive = UTC) -> naive UTC ``datetime``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be an ISO 8601 date-time string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("%r is not an ISO 8601 date-time" % value[:40]) from None
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc).replace(tzinfo=None)
    return when


def _money(row, key, mismatch_id):
    value = row.get(key)
    if value is None:
        return None, None
    try:
        return parse_amount(value)
    except ValueError as exc:
        raise BadMismatch("%s: %s" % (key, exc), mismatch_id) from None


def parse_mismatch(row):
    """One report row -> dict (``mismatch_id``, ``type``, ``type_code``, the
    ``*_ref`` fields, ``expected_amount`` / ``expected_currency``,
    ``actual_amount`` / ``actual_currency``, ``detail``, ``detected_at``)."""
    if not isinstance(row, dict):
        raise BadMismatch("row is not an object but %s" % type(row).__name__)
    raw_id = row.get("mismatch_id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    if not isinstance(raw_id, str) or not _ID.match(raw_id.strip()):
        raise BadMismatch("mismatch_id is missing or not a printable id")
    mismatch_id = raw_id.strip()
    type_code = row.get("type")
    if not isinstance(type_code, str) or not type_code.strip():
        raise BadMismatch("type is missing", mismatch_id)
    type_code = type_code.strip()[:64]
    refs = row.get("refs")
    refs = {} if refs is None else refs
    if not isinstance(refs, dict):
        raise BadMismatch("refs must be an object", mismatch_id)
    values = {
        "mismatch_id": mismatch_id,
        "type": type_code if type_code in TYPES else "other",
        "type_code": type_code,
    }
    for key, field in REFS.items():
        ref = refs.get(key)
        if ref is None or ref == "":
            values[field] = None
            continue
        if isinstance(ref, bool) or not isinstance(ref, str | int):
            raise BadMismatch("refs.%s must be a string" % key, mismatch_id)
        values[field] = str(ref).strip()[:MAX_REF] or None
    if not any(values[f] for f in REFS.values()):
        raise BadMismatch("refs names no record (customer, order, ...)", mismatch_id)
    values["expected_amount"], values["expected_currency"] = _money(
        row, "expected", mismatch_id
    )
    values["actual_amount"], values["actual_currency"] = _money(
        row, "actual", mismatch_id
    )
    detail = row.get("detail")
    values["detail"] = str(detail)[:500] if detail not in (None, "") else None
    try:
        values["detected_at"] = parse_datetime(row.get("detected_at"))
    except ValueError as exc:
        raise BadMismatch("detected_at %s" % exc, mismatch_id) from None
    return values
