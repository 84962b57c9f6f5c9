# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Subscription requests and the subscription service: SuspendSubscription /
ResumeSubscription when the last tier approves (outbox, same transaction as the
approval, one key per request), and the service's answer on the request. The
confirming events (SubscriptionSuspended / SubscriptionResumed) are handled in
tc_event_handler.py; the state is reached only through ``_tc_mark_confirmed``."""

from odoo import models

COMMANDS = {"suspend": "SuspendSubscription", "resume": "ResumeSubscription"}
REQUEST_MODEL = "tc.subscription.request"


class TcSubscriptionRequest(models.Model):
    _inherit = "tc.subscription.request"

    def _tc_idempotency_key(self):
        """One decision, one key: a request is carried out once, however many
        times its approval, the job or a person's retry sends it."""
        return "subscription-request/%s/%s" % (self.name, self.action)

    def _tc_on_approved(self):
        result = super()._tc_on_approved()
        Command = self.env["tc.command"].sudo()
        for request in self:
            approvals = request.review_ids.filtered(
                lambda r: r.status == "approved"
            ).sorted(lambda r: (r.reviewed_date or r.write_date, r.id))
            Command._tc_enqueue(
                COMMANDS[request.action],
                {
                    "request_ref": request.name,
                    "subscription_id": request.subscription_ref,
                    "reason": request.reason,
                    "note": request.note or None,
                    "requested_by": request.maker_id.login,
                    "approved_by": [review.done_by.login for review in approvals],
                },
                record=request,
                ticket=request.ticket_id,
                idempotency_key=request._tc_idempotency_key(),
            )
        return result


class TcCommand(models.Model):
    _inherit = "tc.command"

    def _tc_subscription_request(self):
        if self.res_model == REQUEST_MODEL and self.res_id:
            return self.env[REQUEST_MODEL].sudo().browse(self.res_id).exists()
        return self.env[REQUEST_MODEL]

    def _tc_on_acked(self, result):
        request = self._tc_subscription_request()
        if request:
            request._tc_record_answer(
                self.env._(
                    "Accepted (%(id)s, %(status)s)%(again)s; waiting for its event",
                    id=result.command_id or "-",
                    status=result.status or "-",
                    again=self.env._(", already applied")
                    if result.already_applied
                    else "",
                )
            )
        return super()._tc_on_acked(result)

    def _tc_refused(self, error, status):
        outcome = super()._tc_refused(error, status)
        request = self._tc_subscription_request()
        if request:
            request._tc_record_answer(
                self.env._("Refused (HTTP %(status)s)", status=status or "-")
            )
        return outcome
