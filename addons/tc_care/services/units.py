# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Units of work: a piece of a long job that is committed on its own, or not at all.

A long job (a nightly reconciliation page by page, a legacy import batch by batch)
commits after each unit so that a job killed at any point resumes at the first unit
it had not committed. ``unit(cr)`` is that: the block's writes are committed when
it ends, rolled back (and the error raised again) when it fails. Under Odoo's test
runner, where nothing may be committed, a unit is a savepoint instead: a failing
unit is undone and the test's earlier units are kept, as a committed job's would be.
"""

import contextlib
import threading


def auto_commit():
    """False under Odoo's test runner (its threads carry ``testing``)."""
    return not getattr(threading.current_thread(), "testing", False)


@contextlib.contextmanager
def unit(cr):
    """Commit what the block wrote (a savepoint in tests), or nothing of it."""
    if auto_commit():
        try:
            yield
            cr.commit()  # pylint: disable=invalid-commit
        except BaseException:
            cr.rollback()
            raise
    else:
        with cr.savepoint():
            yield
