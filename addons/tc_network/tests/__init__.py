from . import (
    test_diagnostics,
    test_equipment,
    test_olt_fleets,
    test_olt_polling,
    test_security,
    test_tr069,
)
