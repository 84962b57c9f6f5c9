"""The seven attacks of issue 17 and their variants, over HTTP as the demo roles.

Each test does what an attacker with that login does from a browser console or plain
HTTP (``/web/dataset/call_kw``, ``/mail/message/post``, portal routes,
``/web/content``), then reads PostgreSQL: the secure outcome is a database state
(no follower row, a sanitised body, all tiers, unchanged rows), not an HTTP status.
"""

import base64
import json
import re
import time

import pytest
from sec_common import CRAFTED_CONTEXT, LOGINS, no_script

CONTEXTS = {"crafted": CRAFTED_CONTEXT, "plain": None}
RUN = "%x" % int(time.time() * 1000)


def user_partner(db, role):
    return db.value(
        "SELECT partner_id FROM res_users WHERE login = %s", (LOGINS[role],)
    )


# --------------------------------------------------------------------------------------
# 1. following another customer's case (mail.followers.create, tc_bulk_followers)
# --------------------------------------------------------------------------------------
def _followers(db, case_id, partner_id):
    return db.value(
        "SELECT count(*) FROM mail_followers WHERE res_model = 'helpdesk.ticket'"
        " AND res_id = %s AND partner_id = %s",
        (case_id, partner_id),
    )


@pytest.mark.parametrize("ctx", CONTEXTS)
@pytest.mark.parametrize("role", ["portal", "technician"])
def test_1_follow_another_customers_case(clients, db, other_case, role, ctx):
    client = clients(role)
    partner = user_partner(db, role)
    assert _followers(db, other_case["id"], partner) == 0
    try:
        client.try_call(
            "mail.followers",
            "create",
            [
                {
                    "res_model": "helpdesk.ticket",
                    "res_id": other_case["id"],
                    "partner_id": partner,
                }
            ],
            context=CONTEXTS[ctx],
        )
        assert _followers(db, other_case["id"], partner) == 0, (
            f"{role} made themselves follower of case {other_case['id']}"
        )
        page = client.get(f"/my/ticket/{other_case['id']}")
        assert page.status_code in (403, 404) or (
            page.is_redirect
            and f"/my/ticket/{other_case['id']}" not in page.headers.get("Location", "")
        ), f"/my/ticket/{other_case['id']} answered {page.status_code} to {role}"
    finally:
        db.all(
            "DELETE FROM mail_followers WHERE res_model = 'helpdesk.ticket'"
            " AND res_id = %s AND partner_id = %s RETURNING id",
            (other_case["id"], partner),
        )


@pytest.mark.parametrize("role", ["portal", "technician"])
def test_1_subscribe_to_another_customers_case(clients, db, other_case, role):
    """message_subscribe on a case the user may not read adds no follower."""
    client = clients(role)
    partner = user_partner(db, role)
    try:
        client.try_call(
            "helpdesk.ticket",
            "message_subscribe",
            [other_case["id"]],
            partner_ids=[partner],
            context=CRAFTED_CONTEXT,
        )
        assert _followers(db, other_case["id"], partner) == 0
    finally:
        db.all(
            "DELETE FROM mail_followers WHERE res_model = 'helpdesk.ticket'"
            " AND res_id = %s AND partner_id = %s RETURNING id",
            (other_case["id"], partner),
        )


def test_1_portal_subscribes_someone_else_to_own_case(clients, db, own_case):
    """A follower row for another partner (an agent) cannot be written by a
    customer: the bulk path writes whatever partner it is given."""
    client = clients("portal")
    victim = user_partner(db, "supervisor")
    before = _followers(db, own_case["id"], victim)
    try:
        client.try_call(
            "mail.followers",
            "create",
            [
                {
                    "res_model": "helpdesk.ticket",
                    "res_id": own_case["id"],
                    "partner_id": victim,
                }
            ],
            context=CRAFTED_CONTEXT,
        )
        assert _followers(db, own_case["id"], victim) == before
    finally:
        if not before:
            db.all(
                "DELETE FROM mail_followers WHERE res_model = 'helpdesk.ticket'"
                " AND res_id = %s AND partner_id = %s RETURNING id",
                (own_case["id"], victim),
            )


# --------------------------------------------------------------------------------------
# 2. stored script in the chatter (/mail/message/post, tc_bulk_notes)
# --------------------------------------------------------------------------------------
SCRIPT = '<img src=x onerror=alert(1)><a href="javascript:alert(2)">x</a><script>alert(3)</script>'


def _new_bodies(db, case_id, after_id):
    return [
        row["body"]
        for row in db.all(
            "SELECT body FROM mail_message WHERE model = 'helpdesk.ticket'"
            " AND res_id = %s AND id > %s",
            (case_id, after_id),
        )
    ]


def _last_message(db):
    return db.value("SELECT coalesce(max(id), 0) FROM mail_message")


@pytest.mark.parametrize("subtype", ["mail.mt_note", "mail.mt_comment"])
@pytest.mark.parametrize("role", ["portal", "agent"])
def test_2_script_posted_through_mail_message_post(
    clients, db, own_case, role, subtype
):
    case_id = own_case["id"]
    last = _last_message(db)
    response = clients(role).json_raw(
        "/mail/message/post",
        {
            "thread_model": "helpdesk.ticket",
            "thread_id": case_id,
            "post_data": {
                "body": SCRIPT,
                "message_type": "comment",
                "subtype_xmlid": subtype,
            },
            "context": CRAFTED_CONTEXT,
        },
    )
    bodies = _new_bodies(db, case_id, last)
    assert all(no_script(body) for body in bodies), bodies
    assert response.status_code < 500, response.text[:500]


