"""DataPlaneClient against the real local data-plane peer (127.0.0.1)."""

import email.utils
import time
import uuid
from datetime import date
from decimal import Decimal

import pytest
import requests
from tc_integrations.lib import api_client
from tc_integrations.lib.api_client import (
    CommandResult,
    DataPlaneClient,
    DataPlaneConfigError,
    DataPlaneError,
    PermanentError,
    TransientError,
)
from tc_integrations.testing.dataplane import DataPlanePeer, closed_port

TOKEN = "tok_LIVE_9f8e7d6c5b4a39281706"
TENANT = "tenant-42"
DAY = "2024-05-01"


def _event(n):
    return {
        "id": "evt_%d" % n,
        "type": "payment.succeeded",
        "occurred_at": "2024-05-01T10:00:%02dZ" % n,
        "correlation_id": "corr-%d" % n,
        "data": {"n": n},
    }


def _mismatch(n):
    return {
        "mismatch_id": "mm_%d" % n,
        "type": "amount_mismatch",
        "refs": {"invoice_id": "INV/%d" % n, "payment_id": "pay_%d" % n},
        "expected": {"amount": "49.90", "currency": "EUR"},
        "actual": {"amount": "39.90", "currency": "EUR"},
        "detected_at": "2024-05-02T02:00:00Z",
    }


@pytest.fixture
def peer():
    with DataPlanePeer(
        token=TOKEN,
        tenant_id=TENANT,
        events=[_event(n) for n in range(1, 8)],
        mismatches={DAY: [_mismatch(n) for n in range(1, 6)]},
    ) as peer:
        yield peer


@pytest.fixture
def client(peer):
    with DataPlaneClient(peer.base_url, TOKEN, tenant_id=TENANT, timeout=2) as client:
        yield client


def _assert_no_token(exc):
    for text in (str(exc), repr(exc), exc.message, *map(str, exc.args)):
        assert TOKEN not in text
    assert exc.__cause__ is None or TOKEN not in str(exc.__cause__)


def _raises(cls, func, *args, **kwargs):
    with pytest.raises(cls) as info:
        func(*args, **kwargs)
    _assert_no_token(info.value)
    return info.value


# -- configuration ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/",
        "file:///etc/passwd",
        "127.0.0.1:8080",
        "javascript:alert(1)",
        "http://",
        "http://user:pw@127.0.0.1/",
        "http://127.0.0.1/?x=1",
        "",
    ],
)
def test_refuses_non_http_urls(url):
    err = _raises(DataPlaneConfigError, DataPlaneClient, url, TOKEN)
    assert isinstance(err, ValueError)
    assert isinstance(err, PermanentError)


@pytest.mark.parametrize("token", ["", None, "tok\r\nX-Evil: 1", " tok", 42])
def test_refuses_bad_tokens_without_echoing_them(token):
    with pytest.raises(DataPlaneConfigError) as info:
        DataPlaneClient("https://127.0.0.1", token)
    assert "Evil" not in str(info.value)


def test_refuses_bad_timeout():
    with pytest.raises(DataPlaneConfigError):
        DataPlaneClient("https://127.0.0.1", TOKEN, timeout=0)


def test_repr_has_no_token():
    client = DataPlaneClient("https://127.0.0.1:9/api/", TOKEN, tenant_id="t")
    assert TOKEN not in repr(client)
    assert client.base_url == "https://127.0.0.1:9/api"


# -- commands ---------------------------------------------------------------


def test_send_command_headers_and_body_reach_the_server(client, peer):
    result = client.send_command(
        "billing.invoice.create",
        {"order_id": "SO001", "amount": Decimal("49.90"), "due": date(2024, 6, 1)},
        idempotency_key="so001-invoice-1",
        correlation_id="corr-abc",
    )
    assert isinstance(result, CommandResult)
    assert result.http_status == 201
    assert result.command_id == "cmd_1"
    assert result.status == "completed"
    assert result.already_applied is False
    assert result.result["echo"]["amount"] == "49.90"
    assert (result.idempotency_key, result.correlation_id) == (
        "so001-invoice-1",
        "corr-abc",
    )
    [req] = peer.requests_to("/commands", "POST")
    assert req.headers["authorization"] == "Bearer " + TOKEN
    assert req.headers["x-tenant-id"] == TENANT
    assert req.headers["x-correlation-id"] == "corr-abc"
    assert req.headers["idempotency-key"] == "so001-invoice-1"
    assert req.headers["content-type"] == "application/json"
    assert req.json() == {
        "type": "billing.invoice.create",
        "payload": {"order_id": "SO001", "amount": "49.90", "due": "2024-06-01"},
    }


