# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Server-side flags of tc_integrations' own code paths.

Odoo's context travels from the client (``/web/dataset/call_kw`` merges whatever
context the browser sends), so a context key cannot prove that a write comes from
the legacy importer. A ContextVar can: only server code sets it. Pure Python."""

import contextlib
import contextvars

_LEGACY_IMPORT = contextvars.ContextVar("tc_integrations_legacy_import", default=False)


@contextlib.contextmanager
def legacy_importing():
    """Set while the legacy importer runs one batch (``tc.legacy.import.run._tc_step``)."""
    token = _LEGACY_IMPORT.set(True)
    try:
        yield
    finally:
        _LEGACY_IMPORT.reset(token)


def is_legacy_import():
    return _LEGACY_IMPORT.get()
