# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Server-side flags for what only TC Ops' own code may do.

A request's ``context`` is the client's (``/web/dataset/call_kw`` and
``/mail/message/post`` merge whatever the browser sends), so a context key can
never switch on a privileged path. A ``ContextVar`` can: only server code sets it,
in the thread that runs that code, and ``with system(...)`` resets it on the way
out. This is the one mechanism for every addon: tc_orders' ``tc_trust`` (its
workflow's tier decisions and states, flag ``orders_workflow``) and
tc_integrations' ``services/trust.py`` (the legacy importer, ``legacy_import``) name
flags of their own here.

Flags in use:

* ``BULK_FOLLOWERS`` / ``BULK_NOTES``: the escalation cron's bulk writes of
  follower rows and chatter notes (``services/bulk.py``;
  ``models/helpdesk_ticket_escalation.py``).
* ``SLA_LINES``: SLA lines placed or moved by the ticket's own workflow (create,
  stage change, re-matching, fixed deadlines); people never write them directly.
"""

import contextlib
import contextvars

BULK_FOLLOWERS = "bulk_followers"
BULK_NOTES = "bulk_notes"
SLA_LINES = "sla_lines"

_FLAGS = contextvars.ContextVar("tc_care_system_flags", default=frozenset())


@contextlib.contextmanager
def system(*flags):
    """Switch ``flags`` on for the code inside the ``with`` block."""
    token = _FLAGS.set(_FLAGS.get() | frozenset(flags))
    try:
        yield
    finally:
        _FLAGS.reset(token)


def allowed(flag):
    """True inside ``with system(flag)`` of our own code, never from a request."""
    return flag in _FLAGS.get()
