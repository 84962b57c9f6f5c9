# the order reviews and maker-checker requests inherit these mixins: first
from . import tc_state_machine_mixin  # isort: skip
from . import tc_maker_checker  # isort: skip
from . import tc_maker_checker_tiers  # isort: skip
from . import (
    demo,
    helpdesk_ticket,
    tc_adjustment_request,
    tc_adjustment_request_currency,
    tc_adjustment_request_guards,
    tc_adjustment_request_posting,
    tc_client_values,
    tc_order_review,
    tc_subscription_request,
    tc_trust,
    tier_definition,
    tier_review,
)
