# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An OAuth / OpenID Connect provider (OCA auth_oidc) marked as the staff
directory: its users' ISP Operations roles come from its groups claim through
``tc.oidc.role.map``, and TC (not auth_signup) creates their users
(``res_users.py``). Managers (tc_care.group_manager) read providers to pick one in
the role map; the client secret and PKCE verifier stay administrators' only."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class AuthOauthProvider(models.Model):
    _inherit = "auth.oauth.provider"

    # auth_oidc's secrets: managers read providers (to pick one in the role map),
    # only administrators read these
    client_secret = fields.Char(groups="base.group_system")
    code_verifier = fields.Char(groups="base.group_system")
    tc_staff = fields.Boolean(
        "Staff directory",
        help="Users of this provider are staff: their ISP Operations roles come from "
        "the provider's groups claim (Staff SSO roles) and are re-synced at every "
        "login. A user whose groups grant no role is not created.",
    )
    tc_groups_claim = fields.Char(
        "Groups claim",
        default="groups",
        help="Name of the ID token claim that lists the user's groups: 'groups' for "
        "Keycloak (group membership mapper), Authentik and Entra ID ('roles' for "
        "Entra app roles).",
    )
    tc_role_map_ids = fields.One2many(
        "tc.oidc.role.map", "provider_id", "Staff SSO roles"
    )

    @api.constrains("tc_staff", "flow")
    def _check_staff_flow(self):
        for provider in self:
            if provider.tc_staff and provider.flow != "id_token_code":
                raise ValidationError(
                    self.env._(
                        "A staff directory uses OpenID Connect's authorization code "
                        "flow (with PKCE)."
                    )
                )

    def _tc_claim_values(self, validation):
        """The groups the verified ID token names, as a set of strings."""
        self.ensure_one()
        raw = validation.get(self.tc_groups_claim or "groups")
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list | tuple):
            return set()
        return {
            value.strip() for value in raw if isinstance(value, str) and value.strip()
        }

    def _tc_roles_for(self, validation):
        """The roles the active map rows of this provider grant for ``validation``."""
        self.ensure_one()
        values = self._tc_claim_values(validation)
        if not values:
            return self.env["res.groups"]
        rows = (
            self.env["tc.oidc.role.map"]
            .sudo()
            .with_context(active_test=True)
            .search(
                [("provider_id", "=", self.id), ("claim_value", "in", list(values))]
            )
        )
        return rows.group_id & rows._tc_managed_roles()
