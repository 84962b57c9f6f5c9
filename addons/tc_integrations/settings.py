# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The one accessor for TC Ops deployment settings.

Settings come from the Odoo server configuration file (``[options]`` section) and can
be overridden by environment variables, which is how container deployments pass
secrets. Every default is empty: an unconfigured database talks to nothing.

=====================  ======================  =========================================
odoo.conf key          environment variable    meaning
=====================  ======================  =========================================
tc_api_base_url        TC_API_BASE_URL         base URL of the ISP data-plane API
tc_api_token           TC_API_TOKEN            bearer token for that API (secret)
tc_webhook_secret      TC_WEBHOOK_SECRET       webhook secret(s), comma separated during
                                               rotation (secret)
tc_tenant_id           TC_TENANT_ID            tenant id sent with every call
tc_public_base_url     TC_PUBLIC_BASE_URL      public URL of this Odoo (links in messages)
tc_partner_jwks        TC_PARTNER_JWKS         JWKS of the API gateway for partner JWTs:
                                               a local file path or an http(s) URL
tc_partner_jwt_issuer  TC_PARTNER_JWT_ISSUER   expected ``iss`` of partner JWTs
tc_partner_jwt_audience TC_PARTNER_JWT_AUDIENCE expected ``aud`` of partner JWTs
tc_command_path        TC_COMMAND_PATH         how commands are posted: ``body`` (default,
                                               POST {base}/commands, type in the body)
                                               or ``type`` (POST {base}/commands/{type})
=====================  ======================  =========================================

Logs and error reports are set up once per process, not here: ``tc_log_json`` /
``TC_LOG_JSON`` and OCA sentry's ``sentry_dsn`` / ``SENTRY_DSN``, ``sentry_environment`` /
``SENTRY_ENVIRONMENT`` (the environment wins the same way), see lib/observability.py.

Pure Python on purpose: importable and testable without Odoo.
"""

import os
from dataclasses import dataclass, field, fields

KEYS = (
    "tc_api_base_url",
    "tc_api_token",
    "tc_webhook_secret",
    "tc_tenant_id",
    "tc_public_base_url",
    "tc_partner_jwks",
    "tc_partner_jwt_issuer",
    "tc_partner_jwt_audience",
    "tc_command_path",
)
SECRET_KEYS = frozenset({"tc_api_token", "tc_webhook_secret"})


@dataclass(frozen=True)
class TcSettings:
    api_base_url: str = ""
    api_token: str = field(default="", repr=False)
    webhook_secrets: tuple = field(default=(), repr=False)
    tenant_id: str = ""
    public_base_url: str = ""
    partner_jwks: str = ""
    partner_jwt_issuer: str = ""
    partner_jwt_audience: str = ""
    command_path: str = "body"

    @property
    def partner_jwt_configured(self):
        return bool(
            self.partner_jwks and self.partner_jwt_issuer and self.partner_jwt_audience
        )

    @property
    def api_configured(self):
        return bool(self.api_base_url and self.api_token)

    def describe(self):
        """A dict safe to show or log: secrets replace by whether they are set."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("api_token", "webhook_secrets"):
                out[f.name] = "set" if value else "not set"
            else:
                out[f.name] = value
        return out


def _clean(value):
    if value is None or value is False:
        return ""
    return str(value).strip()


def load_settings(config, environ=None):
    """Build :class:`TcSettings` from a mapping-like config (``odoo.tools.config``)
    and the environment (which wins where it is non-empty)."""
    environ = os.environ if environ is None else environ
    raw = {}
    for key in KEYS:
        env_value = _clean(environ.get(key.upper()))
        raw[key] = env_value or _clean(config.get(key))
    secrets = tuple(s.strip() for s in raw["tc_webhook_secret"].split(",") if s.strip())
    return TcSettings(
        api_base_url=raw["tc_api_base_url"].rstrip("/"),
        api_token=raw["tc_api_token"],
        webhook_secrets=secrets,
        tenant_id=raw["tc_tenant_id"],
        public_base_url=raw["tc_public_base_url"].rstrip("/"),
        partner_jwks=raw["tc_partner_jwks"],
        partner_jwt_issuer=raw["tc_partner_jwt_issuer"],
        partner_jwt_audience=raw["tc_partner_jwt_audience"],
        # an unknown value is kept: the command job refuses it with the fix
        command_path=raw["tc_command_path"].lower() or "body",
    )
