"""The matrix covers every TC model, route and public method, and names nothing
that does not exist: docs/security.md and the running code must agree.

Models come from the database (``ir_model_data`` of each ``ir.model``: the modules
that define or extend it); routes and public methods from a registry built in a
subprocess (tests/security/introspect.py, the ``code`` fixture).
"""

import re
from pathlib import Path

import matrix
import pytest
from sec_common import CRAFTED_CONTEXT

ADDONS = Path(__file__).resolve().parents[2] / "addons"
# keys of Odoo's own that select records or display, never a TC privilege
ODOO_KEYS = {"active_model", "active_ids", "active_id", "tz", "lang"}
CONTEXT_KEY = re.compile(r"""context\.get\(\s*["']([A-Za-z0-9_]+)["']""")


@pytest.fixture(scope="module")
def tc_models(db):
    rows = db.all(
        "SELECT m.model, string_agg(DISTINCT d.module, ',') AS modules"
        "  FROM ir_model_data d JOIN ir_model m ON m.id = d.res_id"
        " WHERE d.model = 'ir.model' AND d.module LIKE 'tc\\_%%'"
        " GROUP BY m.model"
    )
    return {row["model"]: row["modules"] for row in rows}


def test_every_tc_model_has_a_models_row(tc_models):
    missing = sorted(
        f"{m} ({mods})" for m, mods in tc_models.items() if m not in matrix.models()
    )
    assert not missing, (
        "models of tc_* addons without a row in docs/security.md ## Models: "
        + ", ".join(missing)
    )


def test_every_models_row_is_a_tc_model(tc_models):
    stale = sorted(set(matrix.models()) - set(tc_models))
    assert not stale, (
        "rows of docs/security.md ## Models that no tc_* addon defines or extends: "
        + ", ".join(stale)
    )


def test_every_tc_route_has_a_routes_row(code):
    documented = matrix.routes()
    missing = [
        f"{r['route']} ({r['module']}.{r['handler']}, auth={r['auth']})"
        for r in code["routes"]
        if r["route"] not in documented
    ]
    assert not missing, (
        "routes of tc_* addons without a row in ## Routes: " + ", ".join(missing)
    )
    wrong = [
        f"{r['route']}: code auth={r['auth']}, doc auth={documented[r['route']]}"
        for r in code["routes"]
        if documented[r["route"]] != r["auth"]
    ]
    assert not wrong, "auth differs: " + "; ".join(wrong)


def test_every_routes_row_is_a_tc_route(code):
    stale = sorted(set(matrix.routes()) - {r["route"] for r in code["routes"]})
    assert not stale, "rows of ## Routes that no tc_* addon defines: " + ", ".join(
        stale
    )


def test_every_public_method_has_a_buttons_row(code):
    documented = matrix.buttons()
    missing = sorted(
        f"{m['model']}.{m['method']} ({m['module']})"
        for m in code["methods"]
        if (m["model"], m["method"]) not in documented
    )
    assert not missing, (
        "public methods of TC models without a row in ## Buttons (make them a "
        "button a role may press, or private): " + ", ".join(missing)
    )


def test_every_buttons_row_is_a_public_method(code):
    stale = sorted(
        f"{model}.{method}"
        for model, method in set(matrix.buttons())
        - {(m["model"], m["method"]) for m in code["methods"]}
    )
    assert not stale, (
        "rows of ## Buttons that are no public method of a TC model: "
        + ", ".join(stale)
    )


def test_every_context_key_the_addons_read_is_in_the_crafted_context():
    """Every key our code reads from ``env.context`` is sent by the attack matrix's
    clients (call_kw with CRAFTED_CONTEXT): a key that switched off a check would
    show there. A new ``context.get("…")`` in the addons fails here until it is
    added to CRAFTED_CONTEXT."""
    read = {
        key
        for path in ADDONS.glob("tc_*/**/*.py")
        if "tests" not in path.parts
        for key in CONTEXT_KEY.findall(path.read_text())
    }
    assert read, "no context.get found: the pattern is wrong"
    assert sorted(read - ODOO_KEYS - set(CRAFTED_CONTEXT)) == []
