"""The payload schema of every command TC Ops sends to the data plane (pure Python).

One JSON Schema (draft 2020-12, checked with the ``jsonschema`` library) per command
type; ``docs/commands.md`` describes each one (where its fields come from, the event
that confirms it, what a 409 or 422 means) and a test keeps the two in step. The
outbox (``tc.command._tc_enqueue``) refuses a payload that does not match, so a
command the data plane would reject is never queued.
"""

from __future__ import annotations

import copy

from jsonschema import Draft202012Validator

_TEXT = {"type": "string", "minLength": 1, "maxLength": 256}
_REF = {"type": ["string", "null"], "minLength": 1, "maxLength": 128}
_CASE = {
    "type": ["integer", "null"],
    "minimum": 1,
    "description": "the TC Ops case the command comes from",
}

_DECISION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["order_id", "review", "decision", "reason", "decided_by", "case_id"],
    "properties": {
        "order_id": dict(_TEXT, maxLength=128),
        "review": dict(_TEXT, maxLength=64),
        "decision": {"enum": ["approved", "rejected"]},
        "reason": {"type": "string", "minLength": 1, "maxLength": 4000},
        "decided_by": _TEXT,
        "case_id": _CASE,
    },
}

# an instant in UTC, to the second: "2026-12-07T08:00:00Z"
_INSTANT = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
}
_NOTE = {"type": ["string", "null"], "maxLength": 4000}
_CASE_REQUIRED = dict(_CASE, type="integer")


def _object(required, **properties):
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(required),
        "properties": properties,
    }


_APPOINTMENT = {
    "appointment_ref": dict(_TEXT, maxLength=64),
    "order_id": dict(_TEXT, maxLength=128),
    "job_ref": dict(_TEXT, maxLength=64),
}
_SUBSCRIPTION = {
    "request_ref": dict(_TEXT, maxLength=64),
    "subscription_id": dict(_TEXT, maxLength=128),
    "reason": {"enum": ["fraud_review", "chargeback", "customer_request", "other"]},
    "note": _NOTE,
    "requested_by": _TEXT,
    "approved_by": {"type": "array", "minItems": 1, "items": _TEXT},
    "case_id": _CASE,
}

SCHEMAS: dict[str, dict] = {
    "ApproveOrderReview": dict(
        copy.deepcopy(_DECISION),
        properties=dict(_DECISION["properties"], decision={"const": "approved"}),
    ),
    "RejectOrderReview": dict(
        copy.deepcopy(_DECISION),
        properties=dict(_DECISION["properties"], decision={"const": "rejected"}),
    ),
    "PostAdjustment": {
        "type": "object",
        "additionalProperties": False,
        "required": ["adjustment_ref", "kind", "amount", "currency", "case_id"],
        "properties": {
            "adjustment_ref": dict(_TEXT, maxLength=64),
            "kind": {"enum": ["refund", "credit", "fee_waiver", "exception"]},
            # a decimal string with two places, never a float: money is exact
            "amount": {"type": "string", "pattern": r"^(0|[1-9]\d{0,11})\.\d{2}$"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "invoice_id": _REF,
            "payment_id": _REF,
            "subscription_id": _REF,
            "case_id": _CASE,
        },
    },
    "RetryProvisioning": _object(
        [
            "provisioning_job_id",
            "attempt",
            "note",
            "diagnostics",
            "requested_by",
            "case_id",
        ],
        provisioning_job_id=dict(_TEXT, maxLength=128),
        attempt={"type": "integer", "minimum": 1},
        note=_NOTE,
        diagnostics=_NOTE,
        order_id=_REF,
        subscription_id=_REF,
        requested_by=_TEXT,
        case_id=_CASE_REQUIRED,
    ),
    "CreateInstallationAppointment": _object(
        [
            "appointment_ref",
            "order_id",
            "job_ref",
            "window_start",
            "window_end",
            "technician_ref",
            "case_id",
        ],
        window_start=_INSTANT,
        window_end=_INSTANT,
        technician_ref=dict(_TEXT, maxLength=64),
        replaces_appointment_ref={"type": ["string", "null"], "maxLength": 64},
        case_id=_CASE,
        **_APPOINTMENT,
    ),
    "CancelInstallationAppointment": _object(
        ["appointment_ref", "order_id", "job_ref", "reason", "case_id"],
        reason={"enum": ["rescheduled", "job_cancelled"]},
        case_id=_CASE,
        **_APPOINTMENT,
    ),
    "SuspendSubscription": _object(
        ["request_ref", "subscription_id", "reason", "requested_by", "approved_by"],
        **_SUBSCRIPTION,
    ),
    "ResumeSubscription": _object(
        ["request_ref", "subscription_id", "reason", "requested_by", "approved_by"],
        **_SUBSCRIPTION,
    ),
}
for _schema in SCHEMAS.values():
    Draft202012Validator.check_schema(_schema)

_VALIDATORS = {name: Draft202012Validator(s) for name, s in SCHEMAS.items()}


class CommandSchemaError(ValueError):
    """The payload does not match its command's schema (or the type is unknown).

    ``problems`` lists each mismatch as ``"field: what is wrong"``."""

    def __init__(self, command_type, problems):
        self.command_type = command_type
        self.problems = list(problems)
        super().__init__(f"{command_type}: " + "; ".join(self.problems))


def _where(error) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    return path or "payload"


def problems(command_type: str, payload) -> list[str]:
    """Every way ``payload`` differs from ``command_type``'s schema (empty: valid)."""
    validator = _VALIDATORS.get(command_type)
    if validator is None:
        return [
            f"unknown command type (known: {', '.join(sorted(SCHEMAS))})",
        ]
    return [
        f"{_where(error)}: {error.message}"
        for error in sorted(
            validator.iter_errors(payload),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
    ]


def validate(command_type: str, payload) -> None:
    """Raise :class:`CommandSchemaError` unless ``payload`` matches its schema."""
    found = problems(command_type, payload)
    if found:
        raise CommandSchemaError(command_type, found)


__all__ = ["SCHEMAS", "CommandSchemaError", "problems", "validate"]
