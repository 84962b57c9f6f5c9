"""Staff SSO without Odoo: the ``tc_staff_password_login`` setting
(tc_care/lib/staff_login.py) and the local OpenID Connect provider the Odoo and
security tests log in through (tc_care/testing/oidc_provider.py): it must refuse
what a real provider refuses, or the tests that use it prove nothing."""

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from jose import jwt
from tc_care.lib.staff_login import staff_password_login_allowed
from tc_care.testing.oidc_provider import OidcProvider

REDIRECT = "http://127.0.0.1:1/auth_oauth/signin"


@pytest.mark.parametrize(
    ("conf", "env", "allowed"),
    [
        (None, None, True),  # unset: passwords stay
        ("", "", True),
        (False, None, False),  # odoo.conf "False" is parsed to a bool
        (True, None, True),
        ("off", None, False),
        ("no", None, False),
        ("1", None, True),
        ("ture", None, False),  # a typo switches it off, never on
        ("true", "false", False),  # the environment wins
        ("false", "yes", True),
        (False, "", False),  # an empty variable does not override
    ],
)
def test_setting(conf, env, allowed):
    config = {} if conf is None else {"tc_staff_password_login": conf}
    environ = {} if env is None else {"TC_STAFF_PASSWORD_LOGIN": env}
    assert staff_password_login_allowed(config, environ) is allowed


def _challenge(verifier):
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.fixture
def idp():
    with OidcProvider(client_id="c1", redirect_uris={REDIRECT}) as provider:
        provider.add_user("u1", "u1@isp.test", groups=["/care/agents"])
        provider.login_as("u1")
        yield provider


def _code(idp, verifier, **extra):
    params = {
        "client_id": "c1",
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid email",
        "state": "s1",
        "nonce": "n1",
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
        **extra,
    }
    response = requests.get(
        f"{idp.base}/authorize?{urlencode(params)}", allow_redirects=False, timeout=5
    )
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def _token(idp, code, verifier, redirect_uri=REDIRECT):
    return requests.post(
        f"{idp.base}/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "c1",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        },
        timeout=5,
    )


def test_code_flow_with_pkce_gives_a_signed_id_token_with_groups(idp):
    discovery = requests.get(f"{idp.base}/.well-known/openid-configuration", timeout=5)
    assert discovery.json()["code_challenge_methods_supported"] == ["S256"]
    verifier = secrets.token_urlsafe(32)
    answer = _token(idp, _code(idp, verifier), verifier)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    keys = requests.get(discovery.json()["jwks_uri"], timeout=5).json()["keys"]
    claims = jwt.decode(
        body["id_token"],
        keys[0],
        algorithms=["RS256"],
        audience="c1",
        access_token=body["access_token"],
    )
    assert claims["groups"] == ["/care/agents"]
    assert claims["nonce"] == "n1"
    info = requests.get(
        f"{idp.base}/userinfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=5,
    )
    assert info.json()["groups"] == ["/care/agents"]


def test_wrong_verifier_reused_code_and_other_redirect_are_refused(idp):
    verifier = secrets.token_urlsafe(32)
    code = _code(idp, verifier)
    assert _token(idp, code, "not-the-verifier").status_code == 400
    assert _token(idp, code, verifier).status_code == 400, "a code is used once"
    code = _code(idp, verifier)
    assert _token(idp, code, verifier, "http://evil.test/cb").status_code == 400
    assert not any(r["pkce_ok"] for r in idp.token_requests)
    response = requests.get(
        f"{idp.base}/authorize?"
        + urlencode(
            {"client_id": "c1", "response_type": "code", "redirect_uri": REDIRECT}
        ),
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 400, "no S256 challenge, no code"
