# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import config

from ..settings import load_settings


class TcSettings(models.AbstractModel):
    """ORM entry point to the deployment settings (see ``settings.py``).

    Private on purpose: the settings hold the data-plane token, the webhook
    secrets and the JWT configuration, and a public ``@api.model`` method is
    callable over ``/web/dataset/call_kw`` by anyone, a portal user included."""

    _name = "tc.settings"
    _description = "TC Ops deployment settings"

    @api.model
    def _get(self):
        return load_settings(config)
