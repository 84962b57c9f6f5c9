"""Mask secrets and payment data before a payload is logged or stored.

Pure Python, no Odoo import. Use it on every webhook body, command payload,
API response and header set that ends up in a log line, a chatter message or
an ``ir.logging`` / event-log record.

Rules applied by :func:`mask_payload` (returns a deep copy, never mutates):

* A *key* is sensitive when it matches one of ``sensitive_keys`` (shell-style
  patterns, ``*token*`` = substring). Keys and patterns are compared after
  normalisation: lower case, ``-``, ``_``, ``.`` and spaces removed, so
  ``Card-Number``, ``card_number`` and ``cardNumber`` are all ``cardnumber``.
* The value of a sensitive key is replaced by ``MASK`` (``"***"``), except for
  keys that also match ``partial_keys`` (card number / PAN, IBAN, account
  numbers) where a string or integer of 8+ characters (separators ignored)
  keeps its last 4: ``"***1111"``. ``None``, ``""`` and booleans are left as
  they are (they reveal nothing and help debugging); containers under a
  sensitive key are masked whole.
* Anywhere else, in any string value, a run of 13-19 digits (optionally
  grouped with spaces or dashes) that passes the Luhn check is taken for a
  card number and replaced by ``***`` + its last 4 digits. Integers are not
  scanned (13-digit millisecond timestamps would too often pass Luhn).
  A Luhn-valid 13-19 digit reference held in a string will be masked too:
  that false positive is accepted.
"""

import fnmatch
import re
from collections.abc import Mapping

__all__ = [
    "DEFAULT_PARTIAL_KEYS",
    "DEFAULT_SENSITIVE_KEYS",
    "MASK",
    "is_luhn_valid",
    "mask_payload",
    "mask_text",
    "mask_value",
]

MASK = "***"

# Values under these keys keep at most their last 4 characters.
DEFAULT_PARTIAL_KEYS = (
    "pan",
    "*cardpan*",
    "*cardnumber*",
    "*cardno*",
    "*ccnumber*",
    "*creditcard*",
    "*primaryaccountnumber*",
    "*iban*",
    "*accountnumber*",
    "*accountno*",
    "*acctnumber*",
    "*acctno*",
    "*bankaccount*",
)

DEFAULT_SENSITIVE_KEYS = DEFAULT_PARTIAL_KEYS + (
    "cvv*",
    "*cvv",
    "cvc*",
    "*cvc",
    "*securitycode*",
    "pin",
    "*pincode*",
    "*password*",
    "*passwd*",
    "*passphrase*",
    "pwd",
    "*secret*",
    "*token*",
    "*authorization*",
    "*apikey*",
    "*accesskey*",
    "*privatekey*",
    "*signature*",
    "*credential*",
    "*cookie*",
    "*sessionid*",
    "ssn",
)

_NORMALISE = re.compile(r"[-_.\s]+")
_PAN_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _normalise(key):
    return _NORMALISE.sub("", str(key).lower())


def _compile(patterns):
    return tuple(_normalise(p) for p in patterns)


def _matches(key, patterns):
    norm = _normalise(key)
    return any(fnmatch.fnmatchcase(norm, p) for p in patterns)


def is_luhn_valid(digits):
    """Luhn checksum of a string of digits."""
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _last4(value):
    text = re.sub(r"[\s-]", "", str(value))
    if len(text) < 8:
        return MASK
    return MASK + text[-4:]


def _mask_pan(match):
    digits = re.sub(r"\D", "", match.group(0))
    if 13 <= len(digits) <= 19 and is_luhn_valid(digits):
        return MASK + digits[-4:]
    return match.group(0)


def mask_text(text):
    """Replace every Luhn-valid 13-19 digit card number inside ``text``."""
    if not isinstance(text, str) or len(text) < 13:
        return text
    return _PAN_CANDIDATE.sub(_mask_pan, text)


def mask_value(value, partial=False):
    """Mask one sensitive value (see the module docstring)."""
    if value is None or value == "" or isinstance(value, bool):
        return value
    if partial and isinstance(value, str | int):
        return _last4(value)
    return MASK


def _walk(obj, sensitive, partial, seen):
    if isinstance(obj, Mapping):
        if id(obj) in seen:
            return MASK  # a cycle: do not recurse for ever
        seen = seen | {id(obj)}
        out = {}
        for key, value in obj.items():
            if _matches(key, sensitive):
                out[key] = mask_value(value, partial=_matches(key, partial))
            else:
                out[key] = _walk(value, sensitive, partial, seen)
        return out
    if isinstance(obj, list | tuple | set | frozenset):
        if id(obj) in seen:
            return MASK
        seen = seen | {id(obj)}
        items = [_walk(v, sensitive, partial, seen) for v in obj]
        if isinstance(obj, list):
            return items
        if isinstance(obj, tuple):
            return tuple(items)
        return items  # sets: a list keeps JSON-serialisable output
    if isinstance(obj, str):
        return mask_text(obj)
    if isinstance(obj, bytes | bytearray):
        try:
            return mask_text(bytes(obj).decode("utf-8"))
        except UnicodeDecodeError:
            return "<%d bytes>" % len(obj)
    return obj  # numbers, None, booleans and other immutable scalars


def mask_payload(
    obj, sensitive_keys=DEFAULT_SENSITIVE_KEYS, partial_keys=DEFAULT_PARTIAL_KEYS
):
    """Deep copy of ``obj`` with sensitive values masked (see module docstring).

    Mappings come back as plain ``dict``, lists as lists, tuples as tuples,
    sets as lists, bytes as (masked) text. The input is never modified.
    """
    sensitive = _compile(sensitive_keys)
    partial = _compile(partial_keys)
    return _walk(obj, sensitive, partial, frozenset())
