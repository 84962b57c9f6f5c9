# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""tc_orders' server-side marker for state changes made by its own workflow methods.

Odoo's context travels from the client over RPC, so a context key cannot prove that a
write comes from a workflow method. tc_care's server-side flags (``services/trust.py``,
a ``ContextVar`` only server code sets) can: this is their ``ORDERS_WORKFLOW`` flag."""

from odoo.addons.tc_care.services import trust

ORDERS_WORKFLOW = "orders_workflow"


def trusted():
    """``with trusted():`` around a workflow method's own writes."""
    return trust.system(ORDERS_WORKFLOW)


def is_trusted():
    return trust.allowed(ORDERS_WORKFLOW)
