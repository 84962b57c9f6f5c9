# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Event handlers: one method per event type, found through ``HANDLERS``.

Each handler receives the ``tc.event`` and its ``data`` object, calls the domain
addons (tc_orders, tc_care, tc_network, tc_fieldops), puts the event on the
timeline of every case it touched and returns a one-line outcome. It raises
:class:`Deferred` when the event arrived before what it depends on (out of
order), :class:`Permanent` when no retry can ever fix it (the payload lacks what
the handler needs, it names something TC never asked for: the event is failed at
once, the message is the reason a person reads in the exception queue); any other
exception is a failure (retried, then a case for a human).
Handlers must be idempotent: they run inside the event's job, which queue_job
may deliver more than once; each checks the current state of the records first.
"""

import base64
import binascii
from urllib.parse import urlsplit

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.tc_network.lib.identifiers import normalize_mac, normalize_serial

from ..lib.api_client import parse_amount
from ..lib.reconciliation import parse_datetime

HANDLERS = {
    "OrderNeedsReview": "_on_order_needs_review",
    "PaymentConfirmed": "_on_payment_confirmed",
    "ProvisioningFailed": "_on_provisioning_failed",
    "ServiceActivated": "_on_service_activated",
    "RefundPosted": "_on_refund_posted",
    "PaymentDisputed": "_on_payment_disputed",
    "DisputeClosed": "_on_dispute_closed",
    "SubscriptionSuspended": "_on_subscription_suspended",
    "SubscriptionResumed": "_on_subscription_resumed",
}
DISPUTE_OUTCOMES = ("won", "lost", "accepted")
MAX_EVIDENCE = 10
REVIEW_REASONS = ("coverage", "address", "fraud", "vip", "other")


class Deferred(Exception):
    """The event came before what it needs; try again later. ``tickets``: the
    cases to tell that they wait."""

    def __init__(self, message, tickets=None):
        super().__init__(message)
        self.tickets = tickets


class Permanent(Exception):
    """No retry can fix this event (what it carries is immutable): it fails at
    once. The message is the reason a person acts on: say what is wrong and what
    to do."""


def _malformed(what):
    """The payload lacks what the handler needs: a retry runs the same payload."""
    return Permanent(
        "%s: have the sender send a corrected event, then ignore this one" % what
    )


def _customer_of(data):
    """``(ref, name, email)`` of the event's customer (``customer.ref``, else
    ``customer_id``), for ``helpdesk.ticket._tc_customer``."""
    customer = data.get("customer")
    customer = customer if isinstance(customer, dict) else {}
    ref = _ref(customer, "ref", "id") or _ref(data, "customer_id")
    return ref, _ref(customer, "name"), _ref(customer, "email")


def _ref(data, *keys):
    for key in keys:
        value = data.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool):
            value = str(value).strip()
            if value:
                return value[:128]
    return None


class TcEventHandler(models.AbstractModel):
    _name = "tc.event.handler"
    _description = "Integration event handlers"

    # -- helpers ---------------------------------------------------------------------
    @api.model
    def _open_cases(self, domain):
        """Open cases an event finds by its refs. A partner API case is found only
        when it is the case of a review the partner submitted first: refs a partner
        typed are its claim, not proof, and a case it can read through the API
        would otherwise tell it what happened to someone else's order or payment."""
        cases = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search(domain + [("stage_id.closed", "=", False)])
        )
        return cases - self._tc_claimed_by_partners(cases)

    @api.model
    def _tc_claimed_by_partners(self, cases):
        """Those of ``cases`` opened through the partner API that are not the case
        of a review their partner submitted first."""
        api_cases = cases.filtered("tc_api_partner_id")
        if not api_cases:
            return api_cases
        self.env["tc.order.review"].flush_model()
        self.env.cr.execute(
            """
            SELECT r.ticket_id FROM tc_order_review r
             WHERE r.ticket_id = ANY(%s)
               AND NOT EXISTS (
                   SELECT 1 FROM tc_order_review o
                    WHERE o.order_ref = r.order_ref AND o.id < r.id
                      AND o.tc_api_partner_id IS DISTINCT FROM r.tc_api_partner_id)
            """,
            (api_cases.ids,),
        )
        first = {row[0] for row in self.env.cr.fetchall()}
        return api_cases.filtered(lambda case: case.id not in first)

    # -- OrderNeedsReview -------------------------------------------------------------
    def _on_order_needs_review(self, event, data):
        order_ref = _ref(data, "order_id", "order_ref")
        if not order_ref:
            raise _malformed("OrderNeedsReview without order_id")
        Review = self.env["tc.order.review"].sudo()
        review = Review.search(
            [("order_ref", "=", order_ref)], limit=1, order="id desc"
        )
        if review and review.state not in ("approved", "rejected"):
            event._tc_touch(
                review.ticket_id, "OrderNeedsReview again for %s" % order_ref
            )
            return "Review %s already open" % review.name
        codes = [c for c in data.get("reasons") or [] if c in REVIEW_REASONS]
        reasons = (
            self.env["tc.order.review.reason"]
            .sudo()
            .search([("code", "in", codes or ["other"])])
        )
        customer = self.env["helpdesk.ticket"]._tc_customer(*_customer_of(data))
        review = Review.create(
            {
                "order_ref": order_ref,
                "partner_id": customer.id,
                "requested_plan": _ref(data, "requested_plan", "plan") or "-",
                "reason_ids": [(6, 0, reasons.ids)],
                "evidence": str(data.get("evidence") or "")[:5000] or False,
            }
        )
        review.ticket_id.sudo().write(
            {"tc_correlation_id": event.correlation_id or False}
        )
        event._tc_touch(
            review.ticket_id, "OrderNeedsReview: %s held for review" % order_ref
        )
        return "Review %s created" % review.name

    # -- PaymentConfirmed -------------------------------------------------------------
    def _on_payment_confirmed(self, event, data):
        payment = _ref(data, "payment_id", "payment_ref")
        order = _ref(data, "order_id", "order_ref")
        invoice = _ref(data, "invoice_id", "invoice_ref")
        refs = [
            (field, value)
            for field, value in (
                ("tc_payment_ref", payment),
                ("tc_order_ref", order),
                ("tc_invoice_ref", invoice),
            )
            if value
        ]
        if not refs:
            raise _malformed("PaymentConfirmed without payment, order or invoice id")
        domain = ["|"] * (len(refs) - 1) + [(f, "=", v) for f, v in refs]
        Kind = self.env["helpdesk.ticket.type"]
        kinds = Kind._tc_get("payment_dispute") | Kind._tc_get("order_review")
        cases = self._open_cases(domain + [("type_id", "in", kinds.ids)])
        if not cases:
            return "No open review or payment dispute for this payment"
        event._tc_touch(cases, "PaymentConfirmed (%s)" % (payment or order or invoice))
        disputes = cases.filtered(lambda c: c.type_id.tc_code == "payment_dispute")
        disputes._tc_close_cases()
        reviews = cases - disputes
        # a review waiting for the payment is unblocked; the decision stays human
        reviews.filtered("tc_waiting_for").write({"tc_waiting_for": False})
        return "Resolved %d payment dispute(s), %d review(s) informed" % (
            len(disputes),
            len(reviews),
        )

    # -- ProvisioningFailed -----------------------------------------------------------
    def _on_provisioning_failed(self, event, data):
        job_ref = _ref(data, "provisioning_job_id", "job_id")
        if not job_ref:
            raise _malformed("ProvisioningFailed without job_id")
        kind = self.env["helpdesk.ticket.type"]._tc_get("provisioning_failure")
        case = self._open_cases(
            [("tc_provisioning_job_ref", "=", job_ref), ("type_id", "=", kind.id)]
        )[:1]
        error = str(data.get("error") or data.get("reason") or "")[:500]
        if case:
            attempt = case._tc_count_provisioning_failure(event)
            event._tc_touch(
                case, "ProvisioningFailed again: attempt %d (%s)" % (attempt, error)
            )
            return "Case %s already open, attempt %d" % (case.display_name, attempt)
        # the job failed again after its case was closed: that case, reopened
        case = self.env["helpdesk.ticket"]._tc_closed_provisioning_case(job_ref)
        if case:
            case._tc_reopen_cases()
            attempt = case._tc_count_provisioning_failure(event)
            event._tc_touch(
                case, "ProvisioningFailed again: attempt %d (%s)" % (attempt, error)
            )
            return "Case %s reopened, attempt %d" % (case.display_name, attempt)
        equipment = self._equipment(data.get("equipment") or data)
        Ticket = self.env["helpdesk.ticket"]
        case = Ticket._tc_open_case(
            "provisioning_failure",
            "Provisioning job %s failed" % job_ref,
            description=error or "Provisioning failed",
            partner_id=(
                Ticket._tc_customer(*_customer_of(data)).id
                if data.get("customer")
                else False
            ),
            tc_provisioning_job_ref=job_ref,
            tc_order_ref=_ref(data, "order_id") or False,
            tc_subscription_ref=_ref(data, "subscription_id") or False,
            tc_equipment_id=equipment.id or False,
            correlation_id=event.correlation_id,
        )
        case._tc_count_provisioning_failure(event, opened=True)
        event._tc_touch(case, "ProvisioningFailed: job %s (%s)" % (job_ref, error))
        if not equipment:
            self._propose_dispatch(case, "no equipment matches the event")
            return "Case opened, equipment unknown: dispatch proposed"
        result, detail = self._diagnose(equipment, case)
        if result in ("online",):
            return "Case opened, diagnostics %s" % result
        self._propose_dispatch(
            case, "remote diagnostics of %s: %s" % (equipment.name, detail or result)
        )
        return "Case opened, diagnostics %s: dispatch proposed" % result

    @api.model
    def _equipment(self, info):
        if not isinstance(info, dict):
            return self.env["tc.equipment"]
        Equipment = self.env["tc.equipment"].sudo().with_context(active_test=False)
        serial = normalize_serial(_ref(info, "serial", "serial_number"))
        mac = normalize_mac(_ref(info, "mac", "mac_address"))
        if serial:
            found = Equipment.search([("serial", "=", serial)], limit=1)
            if found:
                return found
        if mac:
            return Equipment.search([("mac", "=", mac)], limit=1)
        return Equipment

    @api.model
    def _diagnose(self, equipment, case):
        """Run tc_network's diagnostics; ``(result, detail)``."""
        try:
            with self.env.cr.savepoint():
                action = equipment._tc_run_diagnostics(ticket=case)
        except UserError as exc:  # not configured for SNMP: cannot check remotely
            case._tc_timeline("diagnostic", "Diagnostics not possible: %s" % exc)
            return "error", str(exc)
        net_action = self.env["tc.network.action"].sudo().browse(action.get("res_id"))
        return net_action.result, net_action.detail

    @api.model
    def _propose_dispatch(self, case, why):
        """Remote checks could not fix it: a repair job "to schedule" in the
        dispatch queue of tc_fieldops (once per case), the case waits for it. Without
        a field-operation project the dispatcher gets an activity instead."""
        case = case.sudo()
        text = "Dispatch proposed: %s" % why
        open_jobs = case.tc_job_ids.filtered(
            lambda job: job.tc_job_state not in ("done", "cancelled")
        )
        if open_jobs:
            case._tc_timeline("note", (text + " (job already open)")[:250])
            return open_jobs[:1]
        job = self.env["project.task"]
        try:
            with self.env.cr.savepoint():
                job = case._tc_create_field_job("repair", tc_dispatch_notes=text)
        except UserError as exc:  # no field-operation project configured
            case.activity_schedule(
                "mail.mail_activity_data_todo",
                summary="Dispatch a technician",
                note="%s (%s)" % (text, exc),
                user_id=case.user_id.id or self.env.ref("base.user_root").id,
            )
        case._tc_timeline("note", text[:250], progress=True)
        case.write({"tc_waiting_for": "Field dispatch"})
        return job

    # -- ServiceActivated ---------------------------------------------------------------
    def _on_service_activated(self, event, data):
        refs = [
            (field, value)
            for field, value in (
                (
                    "tc_provisioning_job_ref",
                    _ref(data, "provisioning_job_id", "job_id"),
                ),
                ("tc_order_ref", _ref(data, "order_id")),
                ("tc_subscription_ref", _ref(data, "subscription_id")),
            )
            if value
        ]
        if not refs:
            raise _malformed("ServiceActivated without job, order or subscription id")
        domain = ["|"] * (len(refs) - 1) + [(f, "=", v) for f, v in refs]
        cases = self._open_cases(domain)
        if not cases:
            return "No open case for this activation"
        jobs = self._open_installation_jobs(cases)
        if jobs:
            raise Deferred(
                "Installation job %s is not completed yet"
                % ", ".join(jobs.mapped("display_name")),
                tickets=cases,
            )
        event._tc_touch(cases, "ServiceActivated: service is live")
        closed = cases._tc_close_cases()
        return "Service active: %d case(s) closed" % len(closed)

    @api.model
    def _open_installation_jobs(self, cases):
        Task = self.env["project.task"].sudo()
        if not {"tc_case_id", "tc_job_type", "tc_job_state"} <= set(Task._fields):
            return Task
        return Task.search(
            [
                ("tc_case_id", "in", cases.ids),
                ("tc_job_type", "=", "installation"),
                ("tc_job_state", "not in", ("done", "cancelled")),
            ]
        )

    # -- RefundPosted ----------------------------------------------------------------------
    def _on_refund_posted(self, event, data):
        ref = _ref(data, "adjustment_ref", "adjustment_id")
        if not ref:
            raise _malformed("RefundPosted without adjustment_ref")
        request = (
            self.env["tc.adjustment.request"]
            .sudo()
            .search([("name", "=", ref)], limit=1)
        )
        if not request:
            # TC names its adjustment requests; billing learns a name only from the
            # PostAdjustment command of an approved request: an unknown one never
            # comes later
            raise Permanent(
                "RefundPosted for %s, an adjustment TC never requested: check this "
                "refund in the billing system, then ignore this event" % ref
            )
        if request.state == "posted":
            return "%s was already posted" % ref
        if request.state != "approved":
            raise Deferred(
                "%s is %s, not approved yet" % (ref, request.state),
                tickets=request.ticket_id,
            )
        posted_at = data.get("posted_at")
        try:
            posted_at = fields.Datetime.to_datetime(
                str(posted_at).replace("T", " ").replace("Z", "")[:19]
            )
        except ValueError:
            posted_at = None
        request._tc_mark_posted(
            posting_ref=_ref(data, "posting_ref", "credit_note_id") or None,
            posted_at=posted_at or None,
        )
        event._tc_touch(request.ticket_id, "RefundPosted: %s posted" % ref)
        request.ticket_id._tc_close_cases()
        return "%s posted" % ref

    # -- SubscriptionSuspended / SubscriptionResumed ----------------------------------------
    def _on_subscription_suspended(self, event, data):
        return self._subscription_changed(event, data, "suspend")

    def _on_subscription_resumed(self, event, data):
        return self._subscription_changed(event, data, "resume")

    @api.model
    def _subscription_changed(self, event, data, action):
        """The subscription service carried out a suspension or resumption: it
        confirms the approved request(s) for that subscription (the one it names
        with ``request_ref``, when it does) and goes on their cases' timelines.
        TC Ops keeps no subscription state: without a request (the service
        suspended it on its own, say for non-payment) the open cases of that
        subscription are told and nothing else changes."""
        done = "suspended" if action == "suspend" else "resumed"
        sub = _ref(data, "subscription_id")
        if not sub:
            raise _malformed("%s without subscription_id" % event.event_type)
        Request = self.env["tc.subscription.request"].sudo()
        domain = [("subscription_ref", "=", sub), ("action", "=", action)]
        request_ref = _ref(data, "request_ref")
        if request_ref:
            named = Request.search(domain + [("name", "=", request_ref)], limit=1)
            if not named:
                raise Permanent(
                    "%s names %s, a request TC never made for %s: check the "
                    "subscription in the subscription service, then ignore this event"
                    % (event.event_type, request_ref, sub)
                )
            if named.state == "confirmed":
                return "%s was already confirmed" % request_ref
            if named.state != "approved":
                raise Deferred(
                    "%s is %s, not approved yet" % (request_ref, named.state),
                    tickets=named.ticket_id,
                )
            requests = named
        else:
            requests = Request.search(domain + [("state", "=", "approved")])
        text = "%s: subscription %s %s" % (event.event_type, sub, done)
        if not requests:
            cases = self._open_cases([("tc_subscription_ref", "=", sub)])
            event._tc_touch(cases, text + " (no request of TC Ops)")
            return "No approved request; %d case(s) told" % len(cases)
        requests._tc_mark_confirmed(event.event_id)
        for request in requests:
            event._tc_touch(request.ticket_id, "%s (%s)" % (text, request.name))
        return "%s confirmed" % ", ".join(requests.mapped("name"))

    # -- PaymentDisputed / DisputeClosed -------------------------------------------------
    def _on_payment_disputed(self, event, data):
        """A chargeback: one "payment dispute" case per dispute id, with an SLA
        ending at the respond-by date the payment network gave."""
        dispute = _ref(data, "dispute_id", "chargeback_id")
        if not dispute:
            raise _malformed("PaymentDisputed without dispute_id")
        Ticket = self.env["helpdesk.ticket"].sudo()
        notes = []
        try:
            respond_by = parse_datetime(data.get("respond_by"))
        except ValueError as exc:
            respond_by = None
            notes.append("respond_by %s: no deadline, set one by hand" % exc)
        case = Ticket.search([("tc_dispute_ref", "=", dispute)], limit=1)
        if case:
            if case.stage_id.closed:
                event._tc_touch(case, "PaymentDisputed again for closed %s" % dispute)
                return "Dispute %s is already closed" % dispute
            if respond_by and respond_by != case.tc_dispute_respond_by:
                case.tc_dispute_respond_by = respond_by
                case._tc_set_fixed_deadline(self._dispute_sla(), respond_by)
                notes.append("respond by moved to %s UTC" % respond_by)
            notes += self._attach_evidence(case, data.get("evidence"))
            event._tc_touch(
                case, "PaymentDisputed again for %s. %s" % (dispute, " ".join(notes))
            )
            return "Dispute %s already open" % dispute
        amount = currency = None
        if data.get("amount") is not None:
            try:
                amount, code = parse_amount(data.get("amount"))
                currency = (
                    self.env["res.currency"]
                    .with_context(active_test=False)
                    .search([("name", "=", code)], limit=1)
                )
                if not currency:
                    notes.append("unknown currency %s" % code)
            except ValueError as exc:
                notes.append("amount not readable: %s" % exc)
        payment = _ref(data, "payment_id", "payment_ref")
        reason = _ref(data, "reason_code")
        description = "Chargeback %s on payment %s, reason %s (%s). %s" % (
            dispute,
            payment or "-",
            reason or "-",
            str(data.get("reason") or "")[:200],
            " ".join(notes),
        )
        case = Ticket._tc_open_case(
            "payment_dispute",
            "Payment dispute %s (payment %s)" % (dispute, payment or "-"),
            description=description,
            partner_id=(
                Ticket._tc_customer(*_customer_of(data)).id
                if data.get("customer")
                else False
            ),
            tc_dispute_ref=dispute,
            tc_payment_ref=payment or False,
            tc_invoice_ref=_ref(data, "invoice_id", "invoice_ref") or False,
            tc_order_ref=_ref(data, "order_id") or False,
            tc_dispute_amount=float(amount) if amount is not None else 0.0,
            tc_dispute_currency_id=currency.id if currency else False,
            tc_dispute_reason_code=reason or False,
            tc_dispute_respond_by=respond_by or False,
            correlation_id=event.correlation_id,
        )
        if respond_by:
            case._tc_set_fixed_deadline(self._dispute_sla(), respond_by)
        notes += self._attach_evidence(case, data.get("evidence"))
        event._tc_touch(
            case,
            "PaymentDisputed: %s, respond by %s UTC. %s"
            % (dispute, respond_by or "-", " ".join(notes)),
        )
        return "Dispute case opened for %s" % dispute

    @api.model
    def _dispute_sla(self):
        return self.env.ref("tc_integrations.sla_payment_dispute_respond_by")

    @api.model
    def _attach_evidence(self, case, evidence):
        """Evidence documents the event carries, attached on the case:
        ``[{"name", "mimetype", "content_base64" | "text" | "url"}]``. Returns
        notes about items that could not be attached."""
        if not evidence:
            return []
        if not isinstance(evidence, list):
            return ["evidence is not a list: ignored"]
        notes, vals_list = [], []
        for index, item in enumerate(evidence[:MAX_EVIDENCE]):
            name = _ref(item, "name") if isinstance(item, dict) else None
            if not name:
                notes.append("evidence #%d has no name: ignored" % (index + 1))
                continue
            vals = {"name": name, "res_model": case._name, "res_id": case.id}
            if isinstance(item.get("content_base64"), str):
                try:
                    raw = base64.b64decode(item["content_base64"], validate=True)
                except (binascii.Error, ValueError):
                    notes.append("evidence %s is not valid base64: ignored" % name)
                    continue
                vals["raw"] = raw
                vals["mimetype"] = _ref(item, "mimetype") or False
            elif isinstance(item.get("text"), str):
                vals["raw"] = item["text"].encode("utf-8")
                vals["mimetype"] = "text/plain"
            elif isinstance(item.get("url"), str) and urlsplit(item["url"]).scheme in (
                "https",
                "http",
            ):
                vals.update(type="url", url=item["url"][:1000])
            else:
                notes.append("evidence %s has no content: ignored" % name)
                continue
            vals_list.append(vals)
        if len(evidence) > MAX_EVIDENCE:
            notes.append("only the first %d evidence items were kept" % MAX_EVIDENCE)
        known = set(
            self.env["ir.attachment"]
            .sudo()
            .search([("res_model", "=", case._name), ("res_id", "=", case.id)])
            .mapped("name")
        )
        vals_list = [v for v in vals_list if v["name"] not in known]
        if vals_list:
            self.env["ir.attachment"].sudo().create(vals_list)
            case._tc_timeline(
                "note",
                "Evidence attached: %s" % ", ".join(v["name"] for v in vals_list),
            )
        return notes

    def _on_dispute_closed(self, event, data):
        dispute = _ref(data, "dispute_id", "chargeback_id")
        if not dispute:
            raise _malformed("DisputeClosed without dispute_id")
        outcome = _ref(data, "outcome")
        if outcome not in DISPUTE_OUTCOMES:
            raise _malformed(
                "DisputeClosed %s: outcome must be one of %s, not %r"
                % (dispute, ", ".join(DISPUTE_OUTCOMES), outcome)
            )
        case = (
            self.env["helpdesk.ticket"]
            .sudo()
            .search([("tc_dispute_ref", "=", dispute)], limit=1)
        )
        if not case:
            raise Deferred("Dispute %s is not known yet" % dispute)
        if case.tc_dispute_outcome:
            event._tc_touch(case, "DisputeClosed again for %s" % dispute)
            return "Dispute %s was already closed (%s)" % (
                dispute,
                case.tc_dispute_outcome,
            )
        try:
            closed_at = parse_datetime(data.get("closed_at"))
        except ValueError:
            closed_at = fields.Datetime.now()
        case.write({"tc_dispute_outcome": outcome, "tc_dispute_closed_at": closed_at})
        note = str(data.get("note") or "")[:500]
        case.message_post(
            body=self.env._(
                "Dispute %(ref)s closed: %(outcome)s. %(note)s",
                ref=dispute,
                outcome=dict(
                    case._fields["tc_dispute_outcome"]._description_selection(self.env)
                )[outcome],
                note=note,
            ),
            subtype_xmlid="mail.mt_note",
        )
        event._tc_touch(case, "DisputeClosed: %s %s" % (dispute, outcome))
        case._tc_close_cases()
        return "Dispute %s closed: %s" % (dispute, outcome)
