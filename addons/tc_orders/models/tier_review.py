# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Approval steps (OCA tier.review) of our maker-checker models (those inheriting
tc.maker.checker.mixin): written only by our workflow, never reviewed by the maker."""

from odoo import api, models
from odoo.exceptions import AccessError

from .tc_trust import is_trusted


class TierReview(models.Model):
    _inherit = "tier.review"

    @api.model
    def _tc_guarded(self, model_name):
        """Whether the reviews of ``model_name`` are ours (only our workflow
        methods change them)."""
        model = self.env.get(model_name) if model_name else None
        return model is not None and getattr(model, "_tc_maker_checker", False)

    def _get_reviewers(self):
        """The maker never reviews their own request: OCA's reviewers of a tier do
        not exclude the requester (a supervisor's own refund would list them)."""
        reviewers = super()._get_reviewers()
        if self._tc_guarded(self.model) and self.res_id:
            record = self.env[self.model].browse(self.res_id).sudo()
            reviewers -= record.maker_id
        return reviewers

    def _tc_guard(self, what):
        """OCA grants every internal user full access to tier.review, and its flow
        writes as the deciding user. For our models every field (reviewers, status,
        who decided, comment, step) is set by base_tier_validation's own methods,
        reached from Submit / Approve / Reject / Back to draft under tc_trust's
        server-side flag; stored computes (reviewers from the tier definition) run
        as superuser. A person's own write, create or unlink is refused."""
        if self.env.su or is_trusted():
            return
        if any(self._tc_guarded(model) for model in self.mapped("model")):
            raise AccessError(
                self.env._(
                    "Approvals of requests can only be %(what)s through "
                    "the Approve / Reject buttons, with a comment.",
                    what=what,
                )
            )

    def _tc_refuse_new(self):
        if not (self.env.su or is_trusted()):
            raise AccessError(
                self.env._(
                    "Approvals of requests are created by submitting the request."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if any(self._tc_guarded(vals.get("model")) for vals in vals_list):
            self._tc_refuse_new()
        return super().create(vals_list)

    def write(self, vals):
        self._tc_guard(self.env._("changed"))
        if self._tc_guarded(vals.get("model")):
            self._tc_refuse_new()  # moving another model's review onto ours
        return super().write(vals)

    def unlink(self):
        self._tc_guard(self.env._("removed"))
        return super().unlink()
