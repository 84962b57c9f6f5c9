"""Property-based fuzz of ``tools.webhook.verify``: any input either verifies or
raises a ``WebhookError`` with a 4xx status, never anything else."""

import json
import time
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook
from tc_integrations.lib import webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
header_text = st.text(max_size=60)


@settings(max_examples=400, deadline=None)
@given(
    body=st.binary(max_size=400),
    msg_id=header_text,
    timestamp=header_text,
    signature=header_text,
    content_type=st.sampled_from(["application/json", "text/plain", "", None]),
)
def test_verify_only_raises_webhook_errors(
    body, msg_id, timestamp, signature, content_type
):
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": signature,
    }
    if content_type is not None:
        headers["content-type"] = content_type
    try:
        webhook.verify(headers, body, [SECRET])
    except webhook.WebhookError as exc:
        assert 400 <= exc.status < 500


@settings(max_examples=300, deadline=None)
@given(
    payload=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_correctly_signed_bodies_verify_or_422(payload):
    """Signed by the PyPI library: accepted when it is an event, else 422."""
    body = json.dumps(payload)
    now = int(time.time())
    signature = Webhook(SECRET).sign(
        "msg_1", datetime.fromtimestamp(now, tz=timezone.utc), body
    )
    headers = {
        "content-type": "application/json",
        "webhook-id": "msg_1",
        "webhook-timestamp": str(now),
        "webhook-signature": signature,
    }
    try:
        result = webhook.verify(headers, body.encode(), [SECRET], now=now)
    except webhook.WebhookError as exc:
        assert exc.status == 422
    else:
        assert result == payload