@pytest.mark.parametrize("role", ["portal", "agent"])
def test_2_script_posted_through_call_kw_message_post(clients, db, own_case, role):
    case_id = own_case["id"]
    last = _last_message(db)
    clients(role).try_call(
        "helpdesk.ticket",
        "message_post",
        [case_id],
        body=SCRIPT,
        message_type="comment",
        subtype_xmlid="mail.mt_note",
        context=CRAFTED_CONTEXT,
    )
    bodies = _new_bodies(db, case_id, last)
    assert all(no_script(body) for body in bodies), bodies


def test_2_portal_cannot_post_on_another_customers_case(clients, db, other_case):
    last = _last_message(db)
    clients("portal").json_raw(
        "/mail/message/post",
        {
            "thread_model": "helpdesk.ticket",
            "thread_id": other_case["id"],
            "post_data": {
                "body": "sec: not yours",
                "message_type": "comment",
                "subtype_xmlid": "mail.mt_comment",
            },
            "context": CRAFTED_CONTEXT,
        },
    )
    assert _new_bodies(db, other_case["id"], last) == []


# --------------------------------------------------------------------------------------
# 3. the maker skips the finance and manager tiers (amount_company)
# --------------------------------------------------------------------------------------
def _tier_definitions(db, request_id):
    return {
        row["definition_id"]
        for row in db.all(
            "SELECT definition_id FROM tier_review WHERE model = 'tc.adjustment.request'"
            " AND res_id = %s",
            (request_id,),
        )
    }


def _all_tiers(db):
    return {
        row["id"]
        for row in db.all(
            "SELECT d.id FROM tier_definition d WHERE d.model = 'tc.adjustment.request'"
            " AND d.active"
        )
    }


def _refund_draft(client, db, **extra):
    vals = {
        "kind": "refund",
        "amount": 10000,
        "reason": f"sec {RUN}: refund of a year",
        "partner_id": db.value(
            "SELECT partner_id FROM helpdesk_ticket WHERE partner_id IS NOT NULL ORDER BY id LIMIT 1"
        ),
    }
    vals.update(extra)
    return client.try_call(
        "tc.adjustment.request", "create", vals, context=CRAFTED_CONTEXT
    )


@pytest.mark.parametrize("path", ["write", "create", "default_context"])
def test_3_maker_lowers_the_compared_amount(clients, db, path):
    agent = clients("agent")
    if path == "write":
        request_id, err = _refund_draft(agent, db)
        assert request_id, f"the agent could not make a refund draft: {err}"
        agent.try_call(
            "tc.adjustment.request",
            "write",
            [request_id],
            {"amount_company": 1},
            context=CRAFTED_CONTEXT,
        )
    elif path == "create":
        request_id, _err = _refund_draft(agent, db, amount_company=1)
    else:
        request_id, _err = agent.try_call(
            "tc.adjustment.request",
            "create",
            {"kind": "refund", "amount": 10000, "reason": f"sec {RUN}: default"},
            context=dict(CRAFTED_CONTEXT, default_amount_company=1),
        )
    if not request_id:
        return  # refused outright: nothing to submit
    agent.try_call(
        "tc.adjustment.request", "action_submit", [request_id], context=CRAFTED_CONTEXT
    )
    row = db.row("tc_adjustment_request", request_id)
    assert float(row["amount_company"] or 0) == pytest.approx(10000), row[
        "amount_company"
    ]
    tiers = _tier_definitions(db, request_id)
    assert tiers == _all_tiers(db), (
        f"{row['state']}: tiers {sorted(tiers)} of {sorted(_all_tiers(db))}"
    )


# --------------------------------------------------------------------------------------
# 4. a supervisor makes themselves reviewer of a later tier
# --------------------------------------------------------------------------------------
def _waiting_review(db):
    row = db.one(
        "SELECT r.id, r.res_id FROM tier_review r WHERE r.model = 'tc.adjustment.request'"
        " AND r.status IN ('waiting', 'pending') AND r.sequence > 1 ORDER BY r.id LIMIT 1"
    )
    if not row:
        pytest.fail("demo data has no waiting tier review of an adjustment request")
    return row


def _reviewers(db, review_id):
    return sorted(
        r["res_users_id"]
        for r in db.all(
            "SELECT res_users_id FROM res_users_tier_review_rel WHERE tier_review_id = %s",
            (review_id,),
        )
    )


@pytest.mark.parametrize(
    "vals",
    [
        {"reviewer_ids": "ADD_ME"},
        {"reviewer_ids": "SET_ME"},
        {"status": "approved", "done_by": "ME"},
        {"sequence": 1},
    ],
    ids=["add-reviewer", "set-reviewer", "approve", "resequence"],
)
def test_4_supervisor_writes_a_tier_review(clients, db, vals):
    client = clients("supervisor")
    review = _waiting_review(db)
    before = db.row("tier_review", review["id"])
    reviewers = _reviewers(db, review["id"])
    me = client.uid
    concrete = {}
    for key, value in vals.items():
        concrete[key] = (
            {
                "ADD_ME": [(4, me)],
                "SET_ME": [(6, 0, [me])],
                "ME": me,
            }.get(value, value)
            if isinstance(value, str)
            else value
        )
    client.try_call(
        "tier.review", "write", [review["id"]], concrete, context=CRAFTED_CONTEXT
    )
    assert _reviewers(db, review["id"]) == reviewers
    assert db.row("tier_review", review["id"]) == before


