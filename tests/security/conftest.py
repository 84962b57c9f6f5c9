"""Fixtures of the security layer: the shared running Odoo, one HTTP session per
demo role, the database, and the demo records the attacks aim at.

The server is the one tests/live starts (``tests/live/conftest.py``, loaded here
by path so that ``pytest tests/security`` alone works too); when both layers run
in one session they share the same process. Every assertion about an outcome
reads PostgreSQL directly (psycopg2), not the server's answer.
"""

import importlib.util
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sec_common import LOGINS, Client, Db

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DB = os.environ.get("TC_LIVE_DB", "")

_spec = importlib.util.spec_from_file_location(
    "tc_live_server", HERE.parent / "live" / "conftest.py"
)
_live = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_live)
server = _live.server  # the same process as tests/live's (kept on the config)


@pytest.fixture(scope="session")
def db():
    if not DB:
        pytest.skip("TC_LIVE_DB is not set")
    conn = Db()
    yield conn
    conn.conn.close()


_background = {}


@pytest.fixture(scope="session", autouse=True)
def _helpers_in_background():
    """Start the two registry subprocesses (seeding, introspection) at once, so
    they run while the server starts; ``seeded`` and ``code`` wait for them."""
    if not DB:
        return
    import matrix  # noqa: PLC0415 (tests/security is on sys.path only in tests)

    for name, args in (
        ("seed", [str(HERE / "seed.py"), DB, *matrix.models()]),
        ("introspect", [str(HERE / "introspect.py"), DB]),
    ):
        _background[name] = subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )


def _wait(name):
    proc = _background[name]
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, f"{name}.py failed:\n{err[-3000:]}"
    return json.loads(out or "{}")


@pytest.fixture(scope="session")
def seeded(server, db):
    """One record of every model of the Models table that has none (as superuser,
    tests/security/seed.py): {model: id, or the reason it could not be made}."""
    return _wait("seed")


@pytest.fixture(scope="session")
def code(db):
    """Routes and public methods of the TC addons (tests/security/introspect.py)."""
    return _wait("introspect")


@pytest.fixture(scope="session")
def base(server):
    return server.base


@pytest.fixture(scope="session")
def admin(base):
    return Client(base, "admin")


@pytest.fixture(scope="session")
def reviewer_user(admin, db):
    """A user with only the order reviewer group (no demo user has just that)."""
    uid = db.value("SELECT id FROM res_users WHERE login = %s", (LOGINS["reviewer"],))
    if not uid:
        group = db.xmlid("tc_orders.group_order_reviewer")
        uid = admin.call(
            "res.users",
            "create",
            {
                "name": "Security layer reviewer",
                "login": LOGINS["reviewer"],
                "password": LOGINS["reviewer"],
                "groups_id": [(6, 0, [group])],
            },
        )
    return uid


@pytest.fixture(scope="session")
def clients(base, reviewer_user):
    """role -> Client, logged in once per session (public: anonymous)."""
    cache = {}

    def get(role):
        if role not in cache:
            cache[role] = Client(base, LOGINS.get(role))
        return cache[role]

    return get


@pytest.fixture(scope="session")
def portal_partner(db):
    return db.value(
        "SELECT p.commercial_partner_id FROM res_users u"
        " JOIN res_partner p ON p.id = u.partner_id WHERE u.login = %s",
        (LOGINS["portal"],),
    )


@pytest.fixture(scope="session")
def other_case(db, portal_partner):
    """A customer's case that is not the portal user's (nor followed by them)."""
    row = db.one(
        "SELECT t.id, t.name FROM helpdesk_ticket t"
        " JOIN res_partner p ON p.id = t.partner_id"
        " WHERE p.commercial_partner_id != %s AND t.tc_api_partner_id IS NULL"
        " ORDER BY t.id LIMIT 1",
        (portal_partner,),
    )
    assert row, "demo data has no case of another customer"
    return row


@pytest.fixture(scope="session")
def own_case(db, portal_partner):
    row = db.one(
        "SELECT t.id, t.name FROM helpdesk_ticket t"
        " JOIN res_partner p ON p.id = t.partner_id"
        " WHERE p.commercial_partner_id = %s ORDER BY t.id LIMIT 1",
        (portal_partner,),
    )
    assert row, "demo data has no case of the portal user's customer"
    return row


@pytest.fixture(scope="session")
def partner_keys(admin, db):
    """Two API partners (companies) with a key each: {"A": {...}, "B": {...}}
    (partner id, ref, token). Made as the admin over HTTP, the way a manager
    does: create the key, press Generate, copy the token shown once."""
    run = "%x" % int(time.time() * 1000)
    keys = {}
    for name in ("A", "B"):
        ref = f"SEC-P{name}-{run}"
        partner = admin.call(
            "res.partner",
            "create",
            {"name": f"Sec partner {name} {run}", "is_company": True, "ref": ref},
        )
        key = admin.call(
            "tc.partner.api.key",
            "create",
            {"name": f"sec {name}", "partner_id": partner},
        )
        shown = admin.call("tc.partner.api.key", "action_generate", [key])
        token = re.search(r"tcp_[A-Za-z0-9]+_[A-Za-z0-9_-]+", str(shown))
        assert token, f"action_generate showed no token: {shown!r}"
        keys[name] = {
            "partner": partner,
            "ref": ref,
            "token": token.group(0),
            "key": key,
        }
    return keys
