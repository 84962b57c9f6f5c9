"""Pure-Python integration helpers of ``tc_integrations`` (no Odoo import here).

- ``webhook``: Standard Webhooks signing / verification of inbound events.
- ``retry``: ``backoff_seconds``, the wait before a queued record's next attempt.
- ``api_client``: ``DataPlaneClient`` for the ISP data-plane microservices.
- ``masking``: ``mask_payload`` to hide secrets and card data before logging.
- ``legacy_format``: the legacy import's CSV formats, streaming reader, row checks.

The Odoo layer imports them as ``odoo.addons.tc_integrations.lib.<module>``;
the tests without Odoo as ``tc_integrations.lib.<module>``.
"""

from . import api_client, masking, webhook
