# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .tc_client_values import check_client_values, sanitize_defaults
from .tc_trust import is_trusted, trusted

STATES = [
    ("draft", "Draft"),
    ("to_approve", "Awaiting approval"),
    ("approved", "Approved, awaiting posting"),
    ("posted", "Posted"),
    ("rejected", "Rejected"),
    ("cancel", "Cancelled"),
]
# state -> states it may move to, and through which method
TRANSITIONS = {
    "draft": {"to_approve", "cancel"},
    "to_approve": {"approved", "rejected", "draft", "cancel"},
    "approved": {"posted"},
    "rejected": {"draft"},
    "posted": set(),
    "cancel": {"draft"},
}


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
    """A refund, credit, fee waiver or exception *requested* here and approved by a
    second person (maker-checker, OCA base_tier_validation). It is never a ledger
    entry: after approval it waits for the billing system, which posts it and says
    so with a RefundPosted event."""

    _name = "tc.adjustment.request"
    _description = "Adjustment request"
    _inherit = ["mail.thread", "mail.activity.mixin", "tier.validation"]
    _order = "id desc"
    _state_field = "state"
    _state_from = ["to_approve"]
    _state_to = ["approved"]
    _cancel_state = "cancel"
    _tier_validation_manual_config = False
    _tier_validation_buttons_xpath = "/form/header/field[@name='state']"

    name = fields.Char(
        "Reference", readonly=True, copy=False, default="/", index="trigram"
    )
    kind = fields.Selection(
        [
            ("refund", "Refund"),
            ("credit", "Credit"),
            ("fee_waiver", "Fee waiver"),
            ("exception", "Exception"),
        ],
        required=True,
        default="refund",
        tracking=True,
    )
    state = fields.Selection(
        STATES,
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
    )
    amount = fields.Monetary(required=True, tracking=True)
    amount_company = fields.Monetary(
        "Amount in company currency",
        currency_field="company_currency_id",
        compute="_compute_amount_company",
        store=True,
        readonly=True,
        help="What the approval thresholds compare. Computed from the amount and its "
        "currency, never written by anyone (see write).",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    reason = fields.Text(required=True, tracking=True)
    partner_id = fields.Many2one("res.partner", "Customer", tracking=True, index=True)
    ticket_id = fields.Many2one(
        "helpdesk.ticket", "Case", index="btree_not_null", tracking=True
    )
    ticket_display = fields.Char(
        "Case ", compute="_compute_ticket_display", compute_sudo=True
    )
    invoice_ref = fields.Char("Invoice ref", index="btree_not_null", tracking=True)
    payment_ref = fields.Char("Payment ref", index="btree_not_null", tracking=True)
    subscription_ref = fields.Char(
        "Subscription ref", index="btree_not_null", tracking=True
    )
    posting_ref = fields.Char(
        "Posting ref",
        readonly=True,
        copy=False,
        help="Id of the credit note / refund in the billing system.",
    )
    any_ref = fields.Char(
        "Any reference", compute="_compute_any_ref", search="_search_any_ref"
    )
    maker_id = fields.Many2one(
        "res.users",
        "Requested by",
        default=lambda self: self.env.user,
        readonly=True,
        required=True,
        copy=False,
        index=True,
    )
    submitted_at = fields.Datetime(readonly=True, copy=False)
    approved_at = fields.Datetime(readonly=True, copy=False, index=True)
    posted_at = fields.Datetime(readonly=True, copy=False)
    awaiting_hours = fields.Float(
        "Waiting for posting (h)", compute="_compute_awaiting_hours"
    )

    @api.constrains("amount")
    def _check_amount(self):
        for rec in self:
            if rec.amount <= 0:
                raise ValidationError(
                    self.env._(
                        "The amount of %(name)s must be positive.", name=rec.name
                    )
                )

    @api.depends("ticket_id")
    def _compute_ticket_display(self):
        # approvers need not read helpdesk tickets: they see the case's name only
        for rec in self:
            rec.ticket_display = rec.ticket_id.display_name or False

    @api.depends("amount", "currency_id", "company_id")
    def _compute_amount_company(self):
        for rec in self:
            company_currency = rec.company_id.currency_id
            if not rec.currency_id or rec.currency_id == company_currency:
                rec.amount_company = rec.amount
            else:
                rec.amount_company = rec.currency_id._convert(
                    rec.amount,
                    company_currency,
                    rec.company_id,
                    fields.Date.context_today(rec),
                )

    @api.depends("invoice_ref", "payment_ref", "subscription_ref", "posting_ref")
    def _compute_any_ref(self):
        for rec in self:
            rec.any_ref = " ".join(
                filter(
                    None,
                    (
                        rec.invoice_ref,
                        rec.payment_ref,
                        rec.subscription_ref,
                        rec.posting_ref,
                    ),
                )
            )

    def _search_any_ref(self, operator, value):
        if operator not in ("=", "ilike", "like", "=ilike"):
            raise UserError(
                self.env._("Unsupported search on references: %s", operator)
            )
        return [
            "|",
            "|",
            "|",
            "|",
            ("name", operator, value),
            ("invoice_ref", operator, value),
            ("payment_ref", operator, value),
            ("subscription_ref", operator, value),
            ("posting_ref", operator, value),
        ]

    @api.depends("approved_at", "state")
    def _compute_awaiting_hours(self):
        now = fields.Datetime.now()
        for rec in self:
            rec.awaiting_hours = (
                (now - rec.approved_at).total_seconds() / 3600
                if rec.state == "approved" and rec.approved_at
                else 0.0
            )

    @api.onchange("ticket_id")
    def _onchange_ticket_id(self):
        ticket = self.ticket_id
        if ticket:
            self.partner_id = ticket.commercial_partner_id or ticket.partner_id
            self.invoice_ref = self.invoice_ref or ticket.tc_invoice_ref
            self.payment_ref = self.payment_ref or ticket.tc_payment_ref
            self.subscription_ref = self.subscription_ref or ticket.tc_subscription_ref

    @api.constrains("currency_id", "company_id")
    def _check_currency(self):
        """The tiers compare the amount converted to the company currency: a currency
        without a rate would convert at 1 and could skip tiers."""
        Rate = self.env["res.currency.rate"].sudo()
        for rec in self:
            currency = rec.currency_id
            if currency == rec.company_id.currency_id:
                continue
            if not currency.active or not Rate.search_count(
                [
                    ("currency_id", "=", currency.id),
                    ("company_id", "in", [False, rec.company_id.root_id.id]),
                ],
                limit=1,
            ):
                raise ValidationError(
                    self.env._(
                        "%(name)s: %(cur)s has no exchange rate, so the approval tiers "
                        "cannot be chosen. Use %(company_cur)s or ask for the rate.",
                        name=rec.name,
                        cur=currency.name,
                        company_cur=rec.company_id.currency_id.name,
                    )
                )

    @api.model
    def default_get(self, fields_list):
        # the client's default_<field> context keys and personal defaults must not
        # set a state, a maker or any other field TC Ops sets itself
        return sanitize_defaults(
            self, super().default_get(fields_list), SYSTEM_RELATIONS
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("state", "draft") != "draft" and not is_trusted():
                raise UserError(self.env._("A new adjustment request starts as draft."))
            # data files (loaded as superuser) may name the maker; nobody else sets it
            if not self.env.su:
                vals.pop("maker_id", None)
                if vals.get("name") == "/":
                    del vals["name"]
                vals.pop("state", None)
            check_client_values(self, vals, SYSTEM_RELATIONS)
            self._tc_check_case(vals)
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "tc.adjustment.request"
                )
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
        check_client_values(self, vals, SYSTEM_RELATIONS)
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

    # -- state machine --------------------------------------------------------------
    def _set_state(self, new_state, **extra):
        for rec in self:
            if new_state not in TRANSITIONS[rec.state]:
                states = dict(STATES)
                raise UserError(
                    self.env._(
                        "%(name)s is %(state)s: it cannot become %(new)s.",
                        name=rec.name,
                        state=states[rec.state],
                        new=states[new_state],
                    )
                )
        # OCA's need_validation has no dependencies: a value cached before the
        # reviews existed would make it request them again on this write
        self.invalidate_recordset(["need_validation", "review_ids"])
        with trusted():
            # our state machine decides; OCA's under-validation check would refuse
            # "rejected", which is not one of its target states
            self.with_context(skip_validation_check=True).write(
                dict(extra, state=new_state)
            )

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

    def action_submit(self):
        self._tc_check_maker(self.env._("submit"))
        self._set_state("to_approve", submitted_at=fields.Datetime.now())
        # the tiers compare amount_company: convert at the rate of the day it is
        # submitted, not of the day the draft was written
        self.env.add_to_compute(self._fields["amount_company"], self)
        self._recompute_recordset(["amount_company"])
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
                raise UserError(
                    self.env._(
                        "No approval rule applies to %(name)s (%(amount)s %(cur)s): "
                        "ask a manager to configure the approval tiers.",
                        name=rec.name,
                        amount=rec.amount,
                        cur=rec.currency_id.name,
                    )
                )
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

    def _tc_mark_posted(self, posting_ref=None, posted_at=None):
        """The billing system reports the adjustment posted: tc_integrations'
        RefundPosted handler calls this as the superuser. It is the only way to the
        posted state. Idempotent for a request already posted with that ref."""
        if not self.env.su:
            raise AccessError(
                self.env._("Only the billing system marks an adjustment as posted.")
            )
        for rec in self:
            if rec.state == "posted" and (
                not posting_ref or rec.posting_ref == posting_ref
            ):
                continue
            rec._set_state(
                "posted",
                posting_ref=posting_ref or rec.posting_ref,
                posted_at=posted_at or fields.Datetime.now(),
            )
            rec.message_post(
                body=self.env._(
                    "Posted by the billing system (ref %(ref)s).",
                    ref=posting_ref or "-",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # -- maker-checker on top of base_tier_validation ------------------------------
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
            self.sudo().message_post(
                body=self.env._("Approved: waiting for the billing system to post it."),
                subtype_xmlid="mail.mt_note",
            )
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
        act_type = self.env.ref("tc_orders.mail_act_adjustment_approval")
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
                            "summary": self.env._(
                                "Approve %(kind)s %(name)s: %(amount)s %(cur)s",
                                kind=dict(rec._fields["kind"].selection)[rec.kind],
                                name=rec.name,
                                amount=rec.amount,
                                cur=rec.currency_id.name,
                            ),
                            "date_deadline": fields.Date.context_today(rec),
                        }
                        for user in missing
                    ]
                )

    # -- demo data support ---------------------------------------------------------
    @api.model
    def _tc_demo_walk(self, xmlid, steps):
        """Demo only: play ``steps`` [(user xmlid, action, comment)] on a request,
        each as that user, the way they would click it."""
        request = self.env.ref(xmlid)
        for user_xmlid, action, comment in steps:
            rec = request.with_user(self.env.ref(user_xmlid))
            if action == "submit":
                rec.action_submit()
            elif action == "cancel":
                rec.action_cancel()
            elif action == "post":
                request._tc_mark_posted(posting_ref=comment)
            else:
                act = rec.validate_tier() if action == "approve" else rec.reject_tier()
                self.env[act["res_model"]].with_user(rec.env.user).with_context(
                    **act["context"]
                ).create({"comment": comment}).add_comment()
