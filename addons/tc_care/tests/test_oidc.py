# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Staff SSO against a real OpenID Connect provider on 127.0.0.1
(``tc_care/testing/oidc_provider.py``: discovery, JWKS, authorize, token with
PKCE, userinfo, RS256 ID tokens with a groups claim), through Odoo's real HTTP
routes: /web/login's provider link, the provider's redirect with a code,
/auth_oauth/signin, the token request auth_oidc makes, the backend. The
password switch is tried on /web/login, /web/session/authenticate and XML-RPC.
Outcomes are read in the database."""

import html
import json
import re
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import parse_qs, urlencode, urlsplit

import odoo
from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME
from odoo.tools import config

from ..testing.oidc_provider import OidcProvider

ROLE_XMLIDS = {
    "/care/agents": "tc_care.group_agent",
    "/care/supervisors": "tc_care.group_supervisor",
    "/ops/managers": "tc_care.group_manager",
    # roles of the addons that depend on tc_care, when they are installed
    "/field/dispatchers": "tc_fieldops.group_dispatcher",
    "/field/technicians": "tc_fieldops.group_technician",
    "/finance/approvers": "tc_orders.group_approver",
    "/orders/reviewers": "tc_orders.group_order_reviewer",
}


class TcOidcCase(HttpCase):
    """A provider on 127.0.0.1 registered as a staff directory with a role map of
    every TC role installed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.idp = OidcProvider(
            client_id="tc-ops-test",
            redirect_uris={f"{cls.base_url()}/auth_oauth/signin"},
        ).start()
        cls.addClassCleanup(cls.idp.stop)
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        env = cls.env
        # only our provider is offered on the login page
        env["auth.oauth.provider"].search([]).write({"enabled": False})
        cls.provider = env["auth.oauth.provider"].create(
            {
                "name": "TC test IdP",
                "body": "TC test IdP",
                "flow": "id_token_code",
                "enabled": True,
                "client_id": cls.idp.client_id,
                "scope": "openid email profile",
                "auth_endpoint": cls.idp.endpoints["authorization_endpoint"],
                "token_endpoint": cls.idp.endpoints["token_endpoint"],
                "jwks_uri": cls.idp.endpoints["jwks_uri"],
                "tc_staff": True,
                "tc_groups_claim": "groups",
            }
        )
        cls.roles = {}
        for claim, xmlid in ROLE_XMLIDS.items():
            group = env.ref(xmlid, raise_if_not_found=False)
            if group:
                cls.roles[claim] = group
                env["tc.oidc.role.map"].create(
                    {
                        "provider_id": cls.provider.id,
                        "claim_value": claim,
                        "group_id": group.id,
                    }
                )
        cls.agent = env.ref("tc_care.group_agent")
        cls.supervisor = env.ref("tc_care.group_supervisor")
        cls.manager = env.ref("tc_care.group_manager")
        cls.helpdesk_team = env.ref("helpdesk_mgmt.group_helpdesk_user_team")
        cls.helpdesk_all = env.ref("helpdesk_mgmt.group_helpdesk_user")

    # -- helpers ---------------------------------------------------------
    def fresh_session(self):
        """A browser with no session cookie (a login rotates the session id: the
        server's cookie must be the only one the opener sends)."""
        key = self.opener.cookies.get(TEST_CURSOR_COOKIE_NAME)
        self.opener.cookies.clear()
        self.opener.cookies.set(TEST_CURSOR_COOKIE_NAME, key)

    def sso_login(self, sub):
        """Log in as ``sub`` the way a browser does: a fresh session, /web/login,
        the provider's link, the provider's redirect, Odoo's signin, the landing
        page. Returns the last response."""
        self.idp.login_as(sub)
        self.fresh_session()
        page = self.url_open("/web/login")
        links = re.findall(
            r'href="(%s/authorize\?[^"]+)"' % re.escape(self.idp.base), page.text
        )
        self.assertEqual(len(links), 1, "the login page offers the staff provider")
        return self.url_open(html.unescape(links[0]))

    def sso_user(self, sub):
        self.env.invalidate_all()
        return (
            self.env["res.users"]
            .with_context(active_test=False)
            .search(
                [("oauth_provider_id", "=", self.provider.id), ("oauth_uid", "=", sub)]
            )
        )

    def tc_roles(self, user):
        category = self.env.ref("tc_care.module_category_isp_operations")
        return user.groups_id.filtered(lambda g: g.category_id == category)

    def assertLanded(self, response):
        """The login ended in the backend (auth_oauth's default landing is /web,
        which Odoo 18 serves as /odoo) with a session of its own."""
        path = urlsplit(response.url).path
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            path == "/web" or path.startswith("/odoo"), f"landed on {response.url}"
        )
        self.assertTrue(self.session_uid(), "the browser's session is logged in")

    def session_uid(self):
        """Whom the server's session (the cookie the browser holds) is logged in as."""
        sid = self.opener.cookies.get("session_id")
        session = sid and odoo.http.root.session_store.get(sid)
        return session.uid if session else None

    def assertRefused(self, response):
        self.assertIn("oauth_error", response.url, f"not refused: {response.url}")


