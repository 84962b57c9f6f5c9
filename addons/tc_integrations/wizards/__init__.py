from . import tc_integration_ignore
from . import tc_legacy_import_wizard
