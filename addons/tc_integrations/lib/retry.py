"""How long a queued record waits before its next attempt (pure Python, no Odoo).

The one backoff of tc_integrations: ``tc.queued.record.mixin`` calls it with the
base and cap its model declares (``_tc_backoff``).
"""

import random


def backoff_seconds(attempt, base=30, cap=3600, retry_after=None):
    """Exponential backoff with full jitter on top of the base delay:
    ``base * 2**(attempt-1)`` capped, plus up to 50 % jitter, never less than the
    server's ``Retry-After`` hint."""
    delay = min(cap, base * 2 ** max(0, attempt - 1))
    delay += random.uniform(0, delay / 2)  # noqa: S311 - jitter, not crypto
    if retry_after:
        delay = max(delay, float(retry_after))
    return int(delay)