@tagged("post_install", "-at_install")
class TestStaffSso(TcOidcCase):
    def test_first_login_creates_the_user_with_the_mapped_roles(self):
        self.idp.add_user(
            "alice-1",
            "alice@isp.test",
            "Alice Ops",
            ["/care/supervisors", "/lunch-club"],
        )
        response = self.sso_login("alice-1")
        self.assertLanded(response)
        user = self.sso_user("alice-1")
        self.assertEqual(user.login, "alice@isp.test")
        self.assertEqual(user.name, "Alice Ops")
        self.assertFalse(user.share, "staff are internal users")
        # supervisor and what it implies (agent), nothing the claim did not grant
        self.assertIn(self.supervisor, user.groups_id)
        self.assertIn(self.agent, user.groups_id)
        self.assertNotIn(self.manager, user.groups_id)
        self.assertNotIn(self.env.ref("base.group_system"), user.groups_id)
        # the code was exchanged with the PKCE verifier the provider checked
        self.assertTrue(self.idp.token_requests[-1]["pkce_ok"])
        self.assertTrue(self.idp.token_requests[-1]["form"].get("code_verifier"))
        # the session is this user's
        self.assertEqual(self.session_uid(), user.id)

    def test_every_role_of_the_map(self):
        claims = sorted(self.roles)
        self.idp.add_user("all-roles", "all@isp.test", groups=claims)
        self.assertLanded(self.sso_login("all-roles"))
        user = self.sso_user("all-roles")
        for claim, group in self.roles.items():
            self.assertIn(group, user.groups_id, claim)

    def test_a_removed_group_is_a_removed_role_at_the_next_login(self):
        dispatcher = self.roles.get("/field/dispatchers")
        groups = ["/care/supervisors"] + (["/field/dispatchers"] if dispatcher else [])
        self.idp.add_user("bob-2", "bob@isp.test", "Bob", groups)
        self.assertLanded(self.sso_login("bob-2"))
        user = self.sso_user("bob-2")
        self.assertIn(self.supervisor, user.groups_id)
        self.assertIn(self.helpdesk_all, user.groups_id, "supervisors see all cases")
        # an administrator also made Bob a Settings admin and, by hand, a manager
        user.write(
            {
                "groups_id": [
                    (4, self.env.ref("base.group_system").id),
                    (4, self.manager.id),
                ]
            }
        )
        # at the provider Bob is now only an agent
        self.idp.set_groups("bob-2", ["/care/agents"])
        self.assertLanded(self.sso_login("bob-2"))
        user = self.sso_user("bob-2")
        roles = self.tc_roles(user)
        self.assertIn(self.agent, roles)
        self.assertNotIn(self.supervisor, roles, "the removed group's role is gone")
        self.assertNotIn(
            self.manager, roles, "a TC role the provider does not grant is gone"
        )
        if dispatcher:
            self.assertNotIn(dispatcher, roles)
            self.assertNotIn(self.env.ref("project.group_project_user"), user.groups_id)
        # what the supervisor role brought goes with it; the agent's stays
        self.assertNotIn(self.helpdesk_all, user.groups_id)
        self.assertIn(self.helpdesk_team, user.groups_id)
        # groups outside the map are never touched
        self.assertIn(self.env.ref("base.group_system"), user.groups_id)
        # every group removed at the provider: the user keeps no TC role
        self.idp.set_groups("bob-2", [])
        self.sso_login("bob-2")
        user = self.sso_user("bob-2")
        self.assertFalse(self.tc_roles(user))
        self.assertNotIn(self.helpdesk_team, user.groups_id)
        self.assertIn(self.env.ref("base.group_system"), user.groups_id)

    def test_a_user_whose_groups_map_to_nothing_gets_no_role(self):
        self.idp.add_user("carol-3", "carol@isp.test", groups=["/lunch-club", "/care"])
        response = self.sso_login("carol-3")
        self.assertRefused(response)
        self.assertFalse(self.sso_user("carol-3"), "no user created")
        self.assertFalse(
            self.env["res.users"].search([("login", "=", "carol@isp.test")])
        )

    def test_an_archived_map_row_grants_nothing(self):
        self.env["tc.oidc.role.map"].search(
            [
                ("provider_id", "=", self.provider.id),
                ("claim_value", "=", "/ops/managers"),
            ]
        ).action_archive()
        self.idp.add_user(
            "dan-4", "dan@isp.test", groups=["/ops/managers", "/care/agents"]
        )
        self.assertLanded(self.sso_login("dan-4"))
        user = self.sso_user("dan-4")
        self.assertIn(self.agent, user.groups_id)
        self.assertNotIn(self.manager, user.groups_id)
        self.assertNotIn(self.supervisor, user.groups_id)

    def test_a_local_account_is_not_taken_over_by_the_providers_email(self):
        local = new_test_user(self.env, "erin@isp.test", groups="base.group_user")
        self.idp.add_user("erin-5", "erin@isp.test", groups=["/ops/managers"])
        with self.assertLogs("odoo.addons.tc_care.models.res_users", "WARNING") as logs:
            self.assertRefused(self.sso_login("erin-5"))
        self.assertIn("not linked", logs.output[0])
        self.env.invalidate_all()
        self.assertFalse(local.oauth_uid)
        self.assertNotIn(self.manager, local.groups_id)
        self.assertFalse(self.sso_user("erin-5"))

    def test_each_login_has_its_own_pkce_verifier_and_nonce(self):
        self.idp.add_user("hal-8", "hal@isp.test", groups=["/care/agents"])
        self.assertLanded(self.sso_login("hal-8"))
        self.assertLanded(self.sso_login("hal-8"))
        first, second = (
            r["form"]["code_verifier"] for r in self.idp.token_requests[-2:]
        )
        self.assertNotEqual(first, second)
        self.assertNotIn(self.provider.sudo().code_verifier, (first, second))
        self.assertTrue(all(r["pkce_ok"] for r in self.idp.token_requests[-2:]))

    def test_a_signin_finished_in_another_browser_is_refused(self):
        """Login CSRF: a victim's browser is sent the attacker's signin link (the
        provider's code for the attacker's account). Its session started no such
        login: refused, the code is not even exchanged."""
        self.idp.add_user("ivy-9", "ivy@isp.test", groups=["/ops/managers"])
        self.idp.login_as("ivy-9")
        self.fresh_session()
        page = self.url_open("/web/login")
        link = html.unescape(
            re.search(
                r'href="(%s/authorize\?[^"]+)"' % re.escape(self.idp.base), page.text
            )[1]
        )
        signin = self.url_open(link, allow_redirects=False).headers["Location"]
        exchanges = len(self.idp.token_requests)
        self.fresh_session()  # the victim's browser
        self.assertRefused(self.url_open(signin))
        self.assertEqual(len(self.idp.token_requests), exchanges)
        self.assertFalse(self.sso_user("ivy-9"))
        self.assertFalse(self.session_uid())

    def test_an_id_token_for_another_login_is_refused(self):
        self.idp.add_user("jon-10", "jon@isp.test", groups=["/care/agents"])
        self.idp.bad_nonce = True
        self.addCleanup(setattr, self.idp, "bad_nonce", False)
        self.assertRefused(self.sso_login("jon-10"))
        self.assertFalse(self.sso_user("jon-10"))

    def test_a_staff_directory_uses_the_code_flow(self):
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.provider.flow = "id_token"

    def test_the_map_grants_only_isp_operations_roles(self):
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.env["tc.oidc.role.map"].create(
                {
                    "provider_id": self.provider.id,
                    "claim_value": "/it/admins",
                    "group_id": self.env.ref("base.group_system").id,
                }
            )

    def test_the_browsers_request_adds_no_role(self):
        """The signin request is the browser's: extra parameters, a forged ID token
        and a context in ``state`` change nothing; roles come from the ID token the
        provider signed."""
        self.idp.add_user("fay-6", "fay@isp.test", groups=["/care/agents"])
        self.idp.login_as("fay-6")
        self.fresh_session()
        page = self.url_open("/web/login")
        link = html.unescape(
            re.search(
                r'href="(%s/authorize\?[^"]+)"' % re.escape(self.idp.base), page.text
            )[1]
        )
        back = self.url_open(link, allow_redirects=False).headers["Location"]
        query = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
        state = json.loads(query["state"])
        state["c"] = {"active_test": False, "tc_roles": ["/ops/managers"], "uid": 1}
        query.update(
            state=json.dumps(state),
            groups="/ops/managers",
            id_token=self.idp.sign({"sub": "fay-6", "groups": ["/ops/managers"]}),
        )
        self.assertLanded(
            self.url_open(f"{self.base_url()}/auth_oauth/signin?{urlencode(query)}")
        )
        user = self.sso_user("fay-6")
        self.assertEqual(self.tc_roles(user), self.agent)


