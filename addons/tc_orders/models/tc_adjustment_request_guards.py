# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Adjustment requests: what a client may set. Defaults, create and write refuse
the fields TC Ops sets itself (state, maker, amounts the tiers compare, approvals,
posting), freeze what was requested once it left draft, check the case a request
names, and keep requests from being deleted (they are the audit trail)."""

from odoo import api, models
from odoo.exceptions import AccessError, UserError

from .tc_client_values import check_client_values
from .tc_trust import is_trusted

# relations of the request that only our workflow (or mail's own methods) change:
# their write commands would create, rewrite or drop approvals, messages and followers
SYSTEM_RELATIONS = (
    "review_ids",
    "message_ids",
    "website_message_ids",
    "message_follower_ids",
    "message_partner_ids",
    "activity_ids",
    "rating_ids",
)
FROZEN_FIELDS = {
    "kind",
    "amount",
    "currency_id",
    "partner_id",
    "ticket_id",
    "invoice_ref",
    "payment_ref",
    "subscription_ref",
    "reason",
    "company_id",
}


class TcAdjustmentRequest(models.Model):
    _inherit = "tc.adjustment.request"
    _tc_system_relations = SYSTEM_RELATIONS

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # data files (loaded as superuser) may name the maker; nobody else sets it
            if not self.env.su:
                vals.pop("maker_id", None)
            self._tc_new_record_vals(vals)
            self._tc_check_case(vals)
            # the maker is whoever creates it, never a value sent by a client
            if not (self.env.su and vals.get("maker_id")):
                vals["maker_id"] = self.env.uid
        records = super().create(vals_list)
        for rec in records.filtered("ticket_id"):
            rec.ticket_id._tc_timeline(
                "note",
                self.env._(
                    "%(kind)s %(name)s requested: %(amount)s %(cur)s",
                    kind=dict(rec._fields["kind"].selection)[rec.kind],
                    name=rec.name,
                    amount=rec.amount,
                    cur=rec.currency_id.name,
                ),
                res_model=rec._name,
                res_id=rec.id,
            )
        return records

    def write(self, vals):
        if self.env.context.get("skip_validation_check") and not is_trusted():
            # OCA's escape hatch is a context key, which any RPC client can send
            self = self.with_context(skip_validation_check=False)  # noqa: PLW0642
        if "state" in vals and not (is_trusted() or self.env.su):
            raise UserError(
                self.env._(
                    "Use the Submit, Approve, Reject, Cancel or Reset buttons to change "
                    "the state of an adjustment request."
                )
            )
        if "maker_id" in vals and not self.env.su:
            raise UserError(self.env._("The maker of a request cannot be changed."))
        # amount_company (what the tiers compare), the approvals, the posting: only
        # our workflow writes them. Odoo stores a client's value for a readonly
        # computed field until its dependencies change.
        check_client_values(self, vals, self._tc_system_relations)
        self._tc_check_case(vals)
        frozen = FROZEN_FIELDS & set(vals)
        if frozen and not (is_trusted() or self.env.su):
            locked = self.filtered(lambda r: r.state != "draft")
            if locked:
                raise UserError(
                    self.env._(
                        "%(names)s: %(fields)s can only change while the request is a "
                        "draft (reset it to draft first).",
                        names=", ".join(locked.mapped("name")),
                        fields=", ".join(sorted(frozen)),
                    )
                )
        return super().write(vals)

    def _tc_check_case(self, vals):
        """The request notes itself on its case's timeline: only on a case the
        user may read (an id is a client value)."""
        if vals.get("ticket_id") and not self.env.su:
            self.env["helpdesk.ticket"].browse(vals["ticket_id"]).check_access("read")

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        # requests are the audit trail of refunds and credits: only the superuser
        # (data fixes) deletes them
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Adjustment requests are never deleted: cancel %(names)s instead.",
                    names=", ".join(self.mapped("name")),
                )
            )
