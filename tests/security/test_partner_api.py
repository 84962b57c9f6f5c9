"""The partner API and the webhook, attacked from outside (no Odoo login).

Partner API (``/tc/partner/jsonrpc``): parameters of the wrong JSON type answer
-32602 and store nothing; another partner's order answers exactly like an unknown
one; a review attaches only to customers of the caller; JWTs without ``exp`` or
with a foreign ``aud`` / ``iss`` are refused; calls that fail count against the
key's limit like the others. Webhook (``/tc/webhooks/events``): a delivery that is
not signed with the configured secret answers 4xx and stores nothing; one signed
delivery replayed many times at once is stored once and gets one job.
"""

import concurrent.futures
import json
import re
import time
from datetime import datetime, timezone

import pytest
import requests
from jose import jwt as jose_jwt
from sec_common import no_script
from standardwebhooks.webhooks import Webhook

RUN = "%x" % int(time.time() * 1000)
_ids = iter(range(1, 10**9))


def rpc(base, token, method, params, raw=None):
    body = (
        raw
        if raw is not None
        else json.dumps(
            {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params}
        )
    )
    response = requests.post(
        base + "/tc/partner/jsonrpc",
        data=body,
        headers={
            "Authorization": "Bearer " + token,
            "Content-Type": "application/json",
        },
        timeout=30,
    )
    return response.status_code, response.json()


def _counts(db):
    return (
        db.value("SELECT count(*) FROM helpdesk_ticket"),
        db.value("SELECT count(*) FROM tc_order_review"),
        db.value("SELECT count(*) FROM res_partner"),
    )


WRONG_TYPES = [
    ("case.open", {"subject": "sec", "kind": ["technical_fault"]}),
    ("case.open", {"subject": "sec", "kind": {"x": 1}}),
    ("case.open", {"subject": "sec", "kind": 5}),
    ("case.open", {"subject": "sec", "kind": None}),
    ("case.open", {"subject": 5}),
    ("case.open", {"subject": "sec", "description": {"html": "<b>x</b>"}}),
    ("case.open", {"subject": "sec", "refs": ["SUB-1"]}),
    ("case.open", {"subject": "sec", "refs": {"order_ref": 7}}),
    ("case.status", {"case_id": "43"}),
    ("case.status", {"case_id": True}),
    ("case.status", {"case_id": 1.5}),
    ("order.submit_for_review", {"order_id": 123, "requested_plan": "Fiber 500"}),
    ("order.submit_for_review", {"order_id": "SEC-T1", "requested_plan": ["Fiber"]}),
    (
        "order.submit_for_review",
        {"order_id": "SEC-T2", "requested_plan": "F", "reasons": "coverage"},
    ),
    (
        "order.submit_for_review",
        {"order_id": "SEC-T3", "requested_plan": "F", "reasons": [1]},
    ),
    (
        "order.submit_for_review",
        {"order_id": "SEC-T4", "requested_plan": "F", "customer": "C-1"},
    ),
    (
        "order.submit_for_review",
        {"order_id": "SEC-T5", "requested_plan": "F", "customer": {"ref": 5}},
    ),
    (
        "order.submit_for_review",
        {"order_id": "SEC-T6", "requested_plan": "F", "evidence": {"a": 1}},
    ),
    ("order.review_status", {"order_id": ["ORD-1"]}),
    ("reconciliation.mismatches", {"date": 20260501}),
    ("reconciliation.mismatches", {"state": 1}),
    ("reconciliation.mismatches", {"limit": "10"}),
    ("reconciliation.mismatches", {"offset": 1.5}),
    ("case.open", {"subject": "sec", "unknown_param": 1}),
]


@pytest.mark.parametrize(
    ("method", "params"),
    WRONG_TYPES,
    ids=[
        f"{m}-{'-'.join(f'{k}={type(v).__name__}' for k, v in p.items())}"
        for m, p in WRONG_TYPES
    ],
)
def test_partner_api_wrong_json_types(base, db, partner_keys, method, params):
    before = _counts(db)
    status, body = rpc(base, partner_keys["A"]["token"], method, params)
    assert body.get("error", {}).get("code") == -32602, (status, body)
    assert _counts(db) == before, "a refused call stored something"