@tagged("post_install", "-at_install")
class TestStaffPasswordSwitch(TcOidcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.staff = new_test_user(
            cls.env,
            "tc_pw_agent",
            password="tc_pw_agent!1",
            groups="tc_care.group_agent",
        )
        cls.customer = new_test_user(
            cls.env,
            "tc_pw_portal",
            password="tc_pw_portal!1",
            groups="base.group_portal",
        )

    def switch(self, value):
        patcher = patch.dict(config.options, {"tc_staff_password_login": value})
        patcher.start()
        self.addCleanup(patcher.stop)
        env = patch.dict("os.environ", {"TC_STAFF_PASSWORD_LOGIN": ""})
        env.start()
        self.addCleanup(env.stop)

    def form_login(self, login, password):
        self.fresh_session()
        page = self.url_open("/web/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        response = self.url_open(
            "/web/login",
            data={"login": login, "password": password, "csrf_token": csrf},
        )
        return response, self.session_uid()

    def xmlrpc_uid(self, login, secret):
        return self.xmlrpc_common.authenticate(self.env.cr.dbname, login, secret, {})

    def test_staff_passwords_refused_when_switched_off(self):
        self.switch(False)
        _response, uid = self.form_login("tc_pw_agent", "tc_pw_agent!1")
        self.assertFalse(uid, "/web/login refused the staff password")
        with (
            self.assertRaises(JsonRpcException),
            self.assertLogs("odoo.http", "WARNING"),
        ):
            self.make_jsonrpc_request(
                "/web/session/authenticate",
                {
                    "db": self.env.cr.dbname,
                    "login": "tc_pw_agent",
                    "password": "tc_pw_agent!1",
                },
            )
        self.assertFalse(self.xmlrpc_uid("tc_pw_agent", "tc_pw_agent!1"))
        # RPC with an API key still works for staff
        key = (
            self.env["res.users.apikeys"]
            .with_user(self.staff)
            ._generate("rpc", "integration", fields.Datetime.now() + timedelta(days=1))
        )
        self.assertEqual(self.xmlrpc_uid("tc_pw_agent", key), self.staff.id)

    def test_portal_customers_keep_their_password(self):
        self.switch("false")
        response, uid = self.form_login("tc_pw_portal", "tc_pw_portal!1")
        self.assertEqual(uid, self.customer.id)
        self.assertEqual(urlsplit(response.url).path, "/my")

    def test_staff_passwords_work_by_default_and_sso_works_when_off(self):
        self.switch("")
        _response, uid = self.form_login("tc_pw_agent", "tc_pw_agent!1")
        self.assertEqual(uid, self.staff.id)
        self.switch("off")
        self.idp.add_user("gil-7", "gil@isp.test", groups=["/care/agents"])
        self.assertLanded(self.sso_login("gil-7"))
        self.assertEqual(self.session_uid(), self.sso_user("gil-7").id)
