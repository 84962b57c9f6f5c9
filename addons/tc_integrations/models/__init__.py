from . import (
    helpdesk_ticket,
    tc_adjustment_request,
    tc_command,
    tc_event,
    tc_event_handler,
    tc_order_review,
    tc_partner_api_key,
    tc_settings,
)
