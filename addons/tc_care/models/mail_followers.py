# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.tools import SQL, split_every

from ..tools.bulk import insert_rows


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    def _insert_followers(
        self,
        res_model,
        res_ids,
        partner_ids,
        subtypes=None,
        customer_ids=None,
        check_existing=True,
        existing_policy="skip",
    ):
        # Override reason (performance): the escalation cron reassigns up to a
        # thousand tickets a run, and mail subscribes the new assignee to each
        # with one ORM create per follower. Under the cron's tc_bulk_followers context
        # the same followers (mail decides who, with which subtypes) are written
        # in one INSERT (tools/bulk.py); everything else goes through mail.
        if not self.env.context.get("tc_bulk_followers"):
            return super()._insert_followers(
                res_model,
                res_ids,
                partner_ids,
                subtypes=subtypes,
                customer_ids=customer_ids,
                check_existing=check_existing,
                existing_policy=existing_policy,
            )
        sudo_self = self.sudo().with_context(default_partner_id=False)
        if not subtypes:
            new, update = self._add_default_followers(
                res_model,
                res_ids,
                partner_ids,
                customer_ids=customer_ids,
                check_existing=check_existing,
                existing_policy=existing_policy,
            )
        else:
            new, update = self._add_followers(
                res_model,
                res_ids,
                partner_ids,
                subtypes,
                check_existing=check_existing,
                existing_policy=existing_policy,
            )
        rows, subtype_ids = [], []
        for res_id, values_list in new.items():
            for values in values_list:
                ((_set, _zero, ids),) = values["subtype_ids"]  # Command.set(ids)
                rows.append(
                    {
                        "res_model": values["res_model"],
                        "res_id": res_id,
                        "partner_id": values["partner_id"],
                    }
                )
                subtype_ids.append(ids)
        followers = insert_rows(sudo_self, rows)
        field = self._fields["subtype_ids"]
        pairs = [
            (follower_id, subtype_id)
            for follower_id, ids in zip(followers.ids, subtype_ids, strict=True)
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
        for follower_id, values in update.items():
            sudo_self.browse(follower_id).write(values)
