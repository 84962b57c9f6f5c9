from . import (
    test_commands,
    test_disputes,
    test_exactly_once,
    test_exception_queue,
    test_handlers,
    test_partner_api,
    test_polling,
    test_reconciliation,
    test_settings,
    test_webhook,
)
