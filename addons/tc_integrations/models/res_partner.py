# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "tc.legacy.mixin"]
    # customers and service locations come from two files whose ids may collide
    _tc_legacy_unique_columns = ("tc_legacy_kind", "tc_legacy_id")

    tc_legacy_kind = fields.Selection(
        [("customer", "Customer"), ("location", "Service location")],
        "Legacy record kind",
        readonly=True,
        copy=False,
    )
