# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Process-wide set-up of traceable logs and of Sentry, run once per process by
``tc_integrations``' ``post_load`` (server-wide: docker/odoo.conf loads
``base,web,queue_job,tc_integrations,sentry``; otherwise at the first registry load).

* Logging: ``TC_LOG_JSON`` / ``tc_log_json`` (environment wins) chooses JSON lines;
  either way every line carries the correlation id of the work in hand
  (``lib/observability.py``).
* Sentry (OCA ``sentry``): ``SENTRY_DSN`` / ``SENTRY_ENVIRONMENT`` win over
  ``sentry_dsn`` / ``sentry_environment`` of odoo.conf; we start it through OCA's
  ``initialize_sentry`` with our ``before_send`` (OCA's, then the scrubbing of
  payloads and secrets) whichever of the two modules loads first.
"""

import logging

from odoo.tools import config

from ..lib import observability
from ..settings import load_settings

_logger = logging.getLogger(__name__)
# odoo.conf keys whose values never leave the server
SECRET_OPTIONS = ("admin_passwd", "db_password", "smtp_password")


def known_secrets():
    """The configured secret values, cut out of every Sentry event's text."""
    settings = load_settings(config)
    values = [settings.api_token, *settings.webhook_secrets]
    values += [config.get(key) for key in SECRET_OPTIONS]
    return [v for v in values if isinstance(v, str) and v]


def setup():
    json_lines = observability.truthy(
        observability.setting(config, None, "tc_log_json")
    )
    observability.install_logging(json_lines=json_lines)
    start_sentry()


def _sentry_hooks():
    """OCA sentry's hooks module, or None when the wheel (or sentry-sdk) is missing.
    Importing it means its own post_load will not run (Odoo skips modules already
    imported): from then on we start Sentry."""
    try:
        # lazy on purpose: importing it is what tells Odoo not to run its post_load
        from odoo.addons.sentry import hooks  # noqa: PLC0415
    except ImportError:
        return None
    return hooks


def start_sentry(environ=None):
    """Apply the environment to the ``sentry_*`` options and start Sentry when it
    is enabled; returns the active client or None. Idempotent."""
    config.options.update(observability.sentry_config(config, environ))
    hooks = _sentry_hooks()
    if hooks is None:
        return None
    if not getattr(hooks.before_send, "tc_scrubbing", False):
        hooks.before_send = observability.make_before_send(
            hooks.before_send, known_secrets
        )
    sdk = observability.sentry_sdk
    client = sdk.get_client()
    wanted = bool(config.get("sentry_enabled") and config.get("sentry_dsn"))
    if client.is_active() and client.dsn == config.get("sentry_dsn"):
        # started before us (sentry listed first): put our rule on the client
        if not getattr(client.options.get("before_send"), "tc_scrubbing", False):
            client.options["before_send"] = hooks.before_send
        return client
    if not wanted:
        return None
    _logger.info(
        "Sentry reports errors (environment %s)",
        config.get("sentry_environment") or "-",
    )
    hooks.initialize_sentry(config)
    return sdk.get_client()
