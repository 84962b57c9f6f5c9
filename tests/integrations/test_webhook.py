"""Standard Webhooks verification: pure checks plus a real HTTP round trip."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tc_integrations.lib import webhook
from tc_integrations.testing.dataplane import DataPlanePeer

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NEW_SECRET = "whsec_" + "bmV3LXNlY3JldC1rZXktZm9yLXJvdGF0aW9uLTEyMzQ="
RAW_SECRET = "plain-text-shared-secret"
NOW = 1_714_000_000
EVENT = {
    "id": "evt_1",
    "type": "payment.succeeded",
    "correlation_id": "corr-1",
    "data": {"amount": "49.90", "currency": "EUR"},
}


def _signed(event=EVENT, secrets=SECRET, ts=NOW, msg_id="msg_1", body=None):
    raw = body if body is not None else json.dumps(event).encode()
    headers = webhook.build_headers(secrets, raw, msg_id=msg_id, timestamp=ts)
    return headers, raw


def _reject(headers, raw, secrets=SECRET, **kwargs):
    kwargs.setdefault("now", NOW)
    with pytest.raises(webhook.WebhookError) as info:
        webhook.verify(headers, raw, secrets, **kwargs)
    return info.value


# -- signing ------------------------------------------------------------------


def test_sign_matches_the_published_test_vector():
    assert (
        webhook.sign(
            SECRET, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
        )
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_peer_signer_agrees_with_ours():
    body = b'{"id":"e","type":"t"}'
    assert webhook.sign(SECRET, "m", NOW, body) == DataPlanePeer.webhook_signature(
        SECRET, "m", NOW, body
    )
    assert webhook.sign(RAW_SECRET, "m", NOW, body) == DataPlanePeer.webhook_signature(
        RAW_SECRET, "m", NOW, body
    )


def test_secret_decoding():
    assert webhook.decode_secret("whsec_aGVsbG8=") == b"hello"
    assert webhook.decode_secret("hello") == b"hello"
    assert webhook.decode_secret(b"\x00\x01") == b"\x00\x01"
    assert webhook.generate_secret().startswith("whsec_")
    with pytest.raises(ValueError) as info:
        webhook.decode_secret("whsec_not*base64!")
    assert "not*base64" not in str(info.value)
    with pytest.raises(ValueError):
        webhook.decode_secret("")


# -- acceptance -----------------------------------------------------------------


@pytest.mark.parametrize("secret", [SECRET, RAW_SECRET])
def test_valid_signature_returns_payload(secret):
    headers, raw = _signed(secrets=secret)
    assert webhook.verify(headers, raw, secret, now=NOW) == EVENT


def test_headers_are_case_insensitive_and_pairs_accepted():
    headers, raw = _signed()
    upper = [(k.upper(), v) for k, v in headers.items()]
    assert webhook.verify(upper, raw, SECRET, now=NOW)["id"] == "evt_1"


def test_charset_parameter_allowed():
    headers, raw = _signed()
    headers["content-type"] = "Application/JSON; charset=UTF-8"
    assert webhook.verify(headers, raw, SECRET, now=NOW)["type"] == "payment.succeeded"


def test_rotation_old_signature_accepted_by_new_and_old_secrets():
    headers, raw = _signed(secrets=SECRET)
    assert webhook.verify(headers, raw, [NEW_SECRET, SECRET], now=NOW) == EVENT


def test_rotation_sender_signing_with_both_secrets():
    headers, raw = _signed(secrets=[SECRET, NEW_SECRET])
    assert len(headers["webhook-signature"].split()) == 2
    assert webhook.verify(headers, raw, NEW_SECRET, now=NOW) == EVENT
    assert webhook.verify(headers, raw, SECRET, now=NOW) == EVENT
    err = _reject(headers, raw, secrets="whsec_" + "b3RoZXI=")
    assert isinstance(err, webhook.InvalidSignatureError)


def test_unknown_signature_versions_are_skipped():
    headers, raw = _signed()
    headers["webhook-signature"] = "v1a,AAAA v2,BBBB " + headers["webhook-signature"]
    assert webhook.verify(headers, raw, SECRET, now=NOW) == EVENT


def test_timestamp_on_the_tolerance_edge_is_accepted():
    headers, raw = _signed(ts=NOW - 300)
    assert webhook.verify(headers, raw, SECRET, now=NOW) == EVENT
    headers, raw = _signed(ts=NOW + 300)
    assert webhook.verify(headers, raw, SECRET, now=NOW) == EVENT


# -- rejections -------------------------------------------------------------------


def test_tampered_body_rejected_401():
    headers, raw = _signed()
    err = _reject(headers, raw.replace(b"49.90", b"0.01"))
    assert isinstance(err, webhook.InvalidSignatureError)
    assert err.status == 401


def test_wrong_secret_rejected_401():
    headers, raw = _signed(secrets=RAW_SECRET)
    assert _reject(headers, raw, secrets=SECRET).status == 401


@pytest.mark.parametrize(
    "value",
    ["", "v1,", "v1a,abcd", "v1,bm9wZQ==", "garbage"],
)
def test_bad_or_absent_signature_401(value):
    headers, raw = _signed()
    headers["webhook-signature"] = value
    err = _reject(headers, raw)
    # an empty header is a missing header (400), anything else a 401
    assert err.status == (400 if value == "" else 401)


def test_id_is_part_of_the_signed_content():
    headers, raw = _signed()
    headers["webhook-id"] = "msg_other"
    assert _reject(headers, raw).status == 401


@pytest.mark.parametrize(
    "name", ["webhook-id", "webhook-timestamp", "webhook-signature"]
)
def test_missing_header_400(name):
    headers, raw = _signed()
    del headers[name]
    err = _reject(headers, raw)
    assert isinstance(err, webhook.MissingHeaderError)
    assert err.status == 400
    assert name in err.message


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "17140000000000"])
def test_non_integer_timestamp_400(value):
    headers, raw = _signed()
    headers["webhook-timestamp"] = value
    err = _reject(headers, raw)
    assert isinstance(err, webhook.InvalidHeaderError)
    assert err.status == 400


@pytest.mark.parametrize("offset", [-301, 301, -86400])
def test_timestamp_outside_window_401(offset):
    headers, raw = _signed(ts=NOW + offset)
    err = _reject(headers, raw)
    assert isinstance(err, webhook.TimestampOutOfRangeError)
    assert err.status == 401
    assert "tolerance 300s" in err.message


def test_timestamp_checked_against_real_clock_by_default():
    headers, raw = _signed(ts=int(time.time()))
    assert webhook.verify(headers, raw, SECRET) == EVENT
    headers, raw = _signed(ts=int(time.time()) - 3600)
    assert _reject(headers, raw, now=None).status == 401


def test_body_too_large_413():
    big = dict(EVENT, data={"blob": "x" * 2000})
    headers, raw = _signed(event=big)
    err = _reject(headers, raw, max_body=1024)
    assert isinstance(err, webhook.PayloadTooLargeError)
    assert err.status == 413


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
    ],
)
def test_wrong_content_type_415(content_type):
    headers, raw = _signed()
    if content_type is None:
        del headers["content-type"]
    else:
        headers["content-type"] = content_type
    err = _reject(headers, raw)
    assert isinstance(err, webhook.UnsupportedMediaTypeError)
    assert err.status == 415


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe{}", b'{"id": NaN}', b""])
def test_malformed_json_400_after_signature_check(body):
    headers, raw = _signed(body=body)
    err = _reject(headers, raw)
    assert isinstance(err, webhook.MalformedPayloadError)
    assert err.status == 400


def test_signature_is_checked_before_parsing():
    headers, raw = _signed(body=b"{not json")
    headers["webhook-signature"] = "v1,bm9wZQ=="
    assert _reject(headers, raw).status == 401


@pytest.mark.parametrize(
    "event",
    [
        [EVENT],
        "just a string",
        {"type": "payment.succeeded"},
        {"id": "evt_1"},
        {"id": "", "type": "x"},
        {"id": 12, "type": "x"},
    ],
)
def test_not_an_event_422(event):
    headers, raw = _signed(event=event)
    err = _reject(headers, raw)
    assert isinstance(err, webhook.InvalidEventError)
    assert err.status == 422


def test_error_str_carries_status():
    headers, raw = _signed()
    err = _reject(headers, raw + b" ")
    assert str(err) == "no webhook signature matches (HTTP 401)"


def test_no_secret_configured_is_a_server_error():
    headers, raw = _signed()
    with pytest.raises(ValueError):
        webhook.verify(headers, raw, [], now=NOW)


# -- event meta ---------------------------------------------------------------------


def test_event_meta_from_payload_and_headers():
    headers, raw = _signed()
    payload = webhook.verify(headers, raw, SECRET, now=NOW)
    meta = webhook.event_meta(payload, headers)
    assert meta == webhook.EventMeta("evt_1", "payment.succeeded", "corr-1", "msg_1")


def test_event_meta_correlation_fallbacks():
    base = {"id": "e", "type": "t"}
    nested = dict(base, data={"correlation_id": "from-data"})
    assert webhook.event_meta(nested).correlation_id == "from-data"
    meta = webhook.event_meta(base, {"X-Correlation-Id": "from-header"})
    assert meta.correlation_id == "from-header"
    assert meta.webhook_id is None
    assert webhook.event_meta(base).correlation_id is None


# -- over the wire: the data-plane peer delivers to a receiver using verify() ----------


@pytest.fixture
def receiver():
    """A real HTTP endpoint doing what the Odoo controller will do."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                payload = webhook.verify(self.headers, raw, [NEW_SECRET, SECRET])
                meta = webhook.event_meta(payload, self.headers)
                received.append(meta)
                status, body = 200, {"ok": True, "id": meta.event_id}
            except webhook.WebhookError as exc:
                status, body = exc.status, {"error": exc.message}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    server.received = received
    server.url = "http://127.0.0.1:%d/tc/webhooks/dataplane" % server.server_address[1]
    yield server
    server.shutdown()
    server.server_close()


def test_delivery_over_http_accepted(receiver):
    status, body = DataPlanePeer().deliver_webhook(
        receiver.url, EVENT, SECRET, extra_headers={"X-Correlation-Id": "hdr"}
    )
    assert (status, body) == (200, {"ok": True, "id": "evt_1"})
    assert receiver.received[0].correlation_id == "corr-1"
    assert receiver.received[0].webhook_id == "msg_peer_1"


def test_delivery_over_http_tampered_rejected(receiver):
    tampered = json.dumps(dict(EVENT, data={"amount": "0.01"})).encode()
    status, body = DataPlanePeer().deliver_webhook(
        receiver.url, EVENT, SECRET, body=tampered
    )
    assert status == 401
    assert body == {"error": "no webhook signature matches"}
    assert receiver.received == []


def test_delivery_over_http_stale_rejected(receiver):
    status, _ = DataPlanePeer().deliver_webhook(
        receiver.url, EVENT, NEW_SECRET, timestamp=int(time.time()) - 600
    )
    assert status == 401
