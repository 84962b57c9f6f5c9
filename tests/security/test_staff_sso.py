"""Attack 9: staff SSO (tc_care, OCA auth_oidc) against the running server.

A real OpenID Connect provider runs in this process on 127.0.0.1
(``tc_care/testing/oidc_provider.py``); the admin registers it as a staff directory
with a role map, over HTTP, as an administrator does. Then:

- an agent at the provider logs in with a crafted ``/auth_oauth/signin`` request
  (a context in ``state`` with every crafted key, a ``groups`` parameter, an ID
  token signed by the provider itself but naming the managers' group): the only
  TC role in PostgreSQL is agent;
- a manager removed from the managers' group at the provider replays the signin
  request of an earlier login to keep the role: refused, and the next real login
  removes the role in PostgreSQL;
- roles without the manager role create, change or delete no map row (crafted
  context too), and a manager maps no group outside ISP Operations;
- a manager, who reads providers to pick one in the map, never reads the client
  secret or the PKCE verifier.
"""

import html
import json
import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sec_common import CRAFTED_CONTEXT
from tc_care.testing.oidc_provider import OidcProvider

RUN = "%x" % int(time.time() * 1000)
CATEGORY = "tc_care.module_category_isp_operations"


@pytest.fixture(scope="module")
def idp(admin, db, base):
    provider = OidcProvider(
        client_id=f"tc-sec-{RUN}", redirect_uris={f"{base}/auth_oauth/signin"}
    ).start()
    provider_id = admin.call(
        "auth.oauth.provider",
        "create",
        {
            "name": f"Security layer IdP {RUN}",
            "body": f"Security layer IdP {RUN}",
            "flow": "id_token_code",
            "enabled": True,
            "client_id": provider.client_id,
            "scope": "openid email profile",
            "auth_endpoint": provider.endpoints["authorization_endpoint"],
            "token_endpoint": provider.endpoints["token_endpoint"],
            "jwks_uri": provider.endpoints["jwks_uri"],
            "tc_staff": True,
        },
    )
    for claim, xmlid in (
        ("/sec/agents", "tc_care.group_agent"),
        ("/sec/managers", "tc_care.group_manager"),
    ):
        admin.call(
            "tc.oidc.role.map",
            "create",
            {
                "provider_id": provider_id,
                "claim_value": claim,
                "group_id": db.xmlid(xmlid),
            },
        )
    provider.odoo_id = provider_id
    yield provider
    admin.call("auth.oauth.provider", "write", [provider_id], {"enabled": False})
    provider.stop()


def _roles(db, idp, sub):
    """xml ids of the ISP Operations roles of the provider's user ``sub``."""
    rows = db.all(
        "SELECT d.module || '.' || d.name AS xmlid FROM res_users u"
        " JOIN res_groups_users_rel r ON r.uid = u.id"
        " JOIN res_groups g ON g.id = r.gid"
        " JOIN ir_model_data d ON d.model = 'res.groups' AND d.res_id = g.id"
        " WHERE u.oauth_provider_id = %s AND u.oauth_uid = %s AND g.category_id = %s",
        (idp.odoo_id, sub, db.xmlid(CATEGORY)),
    )
    return {row["xmlid"] for row in rows}


def _signin_url(base, idp, session):
    """What the browser does up to the provider's redirect back to Odoo."""
    page = session.get(f"{base}/web/login", timeout=60)
    link = re.search(r'href="(%s/authorize\?[^"]+)"' % re.escape(idp.base), page.text)
    assert link, "the login page offers the provider"
    answer = session.get(html.unescape(link[1]), allow_redirects=False, timeout=60)
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def _finish(session, url):
    final = session.get(url, timeout=60)
    return final, urlsplit(final.url).path


def test_9_sso_crafted_signin_adds_no_role(base, db, idp):
    sub = f"sec-agent-{RUN}"
    idp.add_user(sub, f"{sub}@isp.test", groups=["/sec/agents"])
    idp.login_as(sub)
    session = requests.Session()
    url = _signin_url(base, idp, session)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    state = json.loads(query["state"])
    state["c"] = {
        **CRAFTED_CONTEXT,
        "tc_roles": ["/sec/managers"],
        "groups": "/sec/managers",
    }
    forged = idp.sign({"sub": sub, "aud": idp.client_id, "groups": ["/sec/managers"]})
    query.update(
        state=json.dumps(state),
        groups="/sec/managers",
        id_token=forged,
        access_token="forged",
    )
    crafted = f"{url.split('?')[0]}?{urlencode(query)}"
    _final, path = _finish(session, crafted)
    assert path in ("/web", "/odoo") or path.startswith("/odoo/"), path
    assert _roles(db, idp, sub) == {"tc_care.group_agent"}
    # nothing else was created for the forged claims
    assert not db.value(
        "SELECT count(*) FROM res_users WHERE oauth_provider_id = %s AND oauth_uid != %s"
        " AND oauth_uid LIKE %s",
        (idp.odoo_id, sub, f"%{RUN}"),
    )


