# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.tools import config

from ..settings import load_settings


class TcSettings(models.AbstractModel):
    """ORM entry point to the deployment settings (see ``settings.py``)."""

    _name = "tc.settings"
    _description = "TC Ops deployment settings"

    @api.model
    def get(self):
        return load_settings(config)
