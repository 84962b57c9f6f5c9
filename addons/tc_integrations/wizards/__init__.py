from . import (
    tc_exception_assign,
    tc_integration_ignore,
    tc_legacy_import_wizard,
    tc_provisioning_retry,
)
