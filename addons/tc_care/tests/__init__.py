from . import (
    test_case_api,
    test_escalation,
    test_incident,
    test_portal,
    test_security,
    test_sla,
    test_stuck,
    test_views,
)