@pytest.fixture(scope="module")
def a_order(base, partner_keys, db):
    order = f"SEC-ORD-A-{RUN}"
    status, body = rpc(
        base,
        partner_keys["A"]["token"],
        "order.submit_for_review",
        {
            "order_id": order,
            "requested_plan": "Fiber 500",
            "reasons": ["coverage"],
            "customer": {"ref": f"SEC-CUST-A-{RUN}", "name": "Customer of A"},
        },
    )
    assert status == 200 and "result" in body, body
    review = db.one("SELECT * FROM tc_order_review WHERE order_ref = %s", (order,))
    assert review
    return order, review


def test_partner_api_other_partners_order_status_is_unknown(
    base, partner_keys, a_order
):
    order, _review = a_order
    token = partner_keys["B"]["token"]
    _s1, theirs = rpc(base, token, "order.review_status", {"order_id": order})
    _s2, unknown = rpc(
        base, token, "order.review_status", {"order_id": f"SEC-NONE-{RUN}"}
    )
    assert theirs.get("error") == unknown.get("error") and "error" in theirs, (
        theirs,
        unknown,
    )


def test_partner_api_other_partners_order_submit_reveals_nothing(
    base, db, partner_keys, a_order
):
    """B submits A's order id: the answer must not tell that A's order is under
    review, and A's review stays A's."""
    order, review = a_order
    _s, body = rpc(
        base,
        partner_keys["B"]["token"],
        "order.submit_for_review",
        {"order_id": order, "requested_plan": "Fiber 100"},
    )
    text = json.dumps(body)
    assert "already" not in text.lower(), body
    assert review["name"] not in text, body
    after = db.one("SELECT * FROM tc_order_review WHERE id = %s", (review["id"],))
    assert (
        after["tc_api_partner_id"]
        == review["tc_api_partner_id"]
        == partner_keys["A"]["partner"]
    )
    assert after["requested_plan"] == review["requested_plan"]


def test_partner_api_review_attaches_only_to_own_customers(
    base, db, partner_keys, a_order
):
    """B names A's customer (by ref) on a new order: the review must not be
    attached to A's customer record."""
    _order, review = a_order
    order_b = f"SEC-ORD-B-{RUN}"
    rpc(
        base,
        partner_keys["B"]["token"],
        "order.submit_for_review",
        {
            "order_id": order_b,
            "requested_plan": "Fiber 500",
            "customer": {"ref": f"SEC-CUST-A-{RUN}", "name": "Customer of A"},
        },
    )
    b_review = db.one("SELECT * FROM tc_order_review WHERE order_ref = %s", (order_b,))
    if b_review:
        assert b_review["partner_id"] != review["partner_id"], (
            "B's review sits on A's customer"
        )


def test_partner_api_other_partners_case_is_unknown(base, db, partner_keys):
    _s, opened = rpc(
        base,
        partner_keys["A"]["token"],
        "case.open",
        {"subject": f"sec {RUN}", "kind": "technical_fault"},
    )
    case_id = opened["result"]["case_id"]
    token = partner_keys["B"]["token"]
    _s1, theirs = rpc(base, token, "case.status", {"case_id": case_id})
    unknown_id = db.value("SELECT max(id) + 100000 FROM helpdesk_ticket")
    _s2, unknown = rpc(base, token, "case.status", {"case_id": unknown_id})
    assert "error" in theirs and theirs["error"] == unknown["error"], (theirs, unknown)


def test_partner_api_case_description_is_sanitised(base, db, partner_keys):
    _s, opened = rpc(
        base,
        partner_keys["A"]["token"],
        "case.open",
        {
            "subject": f"sec xss {RUN}",
            "description": "<img src=x onerror=alert(1)><script>alert(2)</script>",
        },
    )
    if "result" not in opened:
        return
    description = db.value(
        "SELECT description FROM helpdesk_ticket WHERE id = %s",
        (opened["result"]["case_id"],),
    )
    assert no_script(description), description


