# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Staff SSO role map: one identity-provider group (a value of the provider's
groups claim) grants one ISP Operations role.

The map is the only place a staff member's TC roles come from when they log in
through a staff provider (``auth_oauth_provider.py``); the login itself
(``res_users.py``) re-syncs the roles on every login. Roles are
``res.groups`` of the *ISP Operations* category, which tc_care owns and which the
other TC addons put their roles in (dispatcher, technician, finance approver,
order reviewer, network manager): tc_care cannot name groups of addons that
depend on it, the category can. The category is checked on the server (a
constraint), not only by the field's domain, so a map row never grants
``base.group_system`` or any role outside the suite. Managers edit it; every
change is tracked in its chatter.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class TcOidcRoleMap(models.Model):
    _name = "tc.oidc.role.map"
    _description = "Staff SSO: identity-provider group to role"
    _inherit = ["mail.thread"]
    _order = "provider_id, claim_value, group_id"
    _rec_name = "claim_value"

    provider_id = fields.Many2one(
        "auth.oauth.provider",
        "Identity provider",
        required=True,
        ondelete="cascade",
        index=True,
        tracking=True,
        domain=[("tc_staff", "=", True)],
    )
    claim_value = fields.Char(
        "Provider group",
        required=True,
        tracking=True,
        help="A value of the provider's groups claim, exactly as the provider sends "
        "it: a group name or path in Keycloak (e.g. /noc/agents) and Authentik, a "
        "group object id in Entra ID.",
    )
    group_id = fields.Many2one(
        "res.groups",
        "Role",
        required=True,
        ondelete="cascade",
        tracking=True,
        domain=lambda self: [
            (
                "category_id",
                "=",
                self.env.ref("tc_care.module_category_isp_operations").id,
            )
        ],
    )
    active = fields.Boolean(default=True, tracking=True)
    note = fields.Char()

    _sql_constraints = [
        (
            "claim_group_uniq",
            "unique(provider_id, claim_value, group_id)",
            "This provider group already grants this role.",
        )
    ]

    @api.model
    def _tc_managed_roles(self):
        """Every role the map may grant: the ISP Operations category's groups."""
        category = self.env.ref("tc_care.module_category_isp_operations")
        return self.env["res.groups"].sudo().search([("category_id", "=", category.id)])

    @api.constrains("group_id")
    def _check_group_is_a_tc_role(self):
        roles = self._tc_managed_roles()
        for row in self:
            if row.group_id not in roles:
                raise ValidationError(
                    self.env._(
                        "%(group)s is not an ISP Operations role: the staff SSO map "
                        "grants only roles of that category.",
                        group=row.group_id.display_name,
                    )
                )

    @api.constrains("claim_value")
    def _check_claim_value(self):
        for row in self:
            if not (row.claim_value or "").strip():
                raise ValidationError(self.env._("The provider group is empty."))
