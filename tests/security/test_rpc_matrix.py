"""The Models table of docs/security.md, tried cell by cell over RPC.

For every model row, every role with a login and every letter of ``rcwu`` NOT in
that role's cell, the role's demo login tries it through ``/web/dataset/call_kw``
on a real record of the model (found in PostgreSQL) with a crafted context (every
context key the addons read, plus ``active_test``/``bypass``/...; when the crafted
call fails for another reason than access, the plain call is tried too):

- r: ``search_read`` of that record answers an error or nothing;
- c: ``create`` with the values of a copy of that record (``copy_data`` as the
  admin) leaves no row made by the role;
- w: ``write`` of a stored field leaves the row as it was;
- u: ``unlink`` leaves the row in place.

Runs last of the layer (file name): a wrongly allowed unlink must not take the
demo records of the attack tests with it.
"""

import os

import matrix
import psycopg2
import pytest
from sec_common import CRAFTED_CONTEXT, LOGINS

ROLES = ["public", *LOGINS]
ACCESS_ERRORS = ("odoo.exceptions.AccessError", "odoo.http.SessionExpiredException")


def _tables():
    """model -> table, for the models that have one (abstract models have none)."""
    db = os.environ.get("TC_LIVE_DB")
    if not db:
        return {}
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = {name for (name,) in cr.fetchall()}
    conn.close()
    return {
        model: model.replace(".", "_")
        for model in matrix.models()
        if model.replace(".", "_") in tables
    }


TABLES = _tables()
CASES = [
    (model, role, letter)
    for model, cells in matrix.models().items()
    if model in TABLES
    for role in ROLES
    for letter in matrix.LETTERS
    if letter not in cells[role][0]
]


class Sample:
    """What the matrix needs to know about one model, read once as the admin."""

    def __init__(self, admin, db, model):
        self.model = model
        self.table = TABLES[model]
        self.columns = {
            r["column_name"]
            for r in db.all(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                (self.table,),
            )
        }
        ids = db.one(f'SELECT min(id) AS lo, max(id) AS hi FROM "{self.table}"')  # noqa: S608
        self.first, self.last = ids["lo"], ids["hi"]
        self.fields = admin.call(
            model, "fields_get", attributes=["type", "readonly", "store", "required"]
        )
        self.copy = {}
        if self.first:
            vals, _error = admin.try_call(model, "copy_data", [self.first])
            self.copy = (vals or [{}])[0] if isinstance(vals, list) else {}
        self.write_field = self._write_field()

    def _write_field(self):
        candidates = [
            (name, f)
            for name, f in self.fields.items()
            if f.get("store")
            and not f.get("readonly")
            and name in self.columns
            and name
            not in (
                "id",
                "active",
                "company_id",
                "create_uid",
                "write_uid",
                "create_date",
                "write_date",
            )
        ]
        for wanted in ("char", "text", "integer", "float", "boolean"):
            for name, f in sorted(candidates, key=lambda c: (c[0] != "name", c[0])):
                if f["type"] == wanted:
                    return name, wanted
        return None, None

    def value_for(self, role, current):
        name, ftype = self.write_field
        if ftype in ("char", "text"):
            return f"sec-{role}"
        if ftype == "integer":
            return (current or 0) + 7919
        if ftype == "float":
            return (current or 0) + 7919.5
        if ftype == "boolean":
            return not current
        return None


@pytest.fixture(scope="module")
def samples(admin, db, seeded):
    cache = {}

    def get(model):
        if model not in cache:
            cache[model] = Sample(admin, db, model)
        return cache[model]

    return get


def _attempt(client, model, method, *args, **kwargs):
    """Crafted context first; the plain one too when the crafted call failed for
    another reason than access (a key that crashes early must not hide a hole)."""
    result, error = client.try_call(
        model, method, *args, context=CRAFTED_CONTEXT, **kwargs
    )
    if error and error.name not in ACCESS_ERRORS:
        result, error = client.try_call(model, method, *args, context={}, **kwargs)
    return result, error


