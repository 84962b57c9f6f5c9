"""Equipment identifiers: MAC address and serial number normalisation.

Pure Python (no Odoo): ``tc.equipment`` normalises with these on every create and
write, and the legacy importer of ``tc_integrations`` validates its rows with the
same functions, so a file and the form agree on what a MAC address is.
"""

import re

_MAC_HEX = re.compile(r"^[0-9a-f]{12}$")


def normalize_mac(value):
    """``AA-BB-CC-DD-EE-FF``, ``aabb.ccdd.eeff``, ``aabbccddeeff`` → ``aa:bb:cc:dd:ee:ff``;
    False when empty, None when it is not a MAC address."""
    if not value:
        return False
    digits = re.sub(r"[\s:\-.]", "", value).lower()
    if not _MAC_HEX.match(digits):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def normalize_serial(value):
    """Serial numbers are compared without blanks and in upper case."""
    return re.sub(r"\s+", "", value or "").upper() or False
