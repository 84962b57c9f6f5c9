# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Subscription requests: suspending or resuming a customer's service, asked on a
case (fraud review, chargeback, customer request) by one person and approved by
another (tc.maker.checker.mixin: the maker never approves; the supervisor step is
always required). TC Ops never stores the subscription's state: after approval the
request waits for the subscription service, and shows its answer and the event
that confirms it (tc_integrations sends the command and reads the events)."""

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

STATES = [
    ("draft", "Draft"),
    ("to_approve", "Awaiting approval"),
    ("approved", "Approved, sent to the subscription service"),
    ("confirmed", "Confirmed by the subscription service"),
    ("rejected", "Rejected"),
    ("cancel", "Cancelled"),
]
ACTIONS = [("suspend", "Suspend"), ("resume", "Resume")]
REASONS = [
    ("fraud_review", "Fraud review"),
    ("chargeback", "Chargeback"),
    ("customer_request", "Customer request"),
    ("other", "Other"),
]
FROZEN_FIELDS = frozenset(
    {"action", "subscription_ref", "reason", "note", "partner_id", "ticket_id"}
)
# the approval step no subscription request goes without (see action_submit)
REQUIRED_GROUP = "tc_care.group_supervisor"


class TcSubscriptionRequest(models.Model):
    _name = "tc.subscription.request"
    _description = "Subscription request"
    _inherit = ["tc.maker.checker.mixin"]
    _order = "id desc"
    _tc_approval_activity = "tc_orders.mail_act_subscription_approval"
    _tc_frozen_fields = FROZEN_FIELDS

    _tc_initial_state = "draft"
    _tc_sequence = "tc.subscription.request"
    _tc_transitions = {
        "draft": {"to_approve", "cancel"},
        "to_approve": {"approved", "rejected", "draft", "cancel"},
        "approved": {"confirmed"},
        "rejected": {"draft"},
        "confirmed": set(),
        "cancel": {"draft"},
    }

    name = fields.Char(
        "Reference", readonly=True, copy=False, default="/", index="trigram"
    )
    action = fields.Selection(ACTIONS, required=True, default="suspend", tracking=True)
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
    subscription_ref = fields.Char(
        "Subscription ref", required=True, index=True, tracking=True
    )
    reason = fields.Selection(REASONS, required=True, tracking=True)
    note = fields.Text("Explanation", tracking=True)
    partner_id = fields.Many2one("res.partner", "Customer", tracking=True, index=True)
    # a request is made from a case (the evidence its approver reads)
    ticket_id = fields.Many2one(required=True)
    answer = fields.Char(
        "Subscription service's answer",
        readonly=True,
        copy=False,
        help="What the subscription service answered to the command (not the "
        "subscription's state: that is confirmed by its event).",
    )
    confirmed_by_event = fields.Char(
        "Confirmed by event", readonly=True, copy=False, index="btree_not_null"
    )
    confirmed_at = fields.Datetime(readonly=True, copy=False)

    @api.onchange("ticket_id")
    def _onchange_ticket_id(self):
        ticket = self.ticket_id
        if ticket:
            self.partner_id = ticket.commercial_partner_id or ticket.partner_id
            self.subscription_ref = self.subscription_ref or ticket.tc_subscription_ref

    def _tc_label(self):
        return self.env._(
            "%(action)s subscription %(ref)s",
            action=dict(ACTIONS)[self.action],
            ref=self.subscription_ref,
        )

    def _tc_requested_text(self):
        return self.env._(
            "%(what)s requested (%(name)s): %(reason)s",
            what=self._tc_label(),
            name=self.name,
            reason=dict(REASONS)[self.reason],
        )

    def _tc_approval_summary(self):
        return self.env._(
            "Approve %(name)s: %(what)s", name=self.name, what=self._tc_label()
        )

    def _tc_check_case_subscription(self):
        """The subscription a request suspends is its case's own, whenever the case
        names one: an approver decides on the case's evidence, not on a reference
        typed beside it."""
        for rec in self:
            case_ref = rec.ticket_id.sudo().tc_subscription_ref
            if case_ref and case_ref != rec.subscription_ref:
                raise UserError(
                    self.env._(
                        "Case %(case)s is about subscription %(ref)s: a request made "
                        "from it is for that subscription, not %(other)s.",
                        case=rec.ticket_id.sudo().display_name,
                        ref=case_ref,
                        other=rec.subscription_ref,
                    )
                )

    def action_submit(self):
        self._tc_check_case_subscription()
        result = super().action_submit()
        # Override (reason): the tiers are data a manager can edit; a subscription
        # request never goes without the supervisor step, whatever they say
        group = self.env.ref(REQUIRED_GROUP)
        for rec in self:
            if group not in rec.review_ids.definition_id.reviewer_group_id:
                raise UserError(
                    self.env._(
                        "%(name)s needs a supervisor approval step, and the approval "
                        "rules give it none: ask a manager to restore the "
                        "'Supervisor approval' rule of subscription requests.",
                        name=rec.name,
                    )
                )
        return result

    def _tc_on_approved(self):
        self.sudo().message_post(
            body=self.env._(
                "Approved: waiting for the subscription service to carry it out."
            ),
            subtype_xmlid="mail.mt_note",
        )
        return super()._tc_on_approved()

    # -- what the subscription service says (tc_integrations, as the system) ---------
    def _tc_record_answer(self, answer):
        """The subscription service's answer to the command, shown as it came."""
        if not self.env.su:
            raise AccessError(
                self.env._(
                    "Only the integration records the subscription service's answer."
                )
            )
        self.write({"answer": (answer or "")[:250]})
        return True

    def _tc_mark_confirmed(self, event_ref, confirmed_at=None):
        """The subscription service's event confirms the request: tc_integrations'
        handler calls this as the superuser; the only way to the confirmed state.
        Idempotent for a request already confirmed."""
        if not self.env.su:
            raise AccessError(
                self.env._("Only the subscription service's event confirms a request.")
            )
        for rec in self.filtered(lambda r: r.state != "confirmed"):
            rec._set_state(
                "confirmed",
                confirmed_by_event=event_ref,
                confirmed_at=confirmed_at or fields.Datetime.now(),
            )
            rec.message_post(
                body=self.env._(
                    "%(what)s confirmed by the subscription service (event %(event)s).",
                    what=rec._tc_label(),
                    event=event_ref,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