def test_4_supervisor_creates_a_tier_review(clients, db):
    client = clients("supervisor")
    review = _waiting_review(db)
    count = db.value("SELECT count(*) FROM tier_review")
    client.try_call(
        "tier.review",
        "create",
        {
            "model": "tc.adjustment.request",
            "res_id": review["res_id"],
            "definition_id": db.value(
                "SELECT definition_id FROM tier_review WHERE id = %s", (review["id"],)
            ),
            "status": "approved",
            "done_by": client.uid,
        },
        context=CRAFTED_CONTEXT,
    )
    assert db.value("SELECT count(*) FROM tier_review") == count


def test_4_supervisor_deletes_a_tier_review(clients, db):
    review = _waiting_review(db)
    clients("supervisor").try_call(
        "tier.review", "unlink", [review["id"]], context=CRAFTED_CONTEXT
    )
    assert db.row("tier_review", review["id"]) is not None


def test_4_maker_cannot_approve_own_request(clients, db):
    """The agent who made a request awaiting approval presses Approve."""
    request_id = db.value(
        "SELECT r.id FROM tc_adjustment_request r JOIN res_users u ON u.id = r.maker_id"
        " WHERE u.login = %s AND r.state = 'to_approve' ORDER BY r.id LIMIT 1",
        (LOGINS["agent"],),
    )
    if not request_id:
        pytest.fail("demo data has no request of the agent awaiting approval")
    before = db.all(
        "SELECT id, status, done_by FROM tier_review WHERE model = 'tc.adjustment.request'"
        " AND res_id = %s ORDER BY id",
        (request_id,),
    )
    clients("agent").try_call(
        "tc.adjustment.request", "validate_tier", [request_id], context=CRAFTED_CONTEXT
    )
    after = db.all(
        "SELECT id, status, done_by FROM tier_review WHERE model = 'tc.adjustment.request'"
        " AND res_id = %s ORDER BY id",
        (request_id,),
    )
    assert after == before


def _suspension_state(db, request_id):
    return (
        db.value(
            "SELECT state FROM tc_subscription_request WHERE id = %s", (request_id,)
        ),
        db.all(
            "SELECT id, status, done_by, reviewed_date FROM tier_review"
            " WHERE model = 'tc.subscription.request' AND res_id = %s ORDER BY id",
            (request_id,),
        ),
        db.value(
            "SELECT count(*) FROM tc_command WHERE res_model = 'tc.subscription.request'"
            " AND res_id = %s",
            (request_id,),
        ),
    )


@pytest.mark.parametrize("maker", ["supervisor", "manager"])
def test_4_maker_cannot_approve_own_suspension(clients, db, maker):
    """A supervisor (or manager) asks to suspend a service, then approves it
    themselves by every path a browser reaches: the button, OCA's comment wizard
    (naming the step), the step itself, the state, OCA's validation methods, a
    command written by hand. Nothing moves and nothing is sent; then another person
    approves it and the command is queued (the path works for a checker)."""
    client = clients(maker)
    case = db.one(
        "SELECT id, tc_subscription_ref FROM helpdesk_ticket ORDER BY id LIMIT 1"
    )
    request_id, error = client.try_call(
        "tc.subscription.request",
        "create",
        {
            "action": "suspend",
            "subscription_ref": case["tc_subscription_ref"] or f"SUB-SEC-{RUN}",
            "reason": "fraud_review",
            "note": "sec: suspend and approve it myself",
            "ticket_id": case["id"],
        },
        context=CRAFTED_CONTEXT,
    )
    assert not error, error
    _result, error = client.try_call(
        "tc.subscription.request",
        "action_submit",
        [request_id],
        context=CRAFTED_CONTEXT,
    )
    assert not error, error
    before = _suspension_state(db, request_id)
    assert before[0] == "to_approve" and before[1] and before[2] == 0
    review_ids = [row["id"] for row in before[1]]
    attempts = [
        ("tc.subscription.request", "validate_tier", [[request_id]], {}),
        ("tc.subscription.request", "_validate_tier", [[request_id]], {}),
        ("tc.subscription.request", "request_validation", [[request_id]], {}),
        ("tc.subscription.request", "restart_validation", [[request_id]], {}),
        ("tc.subscription.request", "write", [[request_id], {"state": "approved"}], {}),
        (
            "tc.subscription.request",
            "write",
            [[request_id], {"validation_status": "validated"}],
            {},
        ),
        (
            "tier.review",
            "write",
            [review_ids, {"status": "approved", "done_by": client.uid}],
            {},
        ),
        (
            "tc.command",
            "create",
            [
                {
                    "name": "SuspendSubscription",
                    "payload": "{}",
                    "res_model": "tc.subscription.request",
                    "res_id": request_id,
                }
            ],
            {},
        ),
    ]
    for model, method, args, kwargs in attempts:
        client.try_call(model, method, *args, context=CRAFTED_CONTEXT, **kwargs)
        assert _suspension_state(db, request_id) == before, (model, method)
    # OCA's comment wizard, filled in by hand with the maker's own step
    wizard_id, _error = client.try_call(
        "comment.wizard",
        "create",
        {
            "res_model": "tc.subscription.request",
            "res_id": request_id,
            "review_ids": [(6, 0, review_ids)],
            "validate_reject": "validate",
            "comment": "approving my own",
        },
        context=CRAFTED_CONTEXT,
    )
    if wizard_id:
        client.try_call(
            "comment.wizard", "add_comment", [wizard_id], context=CRAFTED_CONTEXT
        )
    assert _suspension_state(db, request_id) == before
    # a checker (a person who is not the maker) approves: the path itself works
    checker = clients("manager" if maker == "supervisor" else "supervisor")
    action = checker.call(
        "tc.subscription.request", "validate_tier", [request_id], context={}
    )
    defaults = {
        key[len("default_") :]: value
        for key, value in action["context"].items()
        if key.startswith("default_")
    }
    wizard_id = checker.call(
        "comment.wizard",
        "create",
        dict(defaults, comment="checked the evidence"),
        context=action["context"],
    )
    answer = checker.json_raw(
        "/web/dataset/call_kw/comment.wizard/add_comment",
        {
            "model": "comment.wizard",
            "method": "add_comment",
            "args": [[wizard_id]],
            "kwargs": {},
        },
    ).json()
    assert "error" not in answer, answer
    state, reviews, commands = _suspension_state(db, request_id)
    assert state == "approved"
    assert all(row["status"] == "approved" for row in reviews)
    assert {row["done_by"] for row in reviews} == {checker.uid}
    assert commands == 1


