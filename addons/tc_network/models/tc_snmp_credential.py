# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import snmp_client

SECRET_FIELDS = ("community", "auth_key", "priv_key")


class TcSnmpCredential(models.Model):
    """How to talk SNMP to a device (usually an OLT). The secrets are readable by
    managers only and never leave the server: they go into an ``SnmpTarget`` whose
    repr, errors and logs mask them."""

    _name = "tc.snmp.credential"
    _description = "SNMP credential"

    name = fields.Char(required=True)
    version = fields.Selection(
        [("1", "SNMPv1"), ("2c", "SNMPv2c"), ("3", "SNMPv3")],
        required=True,
        default="2c",
    )
    port = fields.Integer(default=161, required=True)
    community = fields.Char(groups="tc_care.group_manager", copy=False)
    user = fields.Char("SNMPv3 user")
    auth_protocol = fields.Selection(
        [("SHA", "SHA"), ("SHA256", "SHA-256"), ("MD5", "MD5"), ("NONE", "None")],
        default="SHA",
    )
    auth_key = fields.Char(groups="tc_care.group_manager", copy=False)
    priv_protocol = fields.Selection(
        [("AES", "AES-128"), ("AES256", "AES-256"), ("DES", "DES"), ("NONE", "None")],
        default="AES",
    )
    priv_key = fields.Char(groups="tc_care.group_manager", copy=False)
    context_name = fields.Char(
        "SNMPv3 context", help="Empty: the device's default context."
    )
    timeout = fields.Float(default=2.0, help="Seconds per try.")
    retries = fields.Integer(default=1)

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
