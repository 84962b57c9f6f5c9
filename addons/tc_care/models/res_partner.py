# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

TIERS = [("standard", "Standard"), ("business", "Business"), ("vip", "VIP")]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # A service location is a contact of its own type under the customer: it has the
    # address already, and portal/record rules on the commercial partner cover it.
    type = fields.Selection(
        selection_add=[("service_location", "Service location")],
        ondelete={"service_location": "set default"},
    )
    tc_tier = fields.Selection(
        TIERS,
        string="Customer tier",
        default="standard",
        help="Service tier of the customer; SLAs can target a tier.",
    )
    tc_effective_tier = fields.Selection(
        TIERS,
        string="Tier",
        compute="_compute_tc_effective_tier",
        help="The tier of the commercial partner, which is what SLAs use.",
    )
    tc_latitude = fields.Float("Latitude", digits=(10, 7))
    tc_longitude = fields.Float("Longitude", digits=(10, 7))
    tc_access_notes = fields.Text(
        "Access notes", help="Gate codes, building access, where the ONT is."
    )
    # network references are internal: customers never read them (docs/security.md)
    tc_olt_ref = fields.Char("OLT", index="btree_not_null", groups="base.group_user")
    tc_pon_port = fields.Char("PON port", groups="base.group_user")
    tc_location_ids = fields.One2many(
        "res.partner",
        "parent_id",
        string="Service locations",
        domain=[("type", "=", "service_location")],
    )
    tc_location_count = fields.Integer(compute="_compute_tc_location_count")

    @api.depends("commercial_partner_id.tc_tier")
    def _compute_tc_effective_tier(self):
        for partner in self:
            partner.tc_effective_tier = partner.commercial_partner_id.tc_tier

    @api.depends("tc_location_ids")
    def _compute_tc_location_count(self):
        for partner in self:
            partner.tc_location_count = len(partner.tc_location_ids)

    @api.constrains("tc_latitude", "tc_longitude")
    def _check_tc_gps(self):
        for partner in self:
            if not -90 <= partner.tc_latitude <= 90:
                raise ValidationError(
                    self.env._(
                        "Latitude of %(name)s must be between -90 and 90, got %(v)s.",
                        name=partner.display_name,
                        v=partner.tc_latitude,
                    )
                )
            if not -180 <= partner.tc_longitude <= 180:
                raise ValidationError(
                    self.env._(
                        "Longitude of %(name)s must be between -180 and 180, got %(v)s.",
                        name=partner.display_name,
                        v=partner.tc_longitude,
                    )
                )

    @api.constrains("type", "parent_id")
    def _check_tc_location_parent(self):
        for partner in self:
            if partner.type == "service_location" and not partner.parent_id:
                raise ValidationError(
                    self.env._(
                        "Service location %(name)s needs a customer (parent contact).",
                        name=partner.display_name,
                    )
                )

    @api.model
    def _commercial_fields(self):
        # the tier is a commercial decision: children follow the commercial partner
        return super()._commercial_fields() + ["tc_tier"]

    def write(self, vals):
        result = super().write(vals)
        if "tc_tier" in vals:
            # the tier picks SLAs: open cases of these customers re-match theirs
            tickets = (
                self.env["helpdesk.ticket"]
                .sudo()
                .search(
                    [
                        ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                        ("tc_is_open", "=", True),
                    ]
                )
            )
            tickets._tc_refresh_slas()
        return result
