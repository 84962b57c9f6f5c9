from . import (
    test_escalation,
    test_incident,
    test_portal,
    test_security,
    test_sla,
    test_stuck,
)
