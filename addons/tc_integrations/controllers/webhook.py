# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import SUPERUSER_ID, api, http
from odoo.http import request

from ..lib import observability, webhook
from ..models.tc_event import stored_event_id

_logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # events are small; anything bigger is refused unread


def _reply(http_status, **body):
    return request.make_json_response(body, status=http_status)


class TcWebhookController(http.Controller):
    @http.route(
        "/tc/webhooks/events",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def tc_events(self, **_kw):
        """Standard Webhooks receiver: verify the raw body, store once, answer 202
        (the event's job is queued by the event dispatcher on the jobs node).
        Every refusal stores nothing; no payload is ever logged. Every log line of
        the request carries its correlation id (the sender's header until the body
        is verified, then the event's)."""
        headers = request.httprequest.headers
        header_cid = next(
            (headers.get(h) for h in webhook.CORRELATION_HEADERS if headers.get(h)),
            None,
        )
        with observability.traced(header_cid):
            return self._tc_receive()

    def _tc_receive(self):
        # superuser with an empty context: nothing of the sender's session or
        # request reaches the ORM (no context key can change what is stored)
        env = api.Environment(request.env.cr, SUPERUSER_ID, {})
        settings = env["tc.settings"]._get()
        if not settings.webhook_secrets:
            return _reply(
                503,
                error="webhook_not_configured",
                message="No webhook secret is configured on this server "
                "(tc_webhook_secret / TC_WEBHOOK_SECRET).",
            )
        httpreq = request.httprequest
        length = httpreq.content_length
        if length is not None and length > MAX_BODY:
            return _reply(
                413,
                error="payload_too_large",
                message="body is %d bytes, the limit is %d" % (length, MAX_BODY),
            )
        if length is None:
            return _reply(
                411,
                error="length_required",
                message="send the body with a Content-Length header",
            )
        raw = httpreq.get_data()
        try:
            payload = webhook.verify(
                httpreq.headers, raw, settings.webhook_secrets, max_body=MAX_BODY
            )
        except webhook.WebhookError as exc:
            _logger.info(
                "webhook refused (HTTP %s, %s) webhook-id=%s",
                exc.status,
                type(exc).__name__,
                (httpreq.headers.get("webhook-id") or "-")[:80],
            )
            return _reply(exc.status, error=type(exc).__name__, message=exc.message)
        except ValueError:
            # a secret in the configuration is unusable: our problem, not the sender's
            _logger.info("webhook refused: the configured secret is unusable")
            observability.capture_message(
                "Webhook secret misconfigured (tc_webhook_secret)", level="error"
            )
            return _reply(
                503,
                error="webhook_misconfigured",
                message="The webhook secret configured on this server is invalid.",
            )
        meta = webhook.event_meta(payload, httpreq.headers)
        with observability.traced(meta.correlation_id, event_id=meta.event_id):
            event, created = env["tc.event"]._tc_ingest(
                payload,
                source="webhook",
                webhook_id=meta.webhook_id,
                correlation_id=meta.correlation_id,
                # the request stores and answers; the jobs node queues the job
                dispatch=True,
            )
            with observability.traced(event.correlation_id):
                _logger.info(
                    "webhook answered HTTP %s (%s) for event %s",
                    202 if created else 200,
                    "accepted" if created else "duplicate",
                    stored_event_id(payload),
                )
        return _reply(
            202 if created else 200,
            status="accepted" if created else "duplicate",
            # what it is stored under, without reading the row back (a query)
            event_id=stored_event_id(payload),
        )
