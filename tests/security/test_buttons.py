"""The Buttons table of docs/security.md: every role with a login that is not listed
for a public method presses it over RPC, with a crafted context, on a real record
(one it can read when there is one). The call must answer an error (the method
checks the group inside, or the record is out of reach) and the record's row must
be unchanged in the database.
"""

import matrix
import pytest
from sec_common import CRAFTED_CONTEXT, LOGINS

# abstract: called on the model, no record
NO_TABLE = {"tc.settings", "tc.maker.checker.mixin"}
CASES = sorted(
    (model, method, role)
    for (model, method), allowed in matrix.buttons().items()
    for role in LOGINS
    if role not in allowed
)


def _record(client, db, model):
    table = model.replace(".", "_")
    readable, _error = client.try_call(
        model, "search", [], limit=1, context=CRAFTED_CONTEXT
    )
    if readable:
        return table, readable[0]
    exists = db.value("SELECT to_regclass(%s) IS NOT NULL", (table,))
    return table, db.value(f'SELECT min(id) FROM "{table}"') if exists else None  # noqa: S608


@pytest.mark.parametrize(
    ("model", "method", "role"), CASES, ids=[f"{m}.{x}-{r}" for m, x, r in CASES]
)
def test_button_refused(clients, db, seeded, model, method, role):
    client = clients(role)
    if model in NO_TABLE:
        result, error = client.try_call(model, method, context=CRAFTED_CONTEXT)
        assert error, f"{role} called {model}.{method}: {str(result)[:200]}"
        return
    table, rec_id = _record(client, db, model)
    if not rec_id:
        # no record yet (a wizard, a run): the role makes its own, which is
        # refused when it may not create one (the button is then out of reach)
        rec_id, error = client.try_call(model, "create", {}, context=CRAFTED_CONTEXT)
        if error:
            return
    # a SQL view (the exception queue) recomputes its rows (ages): only tables
    # are compared
    is_view = db.value(
        "SELECT relkind = 'v' FROM pg_class WHERE relname = %s", (table,)
    )
    before = None if is_view else db.row(table, rec_id)
    result, error = client.try_call(model, method, [rec_id], context=CRAFTED_CONTEXT)
    assert error, (
        f"{role} pressed {model}.{method} on {rec_id} without an error: {str(result)[:200]}"
    )
    if not is_view:
        assert db.row(table, rec_id) == before, (
            f"{role} pressed {model}.{method} on {rec_id}: the row changed"
        )
