from . import test_diagnostics, test_equipment, test_tr069