# -- JWT ---------------------------------------------------------------------------------
def _jwt(server, partner_ref, **overrides):
    now = int(time.time())
    claims = {
        "iss": server.jwt["issuer"],
        "aud": server.jwt["audience"],
        "sub": partner_ref,
        "tc_partner_ref": partner_ref,
        "scope": "orders cases reconciliation",
        "iat": now,
        "nbf": now - 5,
        "exp": now + 300,
    }
    for key, value in overrides.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    return jose_jwt.encode(
        claims, server.jwt["key"], algorithm="RS256", headers={"kid": server.jwt["kid"]}
    )


def _jwt_call(server, token):
    return rpc(server.base, token, "reconciliation.mismatches", {})


def test_partner_jwt_valid_token_is_accepted(server, partner_keys):
    """The control: a well-formed token of the configured gateway works, so the
    refusals below are about the claim under test."""
    status, body = _jwt_call(server, _jwt(server, partner_keys["A"]["ref"]))
    assert status == 200 and "result" in body, body


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": None},
        {"aud": "someone-else"},
        {"iss": "https://evil.example/"},
        {"exp": int(time.time()) - 3600},
        {"aud": None},
        {"iss": None},
    ],
    ids=["no-exp", "foreign-aud", "foreign-iss", "expired", "no-aud", "no-iss"],
)
def test_partner_jwt_refused(server, partner_keys, claims):
    status, body = _jwt_call(server, _jwt(server, partner_keys["A"]["ref"], **claims))
    assert status == 401 and body.get("error", {}).get("code") == -32001, (status, body)


def test_partner_jwt_unsigned_refused(server, partner_keys):
    token = jose_jwt.encode(
        {
            "iss": server.jwt["issuer"],
            "aud": server.jwt["audience"],
            "tc_partner_ref": partner_keys["A"]["ref"],
            "exp": int(time.time()) + 300,
        },
        "not-the-gateway-key",
        algorithm="HS256",
    )
    status, body = _jwt_call(server, token)
    assert status == 401, (status, body)


# -- webhook -----------------------------------------------------------------------------
def _delivery(secret, event_id, tamper=None):
    payload = {
        "id": event_id,
        "type": "SecPing",
        "correlation_id": f"c-{event_id}",
        "data": {"sec": RUN},
    }
    body = json.dumps(payload)
    msg_id = "msg_" + event_id
    now = datetime.now(tz=timezone.utc)
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, now, body),
    }
    if tamper == "body":
        body = body.replace("SecPing", "OrderNeedsReview")
    elif tamper == "signature":
        headers["webhook-signature"] = "v1," + "A" * 43 + "="
    elif tamper == "no-signature":
        headers.pop("webhook-signature")
    elif tamper == "stale":
        old = datetime.fromtimestamp(now.timestamp() - 3600, tz=timezone.utc)
        headers["webhook-timestamp"] = str(int(old.timestamp()))
        headers["webhook-signature"] = Webhook(secret).sign(msg_id, old, body)
    elif tamper == "other-secret":
        headers["webhook-signature"] = Webhook(
            "whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldCE="
        ).sign(msg_id, now, body)
    return body, headers


@pytest.mark.parametrize(
    "tamper", ["signature", "no-signature", "body", "stale", "other-secret"]
)
def test_webhook_unsigned_delivery_stores_nothing(server, db, tamper):
    event_id = f"sec-{RUN}-{tamper}"
    body, headers = _delivery(server.secret, event_id, tamper)
    response = requests.post(
        server.base + "/tc/webhooks/events", data=body, headers=headers, timeout=30
    )
    assert 400 <= response.status_code < 500, response.status_code
    assert (
        db.value("SELECT count(*) FROM tc_event WHERE event_id = %s", (event_id,)) == 0
    )


