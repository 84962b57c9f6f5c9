# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A server-side marker for state changes made by our own workflow methods.

Odoo's context travels from the client over RPC, so a context key cannot prove that a
write comes from a workflow method. A ContextVar can: only server code sets it."""

import contextlib
import contextvars

_TRUSTED = contextvars.ContextVar("tc_orders_trusted", default=False)


@contextlib.contextmanager
def trusted():
    token = _TRUSTED.set(True)
    try:
        yield
    finally:
        _TRUSTED.reset(token)


def is_trusted():
    return _TRUSTED.get()
