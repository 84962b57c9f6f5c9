# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""OCA's approve/reject comment wizard, for the approval steps of our models."""

from odoo import models
from odoo.exceptions import UserError

from ..models.tc_trust import trusted


class CommentWizard(models.TransientModel):
    _inherit = "comment.wizard"

    def add_comment(self):
        """OCA writes the comment on, and decides, the steps the wizard names: values
        a client sends. For our models the wizard decides only the one step the user
        may decide on that request (the request checks who may), then runs OCA's
        flow under the server-side trusted flag that tier.review requires."""
        self.ensure_one()
        if not self.env["tier.review"]._tc_guarded(self.res_model):
            return super().add_comment()
        if self.validate_reject not in ("validate", "reject"):
            raise UserError(self.env._("Approve or reject: nothing else to do here."))
        if not (self.comment or "").strip():
            raise UserError(self.env._("A comment is required."))
        request = self.env[self.res_model].browse(self.res_id)
        review = request._tc_review_to_decide(self.review_ids)
        self.review_ids = review
        with trusted():
            return super().add_comment()
