# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextlib
import os
from unittest.mock import patch
from urllib.parse import urlsplit

from odoo.tests import common as odoo_test_common
from odoo.tools import config

# The queue_job 18.0 wheel's test helpers import SETATTR_SOURCES, which only newer
# Odoo 18.0 builds define (it silences patch warnings); give older builds an empty one.
if not hasattr(odoo_test_common, "SETATTR_SOURCES"):
    odoo_test_common.SETATTR_SOURCES = {}

from odoo.addons.queue_job.tests.common import trap_jobs  # noqa: E402

__all__ = ["PeerTimeouts", "trap_jobs"]


class PeerTimeouts:
    """Test mixin: requests to the local data-plane peer (127.0.0.1) keep the
    client's own timeout. Odoo's harness raises every timeout under 10 s to 10 s
    (``BaseCase._request_handler``), which would make each injected timeout cost
    10 s; every other request keeps Odoo's handling (external ones are blocked)."""

    @classmethod
    def _request_handler(cls, s, r, /, **kw):
        if urlsplit(r.url).hostname == "127.0.0.1":
            return odoo_test_common._super_send(s, r, **kw)
        return super()._request_handler(s, r, **kw)


SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRET_OLD = "whsec_dGhlLW9sZC1zZWNyZXQtc3RpbGwtdmFsaWQ="
TC_ENV = (
    "TC_API_BASE_URL",
    "TC_API_TOKEN",
    "TC_WEBHOOK_SECRET",
    "TC_TENANT_ID",
    "TC_PARTNER_JWKS",
    "TC_PARTNER_JWT_ISSUER",
    "TC_PARTNER_JWT_AUDIENCE",
    "TC_COMMAND_PATH",
)


@contextlib.contextmanager
def tc_settings(**options):
    """Server options ``tc_*`` for the duration of a test (environment cleared)."""
    with patch.dict(config.options, options), patch.dict(os.environ, {}):
        for key in TC_ENV:
            os.environ.pop(key, None)
        yield


def event(event_id, event_type, correlation_id=None, **data):
    return {
        "id": event_id,
        "type": event_type,
        "correlation_id": correlation_id or "corr-" + event_id,
        "data": data,
    }
