from . import tc_integration_ignore, tc_legacy_import_wizard
