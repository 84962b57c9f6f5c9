# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Per-partner request counts of the partner API for JWT callers (API keys count
on their own row): one row per partner and one-minute window, in PostgreSQL so
the limit holds across workers and nodes; ``count_apart``, how every rate count
of the partner API is taken (its own short transaction)."""

from psycopg2.extensions import ISOLATION_LEVEL_READ_COMMITTED

from odoo import api, fields, models
from odoo.sql_db import Cursor
from odoo.tools import SQL


def count_apart(env, query):
    """Run one counting statement (``... RETURNING count``) in its own short
    transaction, committed at once, and return the count (``None`` when the
    statement found no row: a key deleted meanwhile).

    A count taken in the request's transaction kept its row locked until the
    request committed: one key's calls ran one at a time on every node, and
    PostgreSQL refused the concurrent ones (repeatable read) for Odoo to retry
    (bench/RESULTS.md, "Capacity": one key 0.29x on two nodes, p99 2.9 s). Here
    the lock lasts for the statement, READ COMMITTED makes concurrent counts wait
    for each other instead of failing, and a request counts even if it fails
    later (or is retried by Odoo: each try counts, the partner's load is what a
    rate limit is for). Under the test suite's shared cursor the statement runs
    in the test's transaction."""
    with env.registry.cursor() as cr:
        if type(cr) is Cursor:  # noqa: E721 (not the tests' TestCursor)
            cr.connection.set_isolation_level(ISOLATION_LEVEL_READ_COMMITTED)
        cr.execute(query)
        row = cr.fetchone()
        return row[0] if row else None


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
        (two workers racing both count) in its own transaction (``count_apart``).
        Returns the count including this one. The first request of a minute
        drops the partner's older rows (in the request's transaction)."""
        count = count_apart(
            self.env,
            SQL(
                "INSERT INTO tc_partner_api_rate (partner_id, minute, count) "
                "VALUES (%s, %s, 1) ON CONFLICT (partner_id, minute) "
                "DO UPDATE SET count = tc_partner_api_rate.count + 1 RETURNING count",
                partner.id,
                minute,
            ),
        )
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