def test_command_path_with_the_type(client, peer):
    """Data planes that route by type: POST /commands/<type>, the payload as body,
    the same idempotency (a replay is 409, already applied)."""
    first = client.send_command(
        "Post Adjustment/x", {"amount": "1.00"}, "typed-1", path_style="type"
    )
    again = client.send_command(
        "Post Adjustment/x", {"amount": "1.00"}, "typed-1", path_style="type"
    )
    assert (first.http_status, again.http_status) == (201, 409)
    assert again.already_applied
    [req, _replay] = peer.requests_to("/commands/Post%20Adjustment%2Fx", "POST")
    assert req.json() == {"amount": "1.00"}
    assert req.headers["idempotency-key"] == "typed-1"
    assert not peer.requests_to("/commands", "POST")
    with pytest.raises(DataPlaneConfigError, match="command path style"):
        client.send_command("X", {}, "k", path_style="query")


def test_correlation_id_generated_when_absent(client, peer):
    result = client.send_command("provisioning.activate", {"line": 1}, "key-1")
    [req] = peer.requests_to("/commands")
    assert req.headers["x-correlation-id"] == result.correlation_id
    assert uuid.UUID(hex=result.correlation_id)


def test_tenant_header_omitted_without_tenant(peer):
    peer.tenant_id = None
    with DataPlaneClient(peer.base_url, TOKEN) as client:
        client.send_command("orders.create", {}, "k")
    assert "x-tenant-id" not in peer.requests_to("/commands")[0].headers


def test_replay_with_same_key_is_already_applied_success(client, peer):
    first = client.send_command("payments.capture", {"payment": "p1"}, "cap-p1")
    again = client.send_command("payments.capture", {"payment": "p1"}, "cap-p1")
    assert again.http_status == 409
    assert again.already_applied is True
    assert again.command_id == first.command_id
    assert again.result == first.result
    assert len(peer.commands) == 1
    keys = [r.headers["idempotency-key"] for r in peer.requests_to("/commands")]
    assert keys == ["cap-p1", "cap-p1"]


def test_key_reused_with_other_payload_is_permanent(client):
    client.send_command("payments.capture", {"payment": "p1"}, "cap")
    err = _raises(
        PermanentError,
        client.send_command,
        "payments.capture",
        {"payment": "p2"},
        "cap",
    )
    assert err.status == 422
    assert err.error_code == "idempotency_key_reused"
    assert "HTTP 422" in err.message


def test_409_in_progress_is_transient(client, peer):
    peer.script(
        "POST", "/commands", 409, {"status": "in_progress"}, {"Retry-After": "2"}
    )
    err = _raises(TransientError, client.send_command, "orders.create", {}, "k")
    assert (err.status, err.retry_after) == (409, 2.0)


def test_command_argument_validation(client, peer):
    with pytest.raises(DataPlaneConfigError):
        client.send_command("", {}, "k")
    with pytest.raises(DataPlaneConfigError):
        client.send_command("x", [], "k")
    with pytest.raises(DataPlaneConfigError):
        client.send_command("x", {}, "")
    with pytest.raises(DataPlaneConfigError):
        client.send_command("x", {}, "bad\nkey")
    assert peer.requests == []


# -- classification ---------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_are_transient(client, peer, status):
    peer.script("POST", "/commands", status, {"error": "boom", "message": "down"})
    err = _raises(TransientError, client.send_command, "orders.create", {}, "k")
    assert err.status == status
    assert err.retryable is True
    assert "HTTP %d" % status in err.message
    assert "[boom]" in err.message


