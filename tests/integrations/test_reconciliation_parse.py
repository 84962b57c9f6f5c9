"""Reading the nightly mismatch report: rows (pure) and bad pages (real peer)."""

from datetime import datetime
from decimal import Decimal

import pytest
from tc_integrations.lib.api_client import DataPlaneClient, PermanentError
from tc_integrations.lib.reconciliation import BadMismatch, parse_mismatch
from tc_integrations.testing.dataplane import DataPlanePeer

ROW = {
    "mismatch_id": "mm_1",
    "type": "amount_differs",
    "refs": {"customer_id": "C-1", "invoice_id": "INV-1", "payment_id": 77},
    "expected": {"amount": "49.90", "currency": "EUR"},
    "actual": {"amount": "39.90", "currency": "EUR"},
    "detected_at": "2026-05-02T04:00:00+02:00",
}


def test_a_good_row():
    values = parse_mismatch(ROW)
    assert values["mismatch_id"] == "mm_1"
    assert values["type"] == "amount_differs"
    assert values["customer_ref"] == "C-1"
    assert values["payment_ref"] == "77"
    assert values["order_ref"] is None
    assert values["expected_amount"] == Decimal("49.90")
    assert values["actual_currency"] == "EUR"
    assert values["detected_at"] == datetime(2026, 5, 2, 2, 0)


def test_unknown_type_is_kept_as_other():
    values = parse_mismatch(dict(ROW, type="refund_twice"))
    assert (values["type"], values["type_code"]) == ("other", "refund_twice")


@pytest.mark.parametrize(
    "row, message, has_id",
    [
        ("x", "not an object", False),
        (dict(ROW, mismatch_id=None), "mismatch_id is missing", False),
        (dict(ROW, mismatch_id="a b"), "mismatch_id is missing", False),
        (dict(ROW, type=""), "type is missing", True),
        (dict(ROW, refs=[]), "refs must be an object", True),
        (dict(ROW, refs={}), "refs names no record", True),
        (dict(ROW, refs={"invoice_id": {"x": 1}}), "refs.invoice_id", True),
        (dict(ROW, expected={"amount": "x", "currency": "EUR"}), "expected:", True),
        (dict(ROW, actual={"amount": "1", "currency": "eur"}), "ISO 4217", True),
        (dict(ROW, detected_at="yesterday"), "detected_at", True),
    ],
)
def test_bad_rows_say_why(row, message, has_id):
    with pytest.raises(BadMismatch) as info:
        parse_mismatch(row)
    assert message in str(info.value)
    assert (info.value.mismatch_id == "mm_1") is has_id


def test_malformed_page_names_where_to_go_on():
    day = "2026-05-01"
    with DataPlanePeer(token="peer-token-recon", mismatches={day: [ROW] * 5}) as peer:
        client = DataPlaneClient(peer.base_url, "peer-token-recon")
        peer.script_page(
            day, "c2", 200, {"mismatches": None, "next_cursor": "c4", "has_more": True}
        )
        peer.script_page(day, "c4", 200, {"mismatches": 3, "has_more": False})
        items, cursor, more = client.reconciliation_page(day, limit=2)
        assert (len(items), cursor, more) == (2, "c2", True)
        with pytest.raises(PermanentError) as info:
            client.reconciliation_page(day, cursor="c2", limit=2)
        assert "page has no 'mismatches' list" in str(info.value)
        assert (info.value.skip_to, info.value.last_page) == ("c4", False)
        with pytest.raises(PermanentError) as info:
            client.reconciliation_page(day, cursor="c4", limit=2)
        assert (info.value.skip_to, info.value.last_page) == (None, True)
        # an envelope that is wrong itself gives no way on
        peer.script_page(day, "c2", 200, {"mismatches": [], "has_more": "yes"})
        with pytest.raises(PermanentError) as info:
            client.reconciliation_page(day, cursor="c2", limit=2)
        assert info.value.skip_to is None and not info.value.last_page
        # the scripted answers are used up: the real pages come back
        assert client.reconciliation_page(day, cursor="c4", limit=2)[1:] == (
            "c5",
            False,
        )
