# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import hmac
import ipaddress
import secrets
import time

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from .tc_partner_api_rate import count_apart

TOKEN_PREFIX = "tcp_"
SCOPES = ("orders", "cases", "reconciliation")


def hash_token(token):
    """sha256 of the whole token: the token is 32 random bytes, so a slow hash adds
    nothing (there is no password to guess), and lookups stay cheap."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def ip_allowed(allowlist, address):
    """``allowlist``: comma/space separated IPs or CIDR networks; empty = any."""
    entries = [e for e in (allowlist or "").replace(",", " ").split() if e]
    if not entries:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    for entry in entries:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


class TcPartnerApiKey(models.Model):
    """A partner's key for the JSON-RPC partner API. Only a prefix and a hash are
    stored; the token itself is shown once, when it is generated.

    The hash is a column without an ORM field (as ``res.users.apikeys`` keeps its
    keys, and ``res.users`` its passwords): no read, search or export over RPC
    reaches it, whatever the role."""

    _name = "tc.partner.api.key"
    _description = "Partner API key"
    _inherit = ["mail.thread"]
    _order = "partner_id, id"

    name = fields.Char(required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True
    )
    prefix = fields.Char(readonly=True, copy=False, index=True)
    # the hash itself lives in the column of the same name, read and written in
    # SQL only (like res.users.password): this field always reads empty
    key_hash = fields.Char(compute="_compute_key_hash", copy=False)
    scopes = fields.Char(
        default="orders cases reconciliation",
        required=True,
        tracking=True,
        help="Space separated: orders, cases, reconciliation.",
    )
    ip_allowlist = fields.Char(
        "Allowed IPs",
        tracking=True,
        help="Comma separated IP addresses or CIDR networks; empty allows any.",
    )
    rate_limit = fields.Integer(
        "Requests per minute",
        default=60,
        tracking=True,
        help="Fixed one-minute window counted in the database (shared by all "
        "workers). 0 disables the limit.",
    )
    rate_window = fields.Integer(readonly=True, copy=False)
    rate_count = fields.Integer(readonly=True, copy=False)
    last_used_at = fields.Datetime(readonly=True, copy=False)
    active = fields.Boolean(default=True, tracking=True)

    _sql_constraints = [
        ("prefix_uniq", "unique(prefix)", "Key prefixes are unique."),
    ]

    def _compute_key_hash(self):
        self.key_hash = False

    def init(self):
        # the hash column (see the class docstring); a database made before it
        # left the ORM already has it
        self.env.cr.execute(
            "ALTER TABLE tc_partner_api_key ADD COLUMN IF NOT EXISTS key_hash varchar"
        )

    # Override: the prefix and the rate counters are written by the key code only
    # (SQL); readonly=True alone protects nothing over RPC.
    _tc_system_fields = frozenset(
        {"prefix", "key_hash", "rate_window", "rate_count", "last_used_at"}
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(self._tc_system_fields & set(vals) for vals in vals_list):
            raise AccessError(self.env._("Generate the key with its button."))
        return super().create(vals_list)

    def write(self, vals):
        if self._tc_system_fields & set(vals):
            raise AccessError(self.env._("Generate the key with its button."))
        return super().write(vals)

    @api.constrains("scopes", "ip_allowlist")
    def _check_scopes(self):
        for key in self:
            unknown = set(key.scopes.split()) - set(SCOPES)
            if unknown:
                raise ValidationError(
                    self.env._("Unknown scope(s): %s", ", ".join(sorted(unknown)))
                )
            for entry in (key.ip_allowlist or "").replace(",", " ").split():
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError as exc:
                    raise ValidationError(
                        self.env._("%s is not an IP address or network.", entry)
                    ) from exc

    def _tc_generate(self):
        """New token for this key (replaces the old one); returns it once."""
        self.ensure_one()
        prefix = secrets.token_hex(4)
        token = "%s%s_%s" % (TOKEN_PREFIX, prefix, secrets.token_urlsafe(32))
        self.env.cr.execute(
            SQL(
                "UPDATE tc_partner_api_key SET prefix = %s, key_hash = %s, "
                "write_uid = %s, write_date = now() at time zone 'UTC' WHERE id = %s",
                prefix,
                hash_token(token),
                self.env.uid,
                self.id,
            )
        )
        self.invalidate_recordset(["prefix"])
        self.message_post(
            body=self.env._(
                "New key %(prefix)s generated by %(user)s.",
                prefix=prefix,
                user=self.env.user.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return token

    def action_generate(self):
        """Button (care managers): a new token, shown once."""
        if not self.env.user.has_group("tc_care.group_manager"):
            raise AccessError(self.env._("Only care managers generate partner keys."))
        self.check_access("write")
        token = self._tc_generate()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Copy this key now: it is shown only once"),
                "message": token,
                "sticky": True,
                "type": "warning",
            },
        }

    @api.model
    def _tc_authenticate(self, token):
        """The active key matching ``token``, or an empty recordset."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return self.browse()
        prefix = token[len(TOKEN_PREFIX) :].split("_", 1)[0]
        self.env.cr.execute(
            "SELECT id, key_hash FROM tc_partner_api_key "
            "WHERE prefix = %s AND active LIMIT 1",
            (prefix,),
        )
        row = self.env.cr.fetchone()
        if not row or not hmac.compare_digest(row[1] or "", hash_token(token)):
            return self.browse()
        return self.sudo().browse(row[0])

    def _tc_consume_rate(self, now=None):
        """Count one request in this minute's window; True when still allowed."""
        self.ensure_one()
        if self.rate_limit <= 0:
            return True
        window = int((now or time.time()) // 60)
        # its own short transaction: the key's row is not locked for the request
        count = count_apart(
            self.env,
            SQL(
                """
                UPDATE tc_partner_api_key
                   SET rate_count = CASE WHEN rate_window = %s
                                         THEN rate_count + 1 ELSE 1 END,
                       rate_window = %s,
                       last_used_at = now() at time zone 'UTC'
                 WHERE id = %s
             RETURNING rate_count
                """,
                window,
                window,
                self.id,
            ),
        )
        self.invalidate_recordset(["rate_count", "rate_window", "last_used_at"])
        return count is not None and count <= self.rate_limit
