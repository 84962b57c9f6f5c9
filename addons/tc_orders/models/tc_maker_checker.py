# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Maker-checker requests (OCA base_tier_validation): the maker, the case, the
maker's buttons (Submit, Cancel, Back to draft) and what a client may set on such a
request. Adjustment requests and subscription requests inherit this; the approval
steps themselves are in tc_maker_checker_tiers.py."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .tc_client_values import check_client_values
from .tc_trust import is_trusted, trusted

# relations of a request that only our workflow (or mail's own methods) change:
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


class TcMakerCheckerMixin(models.AbstractModel):
    """A request made by one person (the maker) and approved by others, step by
    step, never by the maker. The model declares its ``state`` (with ``draft``,
    ``to_approve``, ``approved``, ``rejected`` and ``cancel``), its transitions
    (tc.state.machine.mixin), the fields frozen once submitted
    (``_tc_frozen_fields``) and its approval activity type."""

    _name = "tc.maker.checker.mixin"
    _description = "Maker-checker request"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "tier.validation",
        "tc.state.machine.mixin",
    ]
    # tier.review reads this to guard the approvals of these models (tier_review.py)
    _tc_maker_checker = True
    _tc_system_relations = SYSTEM_RELATIONS
    _tc_frozen_fields = frozenset()
    _state_field = "state"
    _state_from = ["to_approve"]
    _state_to = ["approved"]
    _cancel_state = "cancel"
    _tier_validation_manual_config = False
    _tier_validation_buttons_xpath = "/form/header/field[@name='state']"

    maker_id = fields.Many2one(
        "res.users",
        "Requested by",
        default=lambda self: self.env.user,
        readonly=True,
        required=True,
        copy=False,
        index=True,
    )
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", index="btree_not_null", tracking=True
    )
    ticket_display = fields.Char(
        "Case ", compute="_compute_ticket_display", compute_sudo=True
    )
    submitted_at = fields.Datetime(readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False, index=True)

    @api.depends("ticket_id")
    def _compute_ticket_display(self):
        # approvers need not read helpdesk tickets: they see the case's name only
        for rec in self:
            rec.ticket_display = rec.ticket_id.display_name or False

    # -- what a client may set ----------------------------------------------------------
    def _tc_requested_text(self):
        """The line the new request puts on its case's timeline."""
        return self.env._(
            "%(what)s %(name)s requested", what=self._description, name=self.name
        )

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
                rec._tc_requested_text(),
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
                    "the state of %(what)s.",
                    what=self._description.lower(),
                )
            )
        if "maker_id" in vals and not self.env.su:
            raise UserError(self.env._("The maker of a request cannot be changed."))
        # what the tiers compare, the approvals, what came back: only our workflow
        # writes them. Odoo stores a client's value for a readonly computed field
        # until its dependencies change.
        check_client_values(self, vals, self._tc_system_relations)
        self._tc_check_case(vals)
        frozen = self._tc_frozen_fields & set(vals)
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
        # requests are the audit trail of their decisions: only the superuser
        # (data fixes) deletes them
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "%(what)s records are never deleted: cancel %(names)s instead.",
                    what=self._description,
                    names=", ".join(self.mapped("name")),
                )
            )

    # -- the maker's buttons ------------------------------------------------------------
    def _tc_check_maker(self, action):
        """Submit, Cancel and Back to draft are the maker's own buttons."""
        if self.env.su:
            return
        for rec in self:
            if rec.maker_id != self.env.user:
                raise AccessError(
                    self.env._(
                        "Only %(maker)s can %(action)s %(name)s.",
                        maker=rec.maker_id.name,
                        action=action,
                        name=rec.name,
                    )
                )

    def _tc_before_submit(self):
        """Hook: what the model computes on submission (before the approvals)."""
        return True

    def _tc_no_tier_message(self):
        return self.env._(
            "No approval rule applies to %(name)s: ask a manager to configure the "
            "approval tiers.",
            name=self.name,
        )

    def action_submit(self):
        self._tc_check_maker(self.env._("submit"))
        self._set_state("to_approve", submitted_at=fields.Datetime.now())
        self._tc_before_submit()
        with trusted():
            # approvals of an earlier submission never carry over to this one
            self.review_ids.unlink()
            self.invalidate_recordset(["need_validation", "review_ids"])
            self.request_validation()
            # OCA moves the first step to "pending" only when the *submitter* can
            # review (it cannot here): do it for everyone, so approvers can act
            self.review_ids._compute_can_review()
        for rec in self:
            if not rec.review_ids:
                raise UserError(rec._tc_no_tier_message())
        self._tc_sync_approval_activities()
        return True

    def action_cancel(self):
        self._tc_check_maker(self.env._("cancel"))
        self._set_state("cancel")
        self._tc_sync_approval_activities()
        return True

    def action_reset_to_draft(self):
        self._tc_check_maker(self.env._("reset"))
        with trusted():
            # OCA's restart_validation only acts on requests awaiting approval (and
            # keeps the reviews of rejected ones): drop every step, the next
            # submission asks for all of them again
            self.review_ids.unlink()
            self._set_state("draft")
        self._tc_sync_approval_activities()
        return True