def test_429_retry_after_seconds_is_a_hint(client, peer):
    peer.script("GET", "/events", 429, {"error": "rate_limited"}, {"Retry-After": "7"})
    err = _raises(TransientError, lambda: next(client.iter_events()))
    assert (err.status, err.retry_after) == (429, 7.0)
    assert "retry after 7s" in err.message


def test_503_retry_after_http_date(client, peer):
    when = email.utils.formatdate(time.time() + 120, usegmt=True)
    peer.script(
        "GET",
        "/health",
        503,
        "<html>maintenance</html>",
        {"Retry-After": when},
        content_type="text/html",
    )
    err = _raises(TransientError, client.ping)
    assert 100 < err.retry_after <= 120
    assert "maintenance" in err.message


def test_parse_retry_after():
    assert api_client.parse_retry_after(None) is None
    assert api_client.parse_retry_after("soon") is None
    assert api_client.parse_retry_after("0") == 0.0
    past = email.utils.formatdate(time.time() - 60, usegmt=True)
    assert api_client.parse_retry_after(past) == 0.0


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_client_errors_are_permanent(client, peer, status):
    peer.script(
        "POST", "/commands", status, {"error": {"code": "nope", "message": "x"}}
    )
    err = _raises(PermanentError, client.send_command, "orders.create", {}, "k")
    assert err.status == status
    assert err.retryable is False
    assert err.error_code == "nope"


def test_unknown_route_404_is_permanent(peer):
    with DataPlaneClient(peer.base_url + "/v9", TOKEN, tenant_id=TENANT) as client:
        err = _raises(PermanentError, client.ping)
    assert err.status == 404
    assert peer.requests[-1].path == "/v9/health"


def test_bad_token_401_is_permanent_and_not_echoed(peer):
    with DataPlaneClient(peer.base_url, TOKEN + "x", tenant_id=TENANT) as client:
        with pytest.raises(PermanentError) as info:
            client.send_command("orders.create", {}, "k")
    assert info.value.status == 401
    assert TOKEN not in str(info.value)
    assert "check the API token" in info.value.message


def test_token_echoed_by_server_is_scrubbed(client, peer):
    peer.script(
        "POST",
        "/commands",
        400,
        {
            "error": {
                "code": "bad",
                "message": "token %s refused, card %s" % (TOKEN, "4111111111111111"),
            }
        },
    )
    err = _raises(PermanentError, client.send_command, "orders.create", {}, "k")
    assert "***1111" in err.message
    assert "4111111111111111" not in err.message


def test_timeout_against_a_sleeping_server_is_transient(peer):
    peer.script("POST", "/commands", 201, {"command_id": "late"}, delay=1.0)
    with DataPlaneClient(peer.base_url, TOKEN, tenant_id=TENANT, timeout=0.2) as c:
        started = time.monotonic()
        err = _raises(TransientError, c.send_command, "orders.create", {}, "k")
    assert time.monotonic() - started < 0.9
    assert err.status is None
    assert "timed out" in err.message
    assert len(peer.requests_to("/commands")) == 1  # it did reach the server


def test_connection_refused_is_transient():
    url = "http://127.0.0.1:%d" % closed_port()
    with DataPlaneClient(url, TOKEN, timeout=2) as client:
        err = _raises(TransientError, client.send_command, "orders.create", {}, "k")
        assert err.status is None
        assert "cannot reach" in err.message
        err = _raises(TransientError, lambda: list(client.iter_events()))


def test_redirect_not_followed_is_permanent(client, peer):
    peer.script("GET", "/health", 302, None, {"Location": peer.base_url + "/elsewhere"})
    err = _raises(PermanentError, client.ping)
    assert err.status == 302
    assert peer.requests_to("/elsewhere") == []


def test_2xx_with_non_json_body_is_permanent(client, peer):
    peer.script(
        "GET", "/health", 200, "<html>captive portal</html>", content_type="text/html"
    )
    err = _raises(PermanentError, client.ping)
    assert "not a JSON object" in err.message


