"""mask_payload: sensitive keys, partial masking, PAN detection, no mutation."""

import copy

import pytest
from tc_integrations.lib import masking
from tc_integrations.lib.masking import MASK, is_luhn_valid, mask_payload, mask_text

VISA = "4111111111111111"  # Luhn-valid test PAN


def test_card_and_bank_values_keep_last_four():
    out = mask_payload(
        {
            "card_number": VISA,
            "PAN": "5500 0000 0000 0004",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bankAccountNumber": 12345678901,
            "account_no": "123",
        }
    )
    assert out == {
        "card_number": "***1111",
        "PAN": "***0004",
        "iban": "***3000",
        "bankAccountNumber": "***8901",
        "account_no": MASK,  # too short to show anything
    }


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PassWord",
        "db_passwd",
        "cvv",
        "CVV2",
        "card_cvc",
        "access_token",
        "X-Auth-Token",
        "refresh-token",
        "Authorization",
        "proxy_authorization",
        "api_key",
        "ApiKey",
        "client_secret",
        "webhook-signature",
        "pin",
        "session_id",
        "Cookie",
    ],
)
def test_secret_keys_fully_masked(key):
    assert mask_payload({key: "s3cr3t-value-1234"}) == {key: MASK}


@pytest.mark.parametrize(
    "key", ["company", "span", "expand", "type", "amount", "pinned_note", "author"]
)
def test_ordinary_keys_untouched(key):
    assert mask_payload({key: "visible"}) == {key: "visible"}


def test_nested_structures_and_types():
    data = {
        "customer": {"name": "Ada", "payment": {"card": {"number": "x"}}},
        "methods": [{"iban": "FR1420041010050500013M02606"}, {"token": "abc"}],
        "pair": ("keep", {"password": "p"}),
        "tags": {"a"},
        "count": 3,
        "ok": True,
        "nothing": None,
    }
    out = mask_payload(data)
    assert out["customer"] == data["customer"]
    assert out["methods"] == [{"iban": "***2606"}, {"token": MASK}]
    assert out["pair"] == ("keep", {"password": MASK})
    assert out["tags"] == ["a"]
    assert (out["count"], out["ok"], out["nothing"]) == (3, True, None)


def test_input_never_mutated():
    data = {
        "password": "p",
        "list": [{"card_number": VISA}, "paid with " + VISA],
        "headers": {"Authorization": "Bearer abc"},
    }
    before = copy.deepcopy(data)
    out = mask_payload(data)
    assert data == before
    assert out is not data
    assert out["list"] is not data["list"]
    assert out["headers"] == {"Authorization": MASK}


def test_container_under_sensitive_key_masked_whole():
    assert mask_payload({"tokens": ["a", "b"], "secret": {"k": 1}}) == {
        "tokens": MASK,
        "secret": MASK,
    }


def test_empty_none_bool_kept_under_sensitive_keys():
    out = mask_payload({"password": None, "token": "", "token_valid": False})
    assert out == {"password": None, "token": "", "token_valid": False}


def test_pan_in_free_text_masked():
    assert mask_text("paid with 4111 1111 1111 1111 today") == "paid with ***1111 today"
    assert mask_text("card=4111-1111-1111-1111;") == "card=***1111;"
    assert mask_payload({"note": "ref " + VISA}) == {"note": "ref ***1111"}
    assert mask_payload(["x", "378282246310005"]) == ["x", "***0005"]  # Amex, 15


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112",  # Luhn-invalid
        "123456789012",  # 12 digits
        "41111111111111111111111",  # 23 digits: not a PAN-length run
        "order 2024-05-01 amount 49.90",
        "phone +33 6 12 34 56 78",
    ],
)
def test_non_pan_text_untouched(text):
    assert mask_text(text) == text


def test_integers_not_scanned_for_pan():
    assert mask_payload({"ts_ms": 4111111111111111}) == {"ts_ms": 4111111111111111}


def test_luhn():
    assert is_luhn_valid(VISA)
    assert is_luhn_valid("79927398713")
    assert not is_luhn_valid("79927398710")
    assert not is_luhn_valid("4111x")


def test_custom_keys():
    out = mask_payload(
        {"msisdn": "33612345678", "password": "p"},
        sensitive_keys=("msisdn",),
        partial_keys=("msisdn",),
    )
    assert out == {"msisdn": "***5678", "password": "p"}


def test_bytes_and_cycles():
    assert mask_payload({"raw": ("x " + VISA).encode()}) == {"raw": "x ***1111"}
    assert mask_payload({"raw": b"\xff\xfe"}) == {"raw": "<2 bytes>"}
    loop = {"a": 1}
    loop["self"] = loop
    assert mask_payload(loop) == {"a": 1, "self": MASK}


def test_default_lists_are_tuples():
    assert isinstance(masking.DEFAULT_SENSITIVE_KEYS, tuple)
    assert set(masking.DEFAULT_PARTIAL_KEYS) <= set(masking.DEFAULT_SENSITIVE_KEYS)
