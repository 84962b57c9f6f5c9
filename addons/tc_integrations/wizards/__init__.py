from . import tc_exception_assign, tc_integration_ignore
