from . import test_diagnostics, test_equipment, test_security, test_tr069
