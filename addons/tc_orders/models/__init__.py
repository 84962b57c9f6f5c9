# the order reviews and adjustment requests inherit this mixin: first
from . import tc_state_machine_mixin  # isort: skip
from . import (
    demo,
    helpdesk_ticket,
    tc_adjustment_request,
    tc_adjustment_request_currency,
    tc_adjustment_request_guards,
    tc_adjustment_request_posting,
    tc_adjustment_request_tiers,
    tc_client_values,
    tc_order_review,
    tc_trust,
    tier_definition,
    tier_review,
)
