from . import (
    helpdesk_ticket,
    tc_adjustment_request,
    tc_client_values,
    tc_order_review,
    tc_trust,
    tier_definition,
    tier_review,
)