def test_all_errors_share_a_base_class():
    assert issubclass(TransientError, DataPlaneError)
    assert issubclass(PermanentError, DataPlaneError)


def test_caller_session_is_used_and_not_closed(peer):
    session = requests.Session()
    client = DataPlaneClient(peer.base_url, TOKEN, tenant_id=TENANT, session=session)
    assert client.ping() == {"status": "ok"}
    client.close()
    assert session.get(peer.base_url + "/health").status_code == 401  # still usable
    assert "authorization" not in {k.lower() for k in session.headers}
    session.close()


# -- paging ---------------------------------------------------------------


def test_iter_events_three_pages(client, peer):
    pages = list(client.iter_events(limit=3, correlation_id="sync-1"))
    assert [[e["id"] for e in events] for events, _ in pages] == [
        ["evt_1", "evt_2", "evt_3"],
        ["evt_4", "evt_5", "evt_6"],
        ["evt_7"],
    ]
    assert [cursor for _, cursor in pages] == ["c3", "c6", "c7"]
    reqs = peer.requests_to("/events")
    assert [r.query for r in reqs] == [
        {"limit": "3"},
        {"limit": "3", "after": "c3"},
        {"limit": "3", "after": "c6"},
    ]
    assert {r.headers["x-correlation-id"] for r in reqs} == {"sync-1"}
    assert all("idempotency-key" not in r.headers for r in reqs)


def test_iter_events_is_lazy_and_resumable(client, peer):
    pages = client.iter_events(limit=3)
    events, cursor = next(pages)
    assert len(peer.requests_to("/events")) == 1  # nothing read ahead
    pages.close()
    # the caller committed page 1 and stored `cursor`; a later run resumes there
    rest = list(client.iter_events(after=cursor, limit=3))
    assert [e["id"] for page, _ in rest for e in page] == [
        "evt_4",
        "evt_5",
        "evt_6",
        "evt_7",
    ]


def test_iter_events_empty_feed_yields_the_cursor_back(client, peer):
    assert list(client.iter_events(after="c7")) == [([], "c7")]
    peer.script("GET", "/events", 200, {"events": [], "has_more": False})
    assert list(client.iter_events(after="c7")) == [([], "c7")]


def test_iter_events_stuck_cursor_is_permanent(client, peer):
    peer.script(
        "GET", "/events", 200, {"events": [], "next_cursor": "c1", "has_more": True}
    )
    err = _raises(PermanentError, lambda: list(client.iter_events(after="c1")))
    assert "did not advance" in err.message


@pytest.mark.parametrize(
    "page",
    [
        {"next_cursor": "c1", "has_more": False},
        {"events": {}, "has_more": False},
        {"events": [], "has_more": "yes"},
        {"events": [], "next_cursor": ["x"], "has_more": False},
    ],
)
def test_iter_events_bad_page_shapes_are_permanent(client, peer, page):
    peer.script("GET", "/events", 200, page)
    _raises(PermanentError, lambda: list(client.iter_events()))


def test_iter_events_error_mid_way_keeps_previous_pages(client, peer):
    pages = client.iter_events(limit=3)
    assert next(pages)[1] == "c3"
    peer.script("GET", "/events", 503)
    err = _raises(TransientError, next, pages)
    assert err.status == 503


def test_iter_events_limit_validation(client):
    with pytest.raises(DataPlaneConfigError):
        client.iter_events(limit=0)


def test_reconciliation_three_pages(client, peer):
    pages = list(client.iter_reconciliation_mismatches(date(2024, 5, 1)))
    assert [[m["mismatch_id"] for m in items] for items, _ in pages] == [
        ["mm_1", "mm_2"],
        ["mm_3", "mm_4"],
        ["mm_5"],
    ]
    assert [r.query for r in peer.requests_to("/reconciliation/mismatches")] == [
        {"date": DAY},
        {"date": DAY, "cursor": "c2"},
        {"date": DAY, "cursor": "c4"},
    ]
    first = pages[0][0][0]
    assert api_client.parse_amount(first["expected"]) == (Decimal("49.90"), "EUR")
    assert first["refs"]["invoice_id"] == "INV/1"


