# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Server-side flags of tc_integrations' own code paths.

Odoo's context travels from the client (``/web/dataset/call_kw`` merges whatever
context the browser sends), so a context key cannot prove that a write comes from
the legacy importer. tc_care's server-side flags (``services/trust.py``, a
``ContextVar`` only server code sets) can: this is their ``LEGACY_IMPORT`` flag."""

from odoo.addons.tc_care.services import trust

LEGACY_IMPORT = "legacy_import"


def legacy_importing():
    """Set while the legacy importer runs one batch (``tc.legacy.import.run._tc_step``)."""
    return trust.system(LEGACY_IMPORT)


def is_legacy_import():
    return trust.allowed(LEGACY_IMPORT)