# --------------------------------------------------------------------------------------
# 5. a supervisor rewrites an outbound command and an inbound event, then retries
# --------------------------------------------------------------------------------------
COMMAND_VALS = {
    "payload": json.dumps({"amount": "99999.00", "sec": RUN}),
    "idempotency_key": f"sec-{RUN}",
    "state": "pending",
    "name": "PostAdjustment",
}
EVENT_VALS = {
    "event_type": "RefundPosted",
    "state": "done",
    "payload": json.dumps({"sec": RUN}),
    "event_id": f"sec-{RUN}",
}


@pytest.mark.parametrize("field", sorted(COMMAND_VALS))
def test_5_supervisor_rewrites_a_command(clients, db, field):
    command = db.one("SELECT id FROM tc_command ORDER BY id LIMIT 1")
    if not command:
        pytest.fail("demo data has no tc.command")
    client = clients("supervisor")
    before = db.row("tc_command", command["id"])
    value = COMMAND_VALS[field]
    if field == "name":
        value = "Sec" + RUN
    client.try_call(
        "tc.command", "write", [command["id"]], {field: value}, context=CRAFTED_CONTEXT
    )
    assert db.row("tc_command", command["id"]) == before
    client.try_call(
        "tc.command", "action_retry", [command["id"]], context=CRAFTED_CONTEXT
    )
    after = db.row("tc_command", command["id"])
    for name in ("payload", "idempotency_key", "name", "res_model", "res_id"):
        assert after[name] == before[name], name


@pytest.mark.parametrize("field", sorted(EVENT_VALS))
def test_5_supervisor_rewrites_an_event(clients, db, field):
    event = db.one(
        "SELECT id, event_type FROM tc_event WHERE event_id NOT LIKE 'live-%%' ORDER BY id LIMIT 1"
    )
    if not event:
        pytest.fail("demo data has no tc.event")
    client = clients("supervisor")
    before = db.row("tc_event", event["id"])
    value = EVENT_VALS[field]
    if field == "event_type":
        value = (
            "OrderNeedsReview"
            if before["event_type"] != "OrderNeedsReview"
            else "RefundPosted"
        )
    client.try_call(
        "tc.event", "write", [event["id"]], {field: value}, context=CRAFTED_CONTEXT
    )
    assert db.row("tc_event", event["id"]) == before
    client.try_call("tc.event", "action_retry", [event["id"]], context=CRAFTED_CONTEXT)
    after = db.row("tc_event", event["id"])
    for name in ("payload", "event_type", "event_id", "source"):
        assert after[name] == before[name], name


@pytest.mark.parametrize("model", ["tc.command", "tc.event"])
def test_5_supervisor_creates_or_deletes_system_records(clients, db, model):
    table = model.replace(".", "_")
    client = clients("supervisor")
    count = db.value(f"SELECT count(*) FROM {table}")  # noqa: S608
    vals = (
        {"name": "PostAdjustment", "idempotency_key": f"sec-new-{RUN}", "payload": "{}"}
        if model == "tc.command"
        else {
            "event_id": f"sec-new-{RUN}",
            "event_type": "RefundPosted",
            "source": "webhook",
            "payload": "{}",
        }
    )
    client.try_call(model, "create", vals, context=CRAFTED_CONTEXT)
    assert db.value(f"SELECT count(*) FROM {table}") == count  # noqa: S608
    first = db.value(f"SELECT min(id) FROM {table}")  # noqa: S608
    client.try_call(model, "unlink", [first], context=CRAFTED_CONTEXT)
    assert db.row(table, first) is not None


# --------------------------------------------------------------------------------------
# 6. re-pointing a device that has an SNMP credential
# --------------------------------------------------------------------------------------
def _device_with_credential(db):
    row = db.one(
        "SELECT id FROM tc_equipment WHERE snmp_credential_id IS NOT NULL ORDER BY id LIMIT 1"
    )
    if not row:
        pytest.fail("demo data has no device with an SNMP credential")
    return row["id"]


