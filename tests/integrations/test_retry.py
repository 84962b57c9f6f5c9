"""backoff_seconds: doubling from the base, capped, jittered up to 50 %, never
sooner than the peer's Retry-After."""

from unittest.mock import patch

from tc_integrations.lib import retry
from tc_integrations.lib.retry import backoff_seconds


def test_doubles_from_the_base_without_jitter():
    with patch.object(retry.random, "uniform", return_value=0):
        assert [backoff_seconds(n, base=30) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
        assert backoff_seconds(1, base=20) == 20


def test_capped_then_jittered_up_to_half():
    with patch.object(retry.random, "uniform", side_effect=lambda _a, b: b):
        assert backoff_seconds(1, base=30) == 45
        assert backoff_seconds(20, base=30, cap=3600) == 5400
    for attempt in range(1, 12):
        delay = backoff_seconds(attempt, base=20, cap=3600)
        low = min(3600, 20 * 2 ** (attempt - 1))
        assert low <= delay <= low * 1.5


def test_retry_after_is_a_floor():
    with patch.object(retry.random, "uniform", return_value=0):
        assert backoff_seconds(1, base=20, retry_after="120") == 120
        assert backoff_seconds(3, base=30, retry_after=7) == 120
