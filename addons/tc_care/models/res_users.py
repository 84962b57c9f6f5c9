# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Staff logins: single sign-on through a staff identity provider and the switch
that turns password login off for staff.

SSO (OCA auth_oidc, authorization code + PKCE): auth_oidc verifies the ID token
(signature against the provider's JWKS, audience, ``at_hash``) and calls
``_auth_oauth_signin`` with its claims. For a provider marked *Staff directory*:

- the code is exchanged with the PKCE verifier of this login, kept in the browser's
  session when the login page was rendered, and the ID token's ``nonce`` must be
  this login's (``services/oidc_login.py``): a signin request finished in another
  browser, replayed, or carrying a token minted for another login is refused;
- this file, not auth_signup, finds or creates the user and re-syncs their ISP
  Operations roles from the groups claim through ``tc.oidc.role.map``. A new
  user is created only when their groups grant at least one role, as an
  internal user with exactly those roles; an unknown login that exists locally
  but is not linked to the provider is refused (no linking by e-mail: the
  provider's e-mail claim is not proof of owning a local account). At every
  login the roles the map may grant (the ISP Operations category, and the
  groups those roles bring with them such as helpdesk and project access) are
  set to what the groups claim grants now: a group removed at the provider is a
  role removed here. Groups outside that set (``base.group_system``, Settings,
  anything an administrator gave) are never touched;
- the roles come only from the verified ID token. auth_oauth merges a context
  from the browser's ``state`` into the request (``state["c"]``): everything
  here runs on an environment with an empty context, so no key the browser
  sends changes what is searched, created or granted.

Password switch (``lib/staff_login.py``, ``tc_staff_password_login`` /
``TC_STAFF_PASSWORD_LOGIN``): when off, a password is refused for every internal
user in ``_check_credentials`` (every login path: /web/login,
/web/session/authenticate, XML-RPC / JSON-RPC), before the password is even
compared; RPC still accepts API keys. Portal users keep their passwords.
"""

import logging

import requests

from odoo import Command, api, models
from odoo.exceptions import AccessDenied
from odoo.http import request
from odoo.tools import config

from ..lib.staff_login import staff_password_login_allowed
from ..services import oidc_login

_logger = logging.getLogger(__name__)

USER_TYPES = ("base.group_user", "base.group_portal", "base.group_public")


class ResUsers(models.Model):
    _inherit = "res.users"

    # -- single sign-on --------------------------------------------------
    def _auth_oauth_get_tokens_auth_code_flow(self, oauth_provider, params):
        """auth_oidc's code exchange, with this login's own PKCE verifier for staff
        providers (``services/oidc_login.py``): no login started in this browser
        session, no exchange."""
        if not oauth_provider.tc_staff:
            return super()._auth_oauth_get_tokens_auth_code_flow(oauth_provider, params)
        login = oidc_login.find(request and request.session, oauth_provider.id, params)
        if not login:
            _logger.info("Staff SSO: signin without a login started in this session")
            raise AccessDenied()
        auth = None
        if oauth_provider.client_secret:
            auth = (oauth_provider.client_id, oauth_provider.client_secret)
        response = requests.post(
            oauth_provider.token_endpoint,
            data={
                "client_id": oauth_provider.client_id,
                "grant_type": "authorization_code",
                "code": params.get("code"),
                "code_verifier": login["v"],
                "redirect_uri": request.httprequest.url_root + "auth_oauth/signin",
            },
            auth=auth,
            timeout=10,
        )
        if not response.ok:
            _logger.info(
                "Staff SSO: the provider refused the code (%s)", response.status_code
            )
            raise AccessDenied()
        body = response.json()
        return body.get("access_token"), body.get("id_token")

    @api.model
    def _auth_oauth_signin(self, provider, validation, params):
        clean = self.env(context={}, su=True)
        oauth_provider = clean["auth.oauth.provider"].browse(provider).exists()
        if not oauth_provider or not oauth_provider.tc_staff:
            return super()._auth_oauth_signin(provider, validation, params)
        session = request and request.session
        login = oidc_login.find(session, oauth_provider.id, params)
        if session is not None:
            oidc_login.finish(session, params)
        if not login or validation.get("nonce") != login["n"]:
            _logger.info("Staff SSO: ID token nonce does not match this login")
            raise AccessDenied()
        users = clean["res.users"].with_context(active_test=False)
        oauth_uid = validation["user_id"]
        roles = oauth_provider._tc_roles_for(validation)
        user = users.search(
            [
                ("oauth_provider_id", "=", oauth_provider.id),
                ("oauth_uid", "=", oauth_uid),
            ]
        )
        if user and not user.active:
            _logger.info("Staff SSO: archived user %s refused", user.login)
            raise AccessDenied()
        if not user:
            if not roles:
                _logger.info(
                    "Staff SSO: %s (provider %s) has no group that grants a role: "
                    "no user created",
                    validation.get("email") or oauth_uid,
                    oauth_provider.name,
                )
                raise AccessDenied()
            user = users._tc_oidc_create_staff(
                oauth_provider, validation, params, roles
            )
        else:
            user.write({"oauth_access_token": params["access_token"]})
        user._tc_oidc_sync_roles(roles)
        return user.login

    @api.model
    def _tc_oidc_create_staff(self, provider, validation, params, roles):
        email = (validation.get("email") or "").strip()
        login = (
            email
            or validation.get("preferred_username")
            or (f"{provider.id}:{validation['user_id']}")
        )
        if self.search_count([("login", "=", login)]):
            _logger.warning(
                "Staff SSO: login %s exists but is not linked to provider %s; "
                "an administrator links it (OAuth provider and user id on the user)",
                login,
                provider.name,
            )
            raise AccessDenied()
        user = self.with_context(no_reset_password=True).create(
            {
                "name": validation.get("name") or login,
                "login": login,
                "email": email or False,
                "oauth_provider_id": provider.id,
                "oauth_uid": validation["user_id"],
                "oauth_access_token": params["access_token"],
                "groups_id": [
                    Command.set((self.env.ref("base.group_user") | roles).ids)
                ],
            }
        )
        _logger.info(
            "Staff SSO: user %s created from provider %s with roles %s",
            login,
            provider.name,
            ",".join(sorted(roles.mapped("full_name"))),
        )
        return user

    def _tc_oidc_managed_groups(self):
        """The groups the staff map decides: the ISP Operations roles and what
        they bring with them, never a user type."""
        roles = self.env["tc.oidc.role.map"]._tc_managed_roles()
        user_types = self.env["res.groups"].browse(
            [self.env.ref(xmlid).id for xmlid in USER_TYPES]
        )
        return roles | (roles.trans_implied_ids - user_types)

    def _tc_oidc_sync_roles(self, roles):
        """Give the user exactly ``roles`` among the groups the map decides."""
        self.ensure_one()
        managed = self._tc_oidc_managed_groups()
        if roles and self.share:
            _logger.warning(
                "Staff SSO: %s is a portal user; roles from the provider refused",
                self.login,
            )
            raise AccessDenied()
        others = self.groups_id - managed
        wanted = (roles | roles.trans_implied_ids | others.trans_implied_ids) & managed
        remove = (self.groups_id & managed) - wanted
        add = roles - self.groups_id
        if not (remove or add):
            return
        self.write(
            {
                "groups_id": [Command.unlink(g.id) for g in remove]
                + [Command.link(g.id) for g in add]
            }
        )
        _logger.info(
            "Staff SSO: roles of %s synced from the provider: +%s -%s",
            self.login,
            ",".join(sorted(add.mapped("full_name"))) or "none",
            ",".join(sorted(remove.mapped("full_name"))) or "none",
        )

    # -- password login for staff ----------------------------------------
    def _tc_password_refused(self):
        return not staff_password_login_allowed(config) and not self.sudo().share

    def _check_credentials(self, credential, env):
        if (
            credential.get("type") == "password"
            and (env or {}).get("interactive", True)
            and self._tc_password_refused()
        ):
            _logger.info("Password login refused for staff user %s", self.env.uid)
            raise AccessDenied()
        return super()._check_credentials(credential, env)

    def _rpc_api_keys_only(self):
        # non-interactive (XML-RPC / JSON-RPC) logins of staff: API keys only
        return self._tc_password_refused() or super()._rpc_api_keys_only()