DEVICE_VALS = {
    "mgmt_host": "203.0.113.66",
    "ip_address": "203.0.113.67",
    "acs_device_id": f"SEC-{RUN}",
    "snmp_credential_id": False,
}


@pytest.mark.parametrize("field", sorted(DEVICE_VALS))
@pytest.mark.parametrize("role", ["agent", "supervisor", "dispatcher", "reviewer"])
def test_6_repoint_a_device(clients, db, role, field):
    device = _device_with_credential(db)
    before = db.row("tc_equipment", device)
    clients(role).try_call(
        "tc.equipment",
        "write",
        [device],
        {field: DEVICE_VALS[field]},
        context=CRAFTED_CONTEXT,
    )
    after = db.row("tc_equipment", device)
    assert after[field] == before[field], (
        f"{role} changed {field}: {before[field]!r} -> {after[field]!r}"
    )


@pytest.mark.parametrize(
    "role", ["agent", "supervisor", "dispatcher", "reviewer", "manager"]
)
def test_6_olt_reachability_and_onu_profile(clients, db, role):
    """Marking an OLT unreachable freezes its ONTs' health, clearing the mark closes
    its NOC case: the health check's alone, for every role. How the OLT's ONU tables
    are read (ONU profile, daily discovery) is a network manager's (manager)."""
    olt = db.value("SELECT min(id) FROM tc_equipment WHERE kind = 'olt'")
    profile = db.value("SELECT max(id) FROM tc_snmp_profile")
    attempts = [{"olt_unreachable_since": "2026-01-01 00:00:00"}]
    if role != "manager":
        attempts += [{"onu_profile_id": profile}, {"ont_discovery_scheduled": True}]
    for vals in attempts:
        before = db.row("tc_equipment", olt)
        clients(role).try_call(
            "tc.equipment", "write", [olt], vals, context=CRAFTED_CONTEXT
        )
        assert db.row("tc_equipment", olt) == before, f"{role} wrote {vals}"


@pytest.mark.parametrize(
    "method",
    [
        "_cron_poll_network",
        "_tc_track_health",
        "_tc_olt_reachable",
        "_tc_olt_unreachable",
        "_tc_discover_onts",
    ],
)
@pytest.mark.parametrize("role", ["dispatcher", "agent", "manager"])
def test_6_poll_internals_with_a_crafted_context(clients, db, role, method):
    """The poll and its bookkeeping run from the cron only: over RPC, with every
    context key (tracking_disable, mail_notrack ...), no role reaches them, and
    neither the OLT, its NOC cases nor the devices' health history change."""
    olt = db.value("SELECT min(id) FROM tc_equipment WHERE kind = 'olt'")
    before = db.row("tc_equipment", olt)
    notes = db.value("SELECT count(*) FROM mail_message WHERE model = 'tc.equipment'")
    cases = db.value("SELECT count(*) FROM helpdesk_ticket")
    _result, error = clients(role).try_call(
        "tc.equipment", method, [olt], context=CRAFTED_CONTEXT
    )
    assert error, f"{role} called tc.equipment.{method}"
    assert db.row("tc_equipment", olt) == before
    assert (
        db.value("SELECT count(*) FROM mail_message WHERE model = 'tc.equipment'")
        == notes
    )
    assert db.value("SELECT count(*) FROM helpdesk_ticket") == cases


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_6_create_a_device_pointing_at_a_credential(clients, db, role):
    """A new device aimed at another host with an existing credential: the same
    leak as re-pointing one."""
    credential = db.value("SELECT min(id) FROM tc_snmp_credential")
    count = db.value(
        "SELECT count(*) FROM tc_equipment WHERE mgmt_host = '203.0.113.68'"
    )
    clients(role).try_call(
        "tc.equipment",
        "create",
        {
            "vendor": "huawei",
            "kind": "olt",
            "serial": f"SEC{RUN}",
            "mgmt_host": "203.0.113.68",
            "snmp_credential_id": credential,
        },
        context=CRAFTED_CONTEXT,
    )
    assert (
        db.value("SELECT count(*) FROM tc_equipment WHERE mgmt_host = '203.0.113.68'")
        == count
    )


@pytest.mark.parametrize(
    "role", ["agent", "supervisor", "dispatcher", "manager", "reviewer"]
)
def test_6_credential_secrets_never_leave_the_server(clients, db, role):
    secrets = [
        v
        for row in db.all(
            "SELECT community, auth_key, priv_key FROM tc_snmp_credential"
        )
        for v in row.values()
        if v
    ]
    assert secrets, "demo data has no SNMP secret"
    client = clients(role)
    ids = [r["id"] for r in db.all("SELECT id FROM tc_snmp_credential")]
    texts = []
    for method, args, kwargs in (
        ("read", [ids, ["community", "auth_key", "priv_key"]], {}),
        ("search_read", [[]], {"fields": ["community", "auth_key", "priv_key"]}),
        ("export_data", [ids, ["community", "auth_key", "priv_key"]], {}),
        (
            "web_read",
            [ids],
            {"specification": {"community": {}, "auth_key": {}, "priv_key": {}}},
        ),
    ):
        result, error = client.try_call(
            "tc.snmp.credential", method, *args, context=CRAFTED_CONTEXT, **kwargs
        )
        texts.append(json.dumps(result) + str(error))
    leaked = [s for s in secrets if any(s in text for text in texts)]
    assert not leaked, f"{role} read SNMP secrets over RPC"


