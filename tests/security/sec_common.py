"""What the security layer's tests share: the roles' logins, the crafted context,
an HTTP client for one login, PostgreSQL access and the stored-script check.

A plain module (not conftest.py) so that the test files import it by a name of its
own: tests/live has a conftest.py too, and both layers run in one pytest session.
"""

import itertools
import os
from html.parser import HTMLParser

import psycopg2
import psycopg2.extras
import requests

DB = os.environ.get("TC_LIVE_DB", "")

# role -> demo login (password = login); reviewer has no demo user: the fixture
# ``reviewer_user`` creates one with only tc_orders.group_order_reviewer.
LOGINS = {
    "portal": "tc_portal_ana_demo",
    "technician": "tc_tech_rita_demo",
    "dispatcher": "tc_dispatcher_demo",
    "agent": "tc_agent_demo",
    "supervisor": "tc_supervisor_demo",
    "manager": "tc_manager_demo",
    "finance": "tc_finance_demo",
    "reviewer": "tc_sec_reviewer",
}
# every context key an addon reads (grep "context.get(" addons/) and the usual
# suspects: sent with every attempt, none may unlock anything
CRAFTED_CONTEXT = {
    "tc_bulk_followers": True,
    "tc_bulk_notes": True,
    "tc_trusted": True,
    "tc_trust": True,
    "tc_legacy_import": True,
    "tc_gps": True,
    "tc_reschedule_reason": "sec",
    "tc_digest": {"total": 999},
    "default_project_id": 1,
    "skip_validation_check": True,
    "tracking_disable": True,
    "mail_notrack": True,
    "mail_create_nolog": True,
    "active_test": False,
    "bypass": 1,
    "sudo": True,
    "install_mode": True,
    "module": "tc_care",
}
_ids = itertools.count(1)


class RpcError(Exception):
    def __init__(self, error):
        self.error = error
        data = error.get("data") or {}
        self.name = data.get("name") or ""
        self.message = data.get("message") or error.get("message") or ""
        super().__init__(f"{self.name}: {self.message}")


class Client:
    """One logged-in (or anonymous) requests.Session against the server."""

    def __init__(self, base, login=None):
        self.base = base
        self.login = login
        self.session = requests.Session()
        self.uid = None
        if login:
            result = self.json(
                "/web/session/authenticate",
                {"db": DB, "login": login, "password": login},
            )
            self.uid = result["uid"]

    def json_raw(self, path, params):
        response = self.session.post(
            self.base + path,
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "id": next(_ids),
                "params": params,
            },
            timeout=60,
        )
        return response

    def json(self, path, params):
        body = self.json_raw(path, params).json()
        if "error" in body:
            raise RpcError(body["error"])
        return body["result"]

    def call(self, model, method, *args, context=None, **kwargs):
        if context is not None:
            kwargs["context"] = context
        return self.json(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def try_call(self, model, method, *args, context=None, **kwargs):
        """(result, None) or (None, RpcError)."""
        try:
            return self.call(model, method, *args, context=context, **kwargs), None
        except RpcError as exc:
            return None, exc

    def get(self, path, **kw):
        kw.setdefault("allow_redirects", False)
        kw.setdefault("timeout", 60)
        return self.session.get(self.base + path, **kw)


class Db:
    """psycopg2 on the server's database, autocommit: every read sees the latest."""

    def __init__(self):
        self.conn = psycopg2.connect(dbname=DB)
        self.conn.autocommit = True

    def all(self, query, params=()):
        with self.conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cr:
            cr.execute(query, params)
            return [dict(row) for row in cr.fetchall()]

    def one(self, query, params=()):
        rows = self.all(query, params)
        return rows[0] if rows else None

    def value(self, query, params=()):
        with self.conn.cursor() as cr:
            cr.execute(query, params)
            row = cr.fetchone()
            return row[0] if row else None

    def xmlid(self, xmlid):
        module, name = xmlid.split(".")
        return self.value(
            "SELECT res_id FROM ir_model_data WHERE module = %s AND name = %s",
            (module, name),
        )

    def row(self, table, rec_id):
        """The whole row as a dict (None once deleted)."""
        return self.one(
            f'SELECT * FROM "{table}" WHERE id = %s',  # noqa: S608 (table from the registry)
            (rec_id,),
        )


class _ScriptFinder(HTMLParser):
    """Collects what would run in a browser: <script>, on* handler attributes,
    javascript: URLs. Escaped text (``&lt;img onerror=...&gt;``) is text, not a tag."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.lower().startswith("on") or value.startswith(
                ("javascript:", "data:text/html")
            ):
                self.found.append(f"{tag} {name}={value[:40]}")


def no_script(html):
    """True when stored HTML would run no script in the browser that shows it."""
    finder = _ScriptFinder()
    finder.feed(html or "")
    finder.close()
    return not finder.found
