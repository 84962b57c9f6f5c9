# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-partner request counts of the partner API for JWT callers (API keys count
on their own row): one row per partner and one-minute window, in PostgreSQL so
the limit holds across workers and nodes."""

from odoo import api, fields, models
from odoo.tools import SQL


class TcPartnerApiRate(models.Model):
    _name = "tc.partner.api.rate"
    _description = "Partner API request count per minute"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, ondelete="cascade"
    )
    minute = fields.Integer(required=True, readonly=True, help="Unix time // 60.")
    count = fields.Integer(required=True, readonly=True)

    _sql_constraints = [
        ("partner_minute_uniq", "unique(partner_id, minute)", "One row per minute."),
    ]

    @api.model
    def _tc_consume(self, partner, minute):
        """Count one request of ``partner`` in ``minute``: one atomic UPSERT
        (two workers racing both count). Returns the count including this one.
        The first request of a minute drops the partner's older rows."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO tc_partner_api_rate (partner_id, minute, count) "
                "VALUES (%s, %s, 1) ON CONFLICT (partner_id, minute) "
                "DO UPDATE SET count = tc_partner_api_rate.count + 1 RETURNING count",
                partner.id,
                minute,
            )
        )
        count = self.env.cr.fetchone()[0]
        if count == 1:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM tc_partner_api_rate WHERE partner_id = %s "
                    "AND minute < %s",
                    partner.id,
                    minute,
                )
            )
        return count