def test_9_sso_replayed_signin_keeps_no_role(base, db, idp):
    sub = f"sec-manager-{RUN}"
    idp.add_user(sub, f"{sub}@isp.test", groups=["/sec/managers"])
    idp.login_as(sub)
    first = requests.Session()
    url = _signin_url(base, idp, first)
    _final, path = _finish(first, url)
    assert not path.startswith("/web/login"), path
    assert "tc_care.group_manager" in _roles(db, idp, sub)
    # the provider removes the manager; the attacker replays the first login
    idp.set_groups(sub, ["/sec/agents"])
    replay = requests.Session()
    final, path = _finish(replay, url)
    assert path == "/web/login" and "oauth_error" in final.url, final.url
    # the next real login is the provider's word: the role is gone
    again = requests.Session()
    _final, path = _finish(again, _signin_url(base, idp, again))
    assert not path.startswith("/web/login"), path
    assert _roles(db, idp, sub) == {"tc_care.group_agent"}


def _map_rows(db):
    return db.all(
        "SELECT id, claim_value, group_id, active FROM tc_oidc_role_map ORDER BY id"
    )


@pytest.mark.parametrize(
    "role",
    [
        "portal",
        "technician",
        "dispatcher",
        "agent",
        "supervisor",
        "finance",
        "reviewer",
    ],
)
def test_9_role_map_is_the_managers(clients, db, idp, role):
    client = clients(role)
    before = _map_rows(db)
    row = next(r for r in before if r["claim_value"] == "/sec/agents")
    manager_group = db.xmlid("tc_care.group_manager")
    for context in (CRAFTED_CONTEXT, None):
        client.try_call(
            "tc.oidc.role.map",
            "create",
            {
                "provider_id": idp.odoo_id,
                "claim_value": f"/sec/{role}-own-group",
                "group_id": manager_group,
            },
            context=context,
        )
        client.try_call(
            "tc.oidc.role.map",
            "write",
            [row["id"]],
            {"group_id": manager_group},
            context=context,
        )
        client.try_call("tc.oidc.role.map", "unlink", [row["id"]], context=context)
        client.try_call(
            "tc.oidc.role.map", "action_archive", [row["id"]], context=context
        )
    assert _map_rows(db) == before


def test_9_manager_maps_only_isp_operations_roles(clients, db, idp):
    manager = clients("manager")
    system = db.xmlid("base.group_system")
    row = next(r for r in _map_rows(db) if r["claim_value"] == "/sec/agents")
    _result, error = manager.try_call(
        "tc.oidc.role.map",
        "create",
        {"provider_id": idp.odoo_id, "claim_value": "/sec/it", "group_id": system},
        context=CRAFTED_CONTEXT,
    )
    assert error, "a map row granting Settings was accepted"
    manager.try_call(
        "tc.oidc.role.map",
        "write",
        [row["id"]],
        {"group_id": system},
        context=CRAFTED_CONTEXT,
    )
    assert not db.value(
        "SELECT count(*) FROM tc_oidc_role_map WHERE group_id = %s", (system,)
    )


def test_9_manager_reads_no_provider_secret(clients, idp):
    manager = clients("manager")
    rows = manager.call(
        "auth.oauth.provider", "search_read", [("id", "=", idp.odoo_id)], fields=[]
    )
    assert rows and "client_secret" not in rows[0] and "code_verifier" not in rows[0]
    for field in ("client_secret", "code_verifier"):
        _result, error = manager.try_call(
            "auth.oauth.provider",
            "read",
            [idp.odoo_id],
            [field],
            context=CRAFTED_CONTEXT,
        )
        assert error, f"manager read {field}"


def test_9_login_page_offers_the_provider_to_everyone(base, idp):
    """The provider's button on /web/login carries a PKCE S256 challenge, never the
    verifier."""
    page = requests.get(f"{base}/web/login", timeout=60).text
    link = html.unescape(
        re.search(r'href="(%s/authorize\?[^"]+)"' % re.escape(idp.base), page)[1]
    )
    query = parse_qs(urlsplit(link).query)
    assert query["code_challenge_method"] == ["S256"]
    assert "code_verifier" not in link
