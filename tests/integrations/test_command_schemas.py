"""The command payload schemas (tc_integrations/lib/command_schemas.py) and their page,
docs/commands.md: what the outbox refuses to queue, and why, in words."""

import re
from pathlib import Path

import pytest
from tc_integrations.lib import command_schemas

DOCS = Path(__file__).resolve().parents[2] / "docs" / "commands.md"

VALID = {
    "ApproveOrderReview": {
        "order_id": "ORD-1001",
        "review": "REV/2026/0001",
        "decision": "approved",
        "reason": "coverage confirmed by the field team",
        "decided_by": "reviewer@example.com",
        "case_id": 12,
    },
    "RejectOrderReview": {
        "order_id": "ORD-1002",
        "review": "REV/2026/0002",
        "decision": "rejected",
        "reason": "address outside the footprint",
        "decided_by": "reviewer@example.com",
        "case_id": None,
    },
    "PostAdjustment": {
        "adjustment_ref": "ADJ/2026/0007",
        "kind": "refund",
        "amount": "12.50",
        "currency": "EUR",
        "invoice_id": "INV-77",
        "payment_id": None,
        "subscription_id": None,
        "case_id": 3,
    },
    "RetryProvisioning": {
        "provisioning_job_id": "PJ-77",
        "attempt": 2,
        "note": "ONT replaced on site",
        "diagnostics": "ONT online, rx -21.5 dBm",
        "order_id": "ORD-9",
        "subscription_id": None,
        "requested_by": "agent@example.com",
        "case_id": 5,
    },
    "CreateInstallationAppointment": {
        "appointment_ref": "APT/2026/0001",
        "order_id": "ORD-9",
        "job_ref": "JOB-31",
        "window_start": "2026-12-07T08:00:00Z",
        "window_end": "2026-12-07T10:00:00Z",
        "technician_ref": "EMP-4",
        "replaces_appointment_ref": None,
        "case_id": 5,
    },
    "CancelInstallationAppointment": {
        "appointment_ref": "APT/2026/0001",
        "order_id": "ORD-9",
        "job_ref": "JOB-31",
        "reason": "rescheduled",
        "case_id": 5,
    },
    "SuspendSubscription": {
        "request_ref": "SUB/2026/0001",
        "subscription_id": "SUB-42",
        "reason": "chargeback",
        "note": None,
        "requested_by": "agent@example.com",
        "approved_by": ["supervisor@example.com"],
        "case_id": 5,
    },
    "ResumeSubscription": {
        "request_ref": "SUB/2026/0002",
        "subscription_id": "SUB-42",
        "reason": "customer_request",
        "note": "paid",
        "requested_by": "agent@example.com",
        "approved_by": ["supervisor@example.com"],
        "case_id": None,
    },
}


@pytest.mark.parametrize("command_type", sorted(VALID))
def test_the_payloads_the_addons_send_are_valid(command_type):
    assert command_schemas.problems(command_type, VALID[command_type]) == []


@pytest.mark.parametrize(
    ("command_type", "change", "expected"),
    [
        ("PostAdjustment", {"amount": 12.5}, "amount: 12.5 is not of type 'string'"),
        ("PostAdjustment", {"amount": "12.5"}, "amount: '12.5' does not match"),
        ("PostAdjustment", {"amount": "-1.00"}, "amount: '-1.00' does not match"),
        ("PostAdjustment", {"currency": "eur"}, "currency: 'eur' does not match"),
        ("PostAdjustment", {"kind": "gift"}, "kind: 'gift' is not one of"),
        ("PostAdjustment", {"invoice_id": False}, "invoice_id: False is not of type"),
        ("PostAdjustment", {"surprise": 1}, "Additional properties are not allowed"),
        ("ApproveOrderReview", {"decision": "rejected"}, "decision: 'approved' was"),
        ("RejectOrderReview", {"reason": ""}, "reason: '' should be non-empty"),
        ("RejectOrderReview", {"order_id": False}, "order_id: False is not of type"),
        ("RetryProvisioning", {"attempt": 0}, "attempt: 0 is less than the minimum"),
        ("RetryProvisioning", {"case_id": None}, "case_id: None is not of type"),
        (
            "CreateInstallationAppointment",
            {"window_start": "2026-12-07 08:00"},
            "window_start: '2026-12-07 08:00' does not match",
        ),
        ("CancelInstallationAppointment", {"reason": "x"}, "reason: 'x' is not one"),
        ("SuspendSubscription", {"approved_by": []}, "approved_by: [] should be non"),
        ("ResumeSubscription", {"subscription_id": ""}, "subscription_id: '' should"),
    ],
)
def test_a_wrong_field_is_named_with_what_is_wrong(command_type, change, expected):
    payload = dict(VALID[command_type], **change)
    found = command_schemas.problems(command_type, payload)
    assert any(expected in problem for problem in found), found
    with pytest.raises(command_schemas.CommandSchemaError) as error:
        command_schemas.validate(command_type, payload)
    assert expected.split(":")[0] in str(error.value)


def test_a_missing_field_and_an_unknown_type():
    payload = dict(VALID["PostAdjustment"])
    del payload["currency"]
    assert command_schemas.problems("PostAdjustment", payload) == [
        "payload: 'currency' is a required property"
    ]
    (problem,) = command_schemas.problems("DropDatabase", {})
    assert "unknown command type" in problem and "PostAdjustment" in problem


def test_docs_describe_every_command_and_field():
    text = DOCS.read_text()
    headings = " ".join(re.findall(r"^## (.+)$", text, re.MULTILINE))
    for command_type, schema in command_schemas.SCHEMAS.items():
        assert command_type in headings, f"docs/commands.md: no section {command_type}"
        for field in schema["properties"]:
            assert f"`{field}`" in text, f"docs/commands.md: {command_type}.{field}"