# --------------------------------------------------------------------------------------
# 7. deployment settings
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "role", ["portal", "technician", "agent", "supervisor", "manager", "finance"]
)
def test_7_settings_get(clients, server, role):
    client = clients(role)
    response = client.json_raw(
        "/web/dataset/call_kw/tc.settings/get",
        {
            "model": "tc.settings",
            "method": "get",
            "args": [],
            "kwargs": {"context": CRAFTED_CONTEXT},
        },
    )
    secret_part = server.secret.split("_", 1)[1]
    assert secret_part not in response.text and server.secret not in response.text
    assert server.api_token not in response.text
    body = response.json()
    assert "error" in body, f"{role} called tc.settings.get: {str(body)[:300]}"


def test_7_partner_api_key_hash_not_readable(clients, db, partner_keys):
    hashes = [
        r["key_hash"]
        for r in db.all(
            "SELECT key_hash FROM tc_partner_api_key WHERE key_hash IS NOT NULL"
        )
    ]
    assert hashes
    client = clients("manager")
    ids = [r["id"] for r in db.all("SELECT id FROM tc_partner_api_key")]
    result, error = client.try_call(
        "tc.partner.api.key", "read", ids, context=CRAFTED_CONTEXT
    )
    text = json.dumps(result) + str(error)
    assert not any(h in text for h in hashes)


# --------------------------------------------------------------------------------------
# portal routes and /web/content
# --------------------------------------------------------------------------------------
def test_portal_my_tickets_lists_only_own_cases(clients, db, portal_partner):
    page = clients("portal").get("/my/tickets")
    assert page.status_code == 200
    ids = {int(i) for i in re.findall(r"/my/ticket/(\d+)", page.text)}
    assert ids, "the portal user sees none of their cases"
    foreign = [
        r["id"]
        for r in db.all(
            "SELECT t.id FROM helpdesk_ticket t JOIN res_partner p ON p.id = t.partner_id"
            " WHERE t.id = ANY(%s) AND p.commercial_partner_id != %s",
            (list(ids), portal_partner),
        )
    ]
    assert not foreign, f"/my/tickets lists other customers' cases {foreign}"


def test_portal_other_customers_ticket_page(clients, other_case):
    page = clients("portal").get(f"/my/ticket/{other_case['id']}")
    assert page.status_code in (403, 404) or (
        page.is_redirect
        and f"/my/ticket/{other_case['id']}" not in page.headers.get("Location", "")
    ), page.status_code


def test_portal_closes_another_customers_ticket(clients, db, other_case):
    before = db.row("helpdesk_ticket", other_case["id"])
    clients("portal").get(f"/ticket/close?ticket_id={other_case['id']}&stage_id=0")
    after = db.row("helpdesk_ticket", other_case["id"])
    assert (after["stage_id"], after["write_date"]) == (
        before["stage_id"],
        before["write_date"],
    )


@pytest.fixture(scope="module")
def other_attachment(admin, db, other_case):
    secret = f"SEC-ATTACHMENT-{RUN}"
    att_id = admin.call(
        "ir.attachment",
        "create",
        {
            "name": f"sec-{RUN}.txt",
            "datas": base64.b64encode(secret.encode()).decode(),
            "res_model": "helpdesk.ticket",
            "res_id": other_case["id"],
            "mimetype": "text/plain",
        },
    )
    return att_id, secret


@pytest.mark.parametrize("role", ["portal", "technician"])
def test_web_content_of_another_customers_attachment(clients, other_attachment, role):
    att_id, secret = other_attachment
    client = clients(role)
    for path in (
        f"/web/content/{att_id}",
        f"/web/content/{att_id}?download=true",
        f"/web/content/ir.attachment/{att_id}/datas",
        f"/web/image/{att_id}",
    ):
        response = client.get(path)
        assert secret not in response.text, f"{role} downloaded {path}"
    result, _error = client.try_call(
        "ir.attachment", "read", [att_id], ["datas", "raw"], context=CRAFTED_CONTEXT
    )
    assert secret not in json.dumps(result) and base64.b64encode(
        secret.encode()
    ).decode() not in json.dumps(result)


# internal fields of a case that a customer never sees (issue 17, "Portal")
INTERNAL_CASE_FIELDS = [
    "tc_api_partner_id",
    "tc_correlation_id",
    "tc_dispute_reason_code",
    "tc_dispute_amount",
    "tc_dispute_outcome",
    "tc_dispute_ref",
    "tc_stuck_reason",
    "tc_is_stuck",
    "tc_incident_olt_ref",
    "tc_incident_pon_port",
    "tc_interaction_ids",
    "tc_timeline_ids",
    "tc_equipment_id",
    "tc_network_action_ids",
    "tc_mismatch_ids",
    "tc_adjustment_ids",
    "tc_legacy_id",
]


