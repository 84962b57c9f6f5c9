# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The approval steps of maker-checker requests (OCA base_tier_validation): one
person decides one step at a time, never as the maker and never two steps of the
same request, always with a comment; "awaiting my approval" as one query; approval
activities derived from the reviews; OCA's own buttons and context switches closed.
Shared by adjustment and subscription requests (tc.maker.checker.mixin)."""

from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .tc_trust import is_trusted, trusted


class TcMakerCheckerMixin(models.AbstractModel):
    _inherit = "tc.maker.checker.mixin"

    # each model: its approval activity type, and what the activity says
    _tc_approval_activity = None

    def _tc_approval_summary(self):
        return self.env._("Approve %(name)s", name=self.name)

    def _tc_on_approved(self):
        """Hook: the last step approved (the request is ``approved``)."""
        return True

    def _tc_write_state(self, vals):
        # OCA's need_validation has no dependencies: a value cached before the
        # reviews existed would make it request them again on this write
        self.invalidate_recordset(["need_validation", "review_ids"])
        # our state machine decides; OCA's under-validation check would refuse
        # "rejected", which is not one of its target states
        return super(
            TcMakerCheckerMixin, self.with_context(skip_validation_check=True)
        )._tc_write_state(vals)

    @api.model
    def _search_can_review(self, operator, value):
        """ "Awaiting my approval" as one SQL query. OCA searches every record with
        a review of the user and filters in Python (slow at volume: server-ux
        #496). Here only the actionable step is "pending" (approve_sequence), so
        a pending review naming the user is exactly what they can decide, unless
        they made the request or already decided a step of it."""
        if (operator, bool(value)) not in (("=", True), ("!=", False)):
            return super()._search_can_review(operator, value)
        return [
            ("state", "=", "to_approve"),
            ("maker_id", "!=", self.env.uid),
            (
                "review_ids",
                "any",
                [
                    ("model", "=", self._name),
                    ("status", "=", "pending"),
                    ("reviewer_ids", "in", [self.env.uid]),
                ],
            ),
            (
                "review_ids",
                "not any",
                [("model", "=", self._name), ("done_by", "=", self.env.uid)],
            ),
        ]

    def _compute_has_comment(self):
        # every approval and rejection needs a comment, whatever a tier says:
        # the Approve/Reject buttons always open OCA's comment wizard
        for rec in self:
            rec.has_comment = True

    def _add_tier_validation_buttons(self, node, params):
        # OCA's Request / Restart Validation buttons: here Submit and Back to draft
        # do that (and both OCA methods are refused over RPC)
        return etree.fromstring(
            '<div><field name="validation_status" invisible="1"/></div>'
        )

    def request_validation(self):
        """Reviews are requested by Submit only, on the submitted amount."""
        if not is_trusted():
            raise AccessError(
                self.env._("Submit the request to ask for its approvals.")
            )
        return super().request_validation()

    def restart_validation(self):
        """Approvals restart by Back to draft and a new submission only."""
        if not is_trusted():
            raise AccessError(
                self.env._("Use Back to draft to restart the approvals of a request.")
            )
        return super().restart_validation()

    def _tc_review_to_decide(self, tiers=None):
        """The one approval step the current user may decide now on this request.

        OCA lets a reviewer approve every consecutive step naming them in one go,
        acts on the steps the comment wizard sends (a client value) and does not
        exclude the maker. Here a person decides one step of this request at a
        time, never as its maker, and never a second step of the same request."""
        self.ensure_one()
        user = self.env.user
        if tiers and tiers - self.review_ids:
            raise AccessError(
                self.env._(
                    "These approval steps are not steps of %(name)s.", name=self.name
                )
            )
        if self.state != "to_approve":
            raise UserError(
                self.env._("%(name)s is not awaiting approval.", name=self.name)
            )
        if user == self.maker_id:
            raise UserError(
                self.env._(
                    "You requested %(name)s yourself: another person must decide it.",
                    name=self.name,
                )
            )
        decided = self.review_ids.filtered(lambda r: r.done_by == user)
        if decided:
            raise UserError(
                self.env._(
                    "You already decided %(step)s of %(name)s: another person must "
                    "decide its next step.",
                    step=decided[0].name or decided[0].sequence,
                    name=self.name,
                )
            )
        sequences = self._get_sequences_to_approve(user)
        review = self.review_ids.filtered(
            lambda r: (
                r.status in ("waiting", "pending")
                and r.sequence in sequences
                and user in r.reviewer_ids
            )
        ).sorted("sequence")[:1]
        if not review or (tiers and review not in tiers):
            raise UserError(
                self.env._(
                    "You have no approval step to decide on %(name)s.", name=self.name
                )
            )
        return review

    def _tc_check_comment(self, review, verb):
        if not (review.comment or "").strip():
            raise UserError(
                self.env._(
                    "A comment is required to %(verb)s %(name)s.",
                    verb=verb,
                    name=self.name,
                )
            )

    def validate_tier(self):
        """Approve button: OCA's comment wizard for the one step the user may decide."""
        review = self._tc_review_to_decide()
        action = self._add_comment("validate", review)
        action["context"]["default_comment"] = (
            review.definition_id.comment_approve_default or ""
        )
        return action

    def reject_tier(self):
        """Reject button: OCA's comment wizard for the one step the user may decide."""
        return self._add_comment("reject", self._tc_review_to_decide())

    def _tc_post_decision(self, review, verb):
        """Every step in the chatter, with its comment (OCA only tells the next
        reviewers, and nothing when the last step decides)."""
        # as the system: a decider need not be able to edit the request
        self.sudo().message_post(
            body=self.env._(
                "%(step)s %(verb)s by %(user)s: %(comment)s",
                step=review.name or self.env._("Approval step %s", review.sequence),
                verb=verb,
                user=self.env.user.name,
                comment=review.comment,
            ),
            subtype_xmlid="mail.mt_note",
        )

    def _validate_tier(self, tiers=False):
        review = self._tc_review_to_decide(tiers)
        self._tc_check_comment(review, self.env._("approve"))
        with trusted():
            result = super()._validate_tier(review)
        self._tc_post_decision(review, self.env._("approved"))
        with trusted():
            self.review_ids._compute_can_review()
        if self.validation_status == "validated" and self.state == "to_approve":
            self._set_state("approved", approved_at=fields.Datetime.now())
            self._tc_on_approved()
        self._tc_sync_approval_activities()
        return result

    def _rejected_tier(self, tiers=False):
        review = self._tc_review_to_decide(tiers)
        self._tc_check_comment(review, self.env._("reject"))
        with trusted():
            result = super()._rejected_tier(review)
        self._tc_post_decision(review, self.env._("rejected"))
        if self.state == "to_approve":
            self._set_state("rejected")
        self._tc_sync_approval_activities()
        return result

    def _update_counter(self, review_counter):
        # OCA moves the next step to "pending" here (a write on tier.review)
        with trusted():
            return super()._update_counter(review_counter)

    def _tc_sync_approval_activities(self):
        """Each reviewer of a pending step has an approval activity, nobody else.
        OCA only posts messages, and in 18.0 a later tier is not always told
        (server-ux #1329): we derive the activities from the reviews each time."""
        act_type = self.env.ref(self._tc_approval_activity)
        Activity = self.env["mail.activity"].sudo()
        for rec in self:
            pending = (
                rec.review_ids.filtered(lambda r: r.status == "pending")
                if rec.state == "to_approve"
                else rec.review_ids.browse()
            )
            if pending:
                first = min(pending.mapped("sequence"))
                pending = pending.filtered(
                    lambda r, s=first: not r.approve_sequence or r.sequence == s
                )
            # neither the maker nor someone who decided a step of it decides again
            wanted = pending.reviewer_ids - rec.maker_id - rec.review_ids.done_by
            # as the system: a decider may no longer read every activity of it
            existing = rec.sudo().activity_ids.filtered(
                lambda a: a.activity_type_id == act_type
            )
            stale = existing.filtered(lambda a, w=wanted: a.user_id not in w)
            missing = wanted - (existing - stale).user_id
            # the decider's own activity is marked done (it stays in the history);
            # the other reviewers of a step already decided lose theirs
            mine = stale.filtered(lambda a: a.user_id == self.env.user)
            if mine:
                mine.sudo().action_feedback(feedback=self.env._("Decided"))
            (stale - mine).sudo().unlink()
            if missing:
                Activity.create(
                    [
                        {
                            "res_model_id": self.env["ir.model"]._get_id(rec._name),
                            "res_id": rec.id,
                            "activity_type_id": act_type.id,
                            "user_id": user.id,
                            "summary": rec._tc_approval_summary(),
                            "date_deadline": fields.Date.context_today(rec),
                        }
                        for user in missing
                    ]
                )
