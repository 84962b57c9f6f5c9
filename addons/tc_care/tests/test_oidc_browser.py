# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Staff SSO in a real browser (Chromium through Odoo's HttpCase): the tour
``tc_oidc_staff_login`` clicks the provider's button on /web/login, the browser
follows the provider's redirect (authorize → code → /auth_oauth/signin) and lands
in the backend; the roles are then read in the database. A group removed at the
provider is a role removed at the next login, in the browser too."""

from odoo.tests import tagged

from .test_oidc import TcOidcCase


@tagged("post_install", "-at_install")
class TestStaffSsoBrowser(TcOidcCase):
    def test_browser_login_lands_with_the_mapped_roles(self):
        self.idp.add_user("dora-b", "dora@isp.test", "Dora NOC", ["/ops/managers"])
        self.idp.login_as("dora-b")
        self.start_tour("/web/login", "tc_oidc_staff_login")
        user = self.sso_user("dora-b")
        self.assertTrue(user, "the browser login created the user")
        self.assertIn(self.manager, user.groups_id)
        self.assertIn(self.supervisor, user.groups_id)
        self.assertTrue(self.idp.token_requests[-1]["pkce_ok"])

        # the provider drops Dora from the managers: next login, in the browser
        self.idp.set_groups("dora-b", ["/care/agents"])
        self.start_tour("/web/login", "tc_oidc_staff_login")
        user = self.sso_user("dora-b")
        self.assertIn(self.agent, user.groups_id)
        self.assertNotIn(self.manager, user.groups_id)
        self.assertNotIn(self.supervisor, user.groups_id)