@pytest.mark.parametrize("field", INTERNAL_CASE_FIELDS)
def test_portal_reads_internal_fields_of_own_case(clients, db, own_case, field):
    exists = db.value(
        "SELECT count(*) FROM ir_model_fields WHERE model = 'helpdesk.ticket' AND name = %s",
        (field,),
    )
    if not exists:
        pytest.skip(f"helpdesk.ticket has no {field}")
    client = clients("portal")
    for method, args, kwargs in (
        ("read", [[own_case["id"]], [field]], {}),
        ("search_read", [[("id", "=", own_case["id"])]], {"fields": [field]}),
        ("web_read", [[own_case["id"]]], {"specification": {field: {}}}),
    ):
        result, _error = client.try_call(
            "helpdesk.ticket", method, *args, context=CRAFTED_CONTEXT, **kwargs
        )
        assert not result or all(field not in rec for rec in result), (
            f"portal read {field} by {method}: {result}"
        )


def test_technician_starts_another_technicians_job(clients, db):
    """A technician presses Start / Check in on a job that is not theirs."""
    job = db.one(
        "SELECT t.id FROM project_task t JOIN hr_employee e ON e.id = t.tc_technician_id"
        " JOIN res_users u ON u.id = e.user_id WHERE t.tc_is_job AND u.login != %s"
        " AND NOT EXISTS (SELECT 1 FROM tc_fieldops_job_helper_rel h"
        "   JOIN hr_employee he ON he.id = h.employee_id JOIN res_users hu ON hu.id = he.user_id"
        "   WHERE h.task_id = t.id AND hu.login = %s)"
        " ORDER BY t.id LIMIT 1",
        (LOGINS["technician"], LOGINS["technician"]),
    )
    if not job:
        pytest.skip("demo data has no job of another technician")
    before = db.row("project_task", job["id"])
    client = clients("technician")
    for method in ("action_tc_start", "action_tc_check_in", "action_tc_complete"):
        _result, error = client.try_call(
            "project.task", method, [job["id"]], context=CRAFTED_CONTEXT
        )
        assert error, f"technician pressed {method} on another technician's job"
    assert db.row("project_task", job["id"]) == before


# --------------------------------------------------------------------------------------
# 8. forging what the order service was told (tc.installation.appointment)
# --------------------------------------------------------------------------------------
def _appointments(db):
    return db.value("SELECT count(*) FROM tc_installation_appointment")


@pytest.mark.parametrize("role", ["dispatcher", "agent", "supervisor", "manager"])
def test_8_forge_an_installation_appointment(clients, db, seeded, role):
    """People who read appointments create, change and delete none: not directly,
    not through the job's list of them (one2many commands on project.task), with
    the crafted context."""
    appointment = db.one(
        "SELECT id, task_id FROM tc_installation_appointment ORDER BY id LIMIT 1"
    )
    if not appointment:
        pytest.fail(f"no tc.installation.appointment (seed: {seeded})")
    client = clients(role)
    before = db.row("tc_installation_appointment", appointment["id"])
    count = _appointments(db)
    forged = {
        "task_id": appointment["task_id"],
        "window_start": "2030-01-08 09:00:00",
        "window_end": "2030-01-08 11:00:00",
        "state": "booked",
        "order_ref": f"SEC-{RUN}",
    }
    client.try_call(
        "tc.installation.appointment", "create", forged, context=CRAFTED_CONTEXT
    )
    client.try_call(
        "tc.installation.appointment",
        "write",
        [appointment["id"]],
        {"state": "cancelled", "window_start": "2031-01-01 00:00:00"},
        context=CRAFTED_CONTEXT,
    )
    for command in (
        [0, 0, forged],
        [1, appointment["id"], {"state": "cancelled"}],
        [2, appointment["id"], 0],
    ):
        client.try_call(
            "project.task",
            "write",
            [appointment["task_id"]],
            {"tc_appointment_ids": [command]},
            context=CRAFTED_CONTEXT,
        )
    client.try_call(
        "tc.installation.appointment",
        "unlink",
        [appointment["id"]],
        context=CRAFTED_CONTEXT,
    )
    assert _appointments(db) == count
    assert db.row("tc_installation_appointment", appointment["id"]) == before


def test_7_settings_form_shows_no_secret(admin, server):
    """Even the settings administrator's Settings form carries no deployment secret."""
    fields = admin.call("res.config.settings", "fields_get", attributes=["type"])
    names = [
        n
        for n, f in fields.items()
        if f["type"] not in ("binary", "one2many", "many2many")
    ]
    values = admin.call("res.config.settings", "default_get", names)
    text = json.dumps(values, default=str)
    for secret in (server.secret, server.secret.split("_", 1)[1], server.api_token):
        assert secret not in text


# --------------------------------------------------------------------------------------
# 8. RetryProvisioning (issue 20): one retry per failed attempt, by agents only
# --------------------------------------------------------------------------------------
def _provisioning_case(admin, db, job, members=True):
    """A fresh open provisioning-failure case of job ``job`` (made by the admin),
    unassigned, in a team of the demo agent (``members``) or in a new team of
    nobody. (An existing team: Odoo caches each user's record-rule domains, and
    helpdesk_mgmt does not clear that cache when a team's members change, so a
    team made now would not count as the agent's until the cache is cleared.)"""
    if members:
        team = db.value(
            "SELECT r.helpdesk_ticket_team_id FROM helpdesk_ticket_team_res_users_rel r"
            " JOIN res_users u ON u.id = r.res_users_id"
            " JOIN helpdesk_ticket_team t ON t.id = r.helpdesk_ticket_team_id"
            " WHERE u.login = %s AND t.name::text NOT LIKE '%%Sec retry%%'"
            " ORDER BY r.helpdesk_ticket_team_id LIMIT 1",
            (LOGINS["agent"],),
        )
        assert team, "the demo agent is in no team"
    else:
        team = admin.call(
            "helpdesk.ticket.team", "create", {"name": f"Sec retry {job}"}
        )
    kind = db.value(
        "SELECT id FROM helpdesk_ticket_type WHERE tc_code = 'provisioning_failure'"
    )
    return admin.call(
        "helpdesk.ticket",
        "create",
        {
            "name": f"Provisioning job {job} failed",
            "description": "sec",
            "type_id": kind,
            "team_id": team,
            "tc_provisioning_job_ref": job,
            "user_id": False,  # unassigned: the team's agents may change it
        },
    )


