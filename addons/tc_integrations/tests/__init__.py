from . import (
    test_commands,
    test_exactly_once,
    test_handlers,
    test_legacy_import,
    test_partner_api,
    test_partner_api_docs,
    test_partner_api_jwt,
    test_polling,
    test_settings,
    test_webhook,
)
