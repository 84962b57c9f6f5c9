from . import (
    test_bulk,
    test_case_api,
    test_escalation,
    test_incident,
    test_oidc,
    test_oidc_browser,
    test_portal,
    test_security,
    test_sla,
    test_stuck,
    test_views,
)
