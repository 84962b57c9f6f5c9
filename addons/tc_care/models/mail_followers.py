# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command, api, models
from odoo.tools import SQL, split_every

from ..services import trust
from ..services.bulk import insert_rows

COLUMNS = {"res_model", "res_id", "partner_id"}


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    @api.model_create_multi
    def create(self, vals_list):
        # Override reason (performance): the escalation cron reassigns up to a
        # thousand tickets a run, and mail's auto-subscription creates the new
        # assignee's follower row on each through the ORM. Inside the cron's
        # server-side BULK_FOLLOWERS flag (services/trust.py; never a context key: a
        # follower row is a read permission) the rows mail asks for (it still
        # decides who follows, with which subtypes) are written in one INSERT
        # (services/bulk.py); anything else goes through the ORM and its checks.
        if not trust.allowed(trust.BULK_FOLLOWERS) or any(
            set(vals) - COLUMNS - {"subtype_ids"}
            or any(cmd[0] != Command.SET for cmd in vals.get("subtype_ids") or [])
            for vals in vals_list
        ):
            return super().create(vals_list)
        followers = insert_rows(
            self, [{name: vals.get(name) for name in COLUMNS} for vals in vals_list]
        )
        field = self._fields["subtype_ids"]
        pairs = [
            (follower_id, subtype_id)
            for follower_id, vals in zip(followers.ids, vals_list, strict=True)
            for _set, _zero, ids in vals.get("subtype_ids") or []
            for subtype_id in ids
        ]
        for page in split_every(5000, pairs):
            self.env.cr.execute(
                SQL(
                    "INSERT INTO %s (%s, %s) VALUES %s",
                    SQL.identifier(field.relation),
                    SQL.identifier(field.column1),
                    SQL.identifier(field.column2),
                    SQL(", ").join(page),
                )
            )
        return followers