def test_reconciliation_resume_and_limit(client, peer):
    pages = list(client.iter_reconciliation_mismatches(DAY, cursor="c4", limit=10))
    assert pages == [([_mismatch(5)], "c5")]
    assert peer.requests_to("/reconciliation/mismatches")[0].query == {
        "date": DAY,
        "cursor": "c4",
        "limit": "10",
    }


def test_reconciliation_other_day_is_empty(client):
    assert list(client.iter_reconciliation_mismatches("2024-05-02")) == [([], "c0")]


@pytest.mark.parametrize("day", ["2024-5-1", "2024-02-30", "yesterday", ""])
def test_reconciliation_date_validation(client, peer, day):
    with pytest.raises(DataPlaneConfigError):
        client.iter_reconciliation_mismatches(day)
    assert peer.requests == []


@pytest.mark.parametrize(
    "money",
    [
        {"amount": 1.5},
        {"amount": "x", "currency": "EUR"},
        {"amount": "NaN", "currency": "EUR"},
        {"amount": "1", "currency": "eur"},
        "1 EUR",
    ],
)
def test_parse_amount_rejects_bad_money(money):
    with pytest.raises(ValueError):
        api_client.parse_amount(money)


def test_ping(client, peer):
    assert client.ping(correlation_id="hc-1") == {"status": "ok"}
    assert peer.requests[-1].headers["x-correlation-id"] == "hc-1"


# -- the peer's non-idempotent mode and injected faults (what the Odoo tests rely on)


@pytest.fixture
def raw_peer():
    with DataPlanePeer(token=TOKEN, idempotent=False, fault_delay=0.6) as peer:
        yield peer


def _raw_client(peer, timeout=0.3):
    return DataPlaneClient(peer.base_url, TOKEN, timeout=timeout)


def test_non_idempotent_mode_every_new_key_is_a_new_effect(raw_peer):
    client = _raw_client(raw_peer)
    payload = {"job": "PJ-1"}
    client.send_command("RetryProvisioning", payload, "k-1")
    client.send_command("RetryProvisioning", payload, "k-2")
    replay = client.send_command("RetryProvisioning", payload, "k-1")
    assert replay.already_applied and replay.http_status == 409
    assert [e.idempotency_key for e in raw_peer.effects] == ["k-1", "k-2"]


def test_idempotent_mode_same_payload_under_another_key_is_no_new_effect(peer):
    client = DataPlaneClient(peer.base_url, TOKEN, tenant_id=TENANT)
    client.send_command("ApproveOrderReview", {"order_id": "O-1"}, "k-1")
    again = client.send_command("ApproveOrderReview", {"order_id": "O-1"}, "k-2")
    assert again.http_status == 200 and again.raw["already_applied"] is True
    assert len(peer.effects_of("ApproveOrderReview")) == 1


@pytest.mark.parametrize(
    ("fault", "error", "effects"),
    [
        ("fail_before", TransientError, 0),
        ("fail_after", TransientError, 1),
        ("timeout_before", TransientError, 0),
        ("timeout_after", TransientError, 1),
    ],
)
def test_injected_faults_then_the_same_key_acts_once(raw_peer, fault, error, effects):
    client = _raw_client(raw_peer)
    raw_peer.inject(fault, command_type="RetryProvisioning")
    with pytest.raises(error):
        client.send_command("RetryProvisioning", {"job": "PJ-9"}, "key-9")
    assert len(raw_peer.effects) == effects
    result = client.send_command("RetryProvisioning", {"job": "PJ-9"}, "key-9")
    assert result.already_applied == bool(effects)
    assert len(raw_peer.effects) == 1


def test_faults_wait_for_their_command_type(raw_peer):
    client = _raw_client(raw_peer)
    raw_peer.inject("fail_before", command_type="SuspendSubscription")
    client.send_command("RetryProvisioning", {"job": "PJ-2"}, "k-a")
    with pytest.raises(TransientError):
        client.send_command("SuspendSubscription", {"s": "S-1"}, "k-b")
    with pytest.raises(ValueError, match="fault must be one of"):
        raw_peer.inject("explode")