def test_webhook_signed_delivery_is_stored(server, db):
    """The control for the refusals above."""
    event_id = f"sec-{RUN}-signed"
    body, headers = _delivery(server.secret, event_id)
    response = requests.post(
        server.base + "/tc/webhooks/events", data=body, headers=headers, timeout=30
    )
    assert response.status_code in (200, 202), response.text
    assert (
        db.value("SELECT count(*) FROM tc_event WHERE event_id = %s", (event_id,)) == 1
    )


def test_partner_jwt_rate_limit_holds_across_workers(server, partner_keys):
    """121 JWT calls of one partner within one minute, from 4 senders over both
    HTTP workers: a limit counted per worker lets up to 120 through, the database
    limit (60 per minute and partner) no more than 60."""
    if time.time() % 60 > 45:  # keep the burst inside one minute window
        time.sleep(61 - time.time() % 60)
    token = _jwt(server, partner_keys["B"]["ref"])

    def call(_n):
        return requests.post(
            server.base + "/tc/partner/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "id": 1,
                "method": "reconciliation.mismatches",
                "params": {},
            },
            headers={"Authorization": "Bearer " + token},
            timeout=30,
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(call, range(121)))
    assert statuses.count(200) <= 60, {s: statuses.count(s) for s in set(statuses)}
    assert statuses.count(429) >= 61


def test_partner_key_failing_calls_still_count(admin, db):
    """A partner cannot spend unlimited calls by making them fail: wrong parameter
    types (-32602) and unknown methods count against the key's limit (the count
    is committed before the call runs), so once the limit is spent a valid call
    answers 429."""
    partner = admin.call(
        "res.partner",
        "create",
        {"name": f"Sec limited {RUN}", "is_company": True, "ref": f"SEC-L-{RUN}"},
    )
    key = admin.call(
        "tc.partner.api.key",
        "create",
        {"name": "sec limited", "partner_id": partner, "rate_limit": 4},
    )
    shown = admin.call("tc.partner.api.key", "action_generate", [key])
    token = re.search(r"tcp_[A-Za-z0-9]+_[A-Za-z0-9_-]+", str(shown)).group(0)
    base = admin.base
    if time.time() % 60 > 50:  # the calls inside one rate window
        time.sleep(61 - time.time() % 60)
    failing = [
        rpc(base, token, "case.status", {"case_id": "43"}),
        rpc(base, token, "no.such.method", {}),
        rpc(base, token, "reconciliation.mismatches", {"limit": "10"}),
        rpc(base, token, "case.open", {"subject": "sec", "unknown_param": 1}),
    ]
    assert [body["error"]["code"] for _status, body in failing] == [
        -32602,
        -32601,
        -32602,
        -32602,
    ], failing
    status, body = rpc(base, token, "reconciliation.mismatches", {})
    assert status == 429 and "result" not in body, (status, body)
    assert (
        db.value("SELECT rate_count FROM tc_partner_api_key WHERE id = %s", (key,)) == 5
    )


def test_webhook_replayed_at_once_is_stored_once_with_one_job(server, db):
    """The same signed delivery sent 12 times at once through nginx (both web
    nodes): one row, answered 202 once and 200 for the rest; the jobs node's
    event dispatcher then queues exactly one job for it."""
    event_id = f"sec-{RUN}-replayed"
    body, headers = _delivery(server.secret, event_id)

    def send(_n):
        return requests.post(
            server.base + "/tc/webhooks/events", data=body, headers=headers, timeout=30
        ).status_code

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        statuses = sorted(pool.map(send, range(12)))
    assert statuses == [200] * 11 + [202], statuses
    row = "SELECT id, awaiting_job FROM tc_event WHERE event_id = %s"
    assert (
        db.value("SELECT count(*) FROM tc_event WHERE event_id = %s", (event_id,)) == 1
    )
    deadline = time.monotonic() + 120
    while db.all(row, (event_id,))[0]["awaiting_job"] and time.monotonic() < deadline:
        time.sleep(0.5)
    stored = db.all(row, (event_id,))[0]
    assert not stored["awaiting_job"], "the dispatcher did not queue it"
    assert (
        db.value(
            "SELECT count(*) FROM queue_job WHERE identity_key = %s",
            (f"tc.event:{stored['id']}",),
        )
        == 1
    )
