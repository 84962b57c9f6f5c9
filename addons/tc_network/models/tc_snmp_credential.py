# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..lib import snmp_client

# stored secret -> its write-only input field
SECRET_FIELDS = {
    "community": "new_community",
    "auth_key": "new_auth_key",
    "priv_key": "new_priv_key",
}


class TcSnmpCredential(models.Model):
    """How to talk SNMP to a device (usually an OLT).

    The secrets (community, v3 keys) never leave the server: the stored fields are
    restricted to settings administrators (``groups``: no read, search or export for
    anyone else), network managers set them through write-only fields that always
    read back empty, and the secrets only go into an ``SnmpTarget`` whose repr,
    errors and logs mask them. Creating, changing and deleting credentials is for
    network managers only (ACL)."""

    _name = "tc.snmp.credential"
    _description = "SNMP credential"

    name = fields.Char(required=True)
    version = fields.Selection(
        [("1", "SNMPv1"), ("2c", "SNMPv2c"), ("3", "SNMPv3")],
        required=True,
        default="2c",
    )
    port = fields.Integer(default=161, required=True)
    community = fields.Char(groups="base.group_system", copy=False)
    user = fields.Char("SNMPv3 user")
    auth_protocol = fields.Selection(
        [("SHA", "SHA"), ("SHA256", "SHA-256"), ("MD5", "MD5"), ("NONE", "None")],
        default="SHA",
    )
    auth_key = fields.Char(groups="base.group_system", copy=False)
    priv_protocol = fields.Selection(
        [("AES", "AES-128"), ("AES256", "AES-256"), ("DES", "DES"), ("NONE", "None")],
        default="AES",
    )
    priv_key = fields.Char(groups="base.group_system", copy=False)
    # write-only inputs of the secrets: empty when read, a value sets the secret
    new_community = fields.Char(
        "New community", compute="_compute_new_secrets", inverse="_inverse_new_secrets"
    )
    new_auth_key = fields.Char(
        "New auth key", compute="_compute_new_secrets", inverse="_inverse_new_secrets"
    )
    new_priv_key = fields.Char(
        "New privacy key",
        compute="_compute_new_secrets",
        inverse="_inverse_new_secrets",
    )
    community_set = fields.Boolean(
        "Community set", compute="_compute_secrets_set", compute_sudo=True
    )
    auth_key_set = fields.Boolean(
        "Auth key set", compute="_compute_secrets_set", compute_sudo=True
    )
    priv_key_set = fields.Boolean(
        "Privacy key set", compute="_compute_secrets_set", compute_sudo=True
    )
    context_name = fields.Char(
        "SNMPv3 context", help="Empty: the device's default context."
    )
    timeout = fields.Float(default=2.0, help="Seconds per try.")
    retries = fields.Integer(default=1)

    def _compute_new_secrets(self):
        for rec in self:
            rec.new_community = rec.new_auth_key = rec.new_priv_key = False

    def _inverse_new_secrets(self):
        # reached only by network managers (write/create ACL on this model); the
        # check repeats it for any other path
        if not self.env.su and not self.env.user.has_group(
            "tc_network.group_network_manager"
        ):
            raise AccessError(self.env._("Only network managers set SNMP credentials."))
        for rec in self:
            vals = {
                secret: rec[new] for secret, new in SECRET_FIELDS.items() if rec[new]
            }
            if vals:
                rec.sudo().write(vals)

    @api.depends("community", "auth_key", "priv_key")
    def _compute_secrets_set(self):
        for rec in self:
            rec.community_set = bool(rec.community)
            rec.auth_key_set = bool(rec.auth_key)
            rec.priv_key_set = bool(rec.priv_key)

    @api.constrains("version", "user", "port", "timeout", "retries")
    def _check_values(self):
        for rec in self:
            if rec.version == "3" and not rec.user:
                raise ValidationError(
                    self.env._(
                        "SNMPv3 credential %(name)s needs a user.", name=rec.name
                    )
                )
            if not 0 < rec.port < 65536:
                raise ValidationError(self.env._("The SNMP port must be 1-65535."))
            if rec.timeout <= 0 or rec.retries < 0:
                raise ValidationError(
                    self.env._("Timeout must be positive and retries not negative.")
                )

    def _tc_target(self, host, name=""):
        """The ``SnmpTarget`` for ``host`` with these credentials (read as root:
        callers are already allowed to run diagnostics on the device)."""
        self.ensure_one()
        cred = self.sudo()
        common = {
            "port": cred.port,
            "timeout": cred.timeout,
            "retries": cred.retries,
            "name": name,
        }
        try:
            if cred.version == "3":
                return snmp_client.SnmpTarget(
                    host,
                    version="3",
                    user=cred.user,
                    auth_protocol=cred.auth_protocol or "SHA",
                    auth_key=cred.auth_key or None,
                    priv_protocol=cred.priv_protocol or "AES",
                    priv_key=cred.priv_key or None,
                    context_name=cred.context_name or "",
                    **common,
                )
            return snmp_client.SnmpTarget(
                host,
                version=cred.version,
                community=cred.community or "public",
                **common,
            )
        except snmp_client.SnmpConfigError as exc:
            raise ValidationError(
                self.env._("SNMP credential %(name)s: %(err)s", name=cred.name, err=exc)
            ) from exc