@pytest.mark.parametrize(
    ("model", "role", "letter"), CASES, ids=[f"{m}-{r}-{x}" for m, r, x in CASES]
)
def test_forbidden_cell(clients, db, samples, model, role, letter):
    sample = samples(model)
    client = clients(role)
    uid = client.uid or -1
    table = sample.table
    if letter == "r":
        if not sample.first:
            pytest.skip(f"no {model} record to read")
        result, error = _attempt(
            client,
            model,
            "search_read",
            [("id", "in", [sample.first, sample.last])],
            fields=["id"],
        )
        assert error or not result, f"{role} read {model} {result}"
    elif letter == "c":
        top = db.value(f'SELECT coalesce(max(id), 0) FROM "{table}"')  # noqa: S608
        _result, error = _attempt(client, model, "create", sample.copy)
        where = "id > %s" + (
            " AND create_uid = %s" if "create_uid" in sample.columns else ""
        )
        params = (top, uid) if "create_uid" in sample.columns else (top,)
        made = db.value(f'SELECT count(*) FROM "{table}" WHERE {where}', params)  # noqa: S608
        assert made == 0, f"{role} created {model} ({error})"
    elif letter == "w":
        if not sample.first:
            pytest.skip(f"no {model} record to write")
        before = db.row(table, sample.first)
        name, _ftype = sample.write_field
        vals = {name: sample.value_for(role, before.get(name))} if name else {}
        _result, error = _attempt(client, model, "write", [sample.first], vals)
        after = db.row(table, sample.first)
        assert after == before or (
            "write_uid" in sample.columns
            and after["write_uid"] != uid
            and after.get(name) == before.get(name)
        ), f"{role} wrote {model} {sample.first} {vals} ({error})"
    elif letter == "u":
        if not sample.last:
            pytest.skip(f"no {model} record to delete")
        _result, error = _attempt(client, model, "unlink", [sample.last])
        assert db.row(table, sample.last) is not None, (
            f"{role} deleted {model} {sample.last}"
        )


def _transient():
    db = os.environ.get("TC_LIVE_DB")
    if not db:
        return set()
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute("SELECT model FROM ir_model WHERE transient")
        names = {name for (name,) in cr.fetchall()}
    conn.close()
    return names & set(TABLES)


WIZARDS = [
    (model, role)
    for model in sorted(_transient())
    for role in LOGINS
    if matrix.models()[model][role][0]
]


@pytest.mark.parametrize(
    ("model", "role"), WIZARDS, ids=[f"{m}-{r}" for m, r in WIZARDS]
)
def test_wizard_row_of_another_user(clients, db, samples, model, role):
    """A wizard row holds what its user typed (a Wi-Fi password, a decision, a
    comment): a role that may use the wizard still reads, changes or deletes
    nobody else's row."""
    sample = samples(model)
    client = clients(role)
    row = db.one(
        f'SELECT id FROM "{sample.table}" WHERE create_uid != %s ORDER BY id LIMIT 1',  # noqa: S608
        (client.uid,),
    )
    if not row:
        pytest.skip(f"no {model} row of another user")
    rec_id = row["id"]
    result, error = _attempt(
        client, model, "search_read", [("id", "=", rec_id)], fields=["id"]
    )
    assert error or not result, f"{role} read another user's {model} {rec_id}"
    before = db.row(sample.table, rec_id)
    name, _ftype = sample.write_field
    if name:
        _attempt(
            client,
            model,
            "write",
            [rec_id],
            {name: sample.value_for(role, before.get(name))},
        )
        assert db.row(sample.table, rec_id) == before, (
            f"{role} changed another user's {model} {rec_id}"
        )
    _attempt(client, model, "unlink", [rec_id])
    assert db.row(sample.table, rec_id) is not None, (
        f"{role} deleted another user's {model} {rec_id}"
    )
