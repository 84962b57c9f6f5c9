from . import tc_integration_ignore
