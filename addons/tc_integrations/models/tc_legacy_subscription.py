# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class TcLegacySubscription(models.Model):
    """A subscription of the legacy system, kept only as a reference: the
    subscription itself lives in the ISP's billing microservice (``reference``
    is its id there). Imported tickets get it as their subscription ref."""

    _name = "tc.legacy.subscription"
    _inherit = ["tc.legacy.mixin"]
    _description = "Subscription reference (imported)"
    _order = "partner_id, name"

    name = fields.Char("Reference", required=True, index=True, readonly=True)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, readonly=True
    )
    location_id = fields.Many2one(
        "res.partner", "Service location", index="btree_not_null", readonly=True
    )
    product = fields.Char(readonly=True)
    state = fields.Char(readonly=True)
    date_start = fields.Date("Start", readonly=True)
    date_end = fields.Date("End", readonly=True)
