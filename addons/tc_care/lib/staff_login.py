"""Whether staff may log in with a password: the ``tc_staff_password_login`` setting.

Read like TC Ops' other deployment settings (``tc_integrations/settings.py``): the
``[options]`` key ``tc_staff_password_login`` of the server configuration file, the
environment variable ``TC_STAFF_PASSWORD_LOGIN`` winning where it is non-empty. It
lives in tc_care, not in tc_integrations' accessor, because logging in must not
depend on the integrations addon being installed.

Default: allowed (a database without an identity provider keeps its passwords).
``false`` / ``0`` / ``no`` / ``off`` switch it off; any other value that is not
``true`` / ``1`` / ``yes`` / ``on`` also switches it off (a typo must not leave
passwords on where someone meant to turn them off).

Pure Python on purpose: importable and testable without Odoo.
"""

import os

KEY = "tc_staff_password_login"
TRUE = frozenset({"true", "1", "yes", "on"})


def _text(value):
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value).strip().lower()


def staff_password_login_allowed(config, environ=None):
    """``config``: a mapping-like ``odoo.tools.config``; ``environ`` wins if set."""
    environ = os.environ if environ is None else environ
    value = _text(environ.get(KEY.upper())) or _text(config.get(KEY))
    if not value:
        return True
    return value in TRUE
