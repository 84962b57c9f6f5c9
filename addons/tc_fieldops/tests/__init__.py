from . import (
    test_board_browser,
    test_execution,
    test_my_day_browser,
    test_portal,
    test_remote_fix,
    test_scheduling,
    test_security,
    test_slot_finder,
    test_slots_lib,
)