def _retries(db, job):
    return db.all(
        "SELECT id, idempotency_key, payload, create_uid FROM tc_command"
        " WHERE name = 'RetryProvisioning' AND idempotency_key LIKE %s",
        (f"retry-provisioning/{job}/%",),
    )


@pytest.mark.parametrize("role", ["portal", "technician", "dispatcher", "finance"])
def test_8_retry_provisioning_as_a_role_without_it(clients, admin, db, role):
    """Button, wizard and the wizard's confirm, with a crafted context: no command."""
    job = f"PJ-SEC-{role}-{RUN}"
    case = _provisioning_case(admin, db, job)
    before = db.row("helpdesk_ticket", case)
    client = clients(role)
    _result, error = client.try_call(
        "helpdesk.ticket",
        "action_tc_retry_provisioning",
        [case],
        context=CRAFTED_CONTEXT,
    )
    assert error, f"{role} opened the retry wizard"
    wizard, error = client.try_call(
        "tc.provisioning.retry",
        "create",
        {"ticket_id": case, "note": "sec"},
        context=dict(CRAFTED_CONTEXT, default_ticket_id=case),
    )
    if wizard:
        client.try_call(
            "tc.provisioning.retry", "action_confirm", [wizard], context=CRAFTED_CONTEXT
        )
    assert _retries(db, job) == []
    after = db.row("helpdesk_ticket", case)
    assert after["tc_waiting_for"] == before["tc_waiting_for"]
    assert after["tc_provisioning_attempts"] == before["tc_provisioning_attempts"]


def test_8_crafted_wizard_names_another_case_and_attempt(clients, admin, db):
    """An agent's wizard naming a case of a team they are not in retries nothing;
    a wizard sent with its own job and attempt values sends the case's."""
    client = clients("agent")
    foreign_job = f"PJ-SEC-foreign-{RUN}"
    foreign = _provisioning_case(admin, db, foreign_job, members=False)
    wizard, _error = client.try_call(
        "tc.provisioning.retry",
        "create",
        {"ticket_id": foreign},
        context=CRAFTED_CONTEXT,
    )
    if wizard:
        shown, _error = client.try_call(
            "tc.provisioning.retry", "read", [wizard], ["job_ref", "diagnostics"]
        )
        assert not shown or not any(shown[0][f] for f in ("job_ref", "diagnostics"))
        _result, error = client.try_call(
            "tc.provisioning.retry", "action_confirm", [wizard], context=CRAFTED_CONTEXT
        )
        assert error, "agent retried another team's case"
    assert _retries(db, foreign_job) == []

    own_job = f"PJ-SEC-own-{RUN}"
    own = _provisioning_case(admin, db, own_job)
    vals = {"ticket_id": own, "job_ref": foreign_job, "attempt": 99, "note": "sec"}
    wizard, error = client.try_call(
        "tc.provisioning.retry", "create", vals, context=CRAFTED_CONTEXT
    )
    if not wizard:  # refusing the crafted values is fine too
        wizard = client.call("tc.provisioning.retry", "create", {"ticket_id": own})
    client.call(
        "tc.provisioning.retry", "action_confirm", [wizard], context=CRAFTED_CONTEXT
    )
    (command,) = _retries(db, own_job)
    payload = json.loads(command["payload"])
    assert command["idempotency_key"] == f"retry-provisioning/{own_job}/1"
    assert (payload["provisioning_job_id"], payload["attempt"]) == (own_job, 1)
    assert payload["case_id"] == own
    assert payload["requested_by"] == LOGINS["agent"]
    assert _retries(db, foreign_job) == []


def test_8_concurrent_retries_of_one_attempt_make_one_command(admin, base, db):
    """Four sessions of the same supervisor confirm a retry of the same case at the
    same moment (two server workers): one command, the others are told it was done."""
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    from sec_common import Client  # noqa: PLC0415

    job = f"PJ-SEC-race-{RUN}"
    case = _provisioning_case(admin, db, job)
    sessions = [Client(base, LOGINS["supervisor"]) for _ in range(4)]
    wizards = [
        s.call("tc.provisioning.retry", "create", {"ticket_id": case}) for s in sessions
    ]

    def confirm(pair):
        session, wizard = pair
        return session.try_call("tc.provisioning.retry", "action_confirm", [wizard])

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(confirm, zip(sessions, wizards, strict=True)))
    assert len(_retries(db, job)) == 1
    errors = [error for _result, error in outcomes if error]
    assert len(errors) == 3, outcomes
    for error in errors:
        assert "already retried" in error.message, error.message
