# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Partner API with a gateway JWT (python-jose), JWKS from a file and from a real
HTTP server on 127.0.0.1."""

import base64
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import patch

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt

from odoo.tests import HttpCase, tagged

from odoo.addons.tc_integrations.controllers import partner_api

from .common import tc_settings

URL = "/tc/partner/jsonrpc"
ISSUER = "https://gateway.isp.test"
AUDIENCE = "tc-ops-partner-api"


def _rsa_pem():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _public_jwk(pem, kid):
    public = jwk.construct(pem, "RS256").public_key().to_dict()
    public.update(kid=kid, use="sig")
    return public


class _JwksHandler(BaseHTTPRequestHandler):
    body = b"{}"

    def do_GET(self):  # noqa: N802 (http.server API)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, fmt, *args):
        pass


@tagged("post_install", "-at_install")
class TestPartnerApiJwt(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pem = _rsa_pem()
        cls.rogue_pem = _rsa_pem()  # a key the gateway never published
        jwks = {"keys": [_public_jwk(cls.pem, "gw-2026")]}
        cls.tmp = tempfile.TemporaryDirectory()
        cls.jwks_file = Path(cls.tmp.name) / "jwks.json"
        cls.jwks_file.write_text(json.dumps(jwks), encoding="utf-8")
        _JwksHandler.body = json.dumps(jwks).encode()
        cls.jwks_server = ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
        threading.Thread(target=cls.jwks_server.serve_forever, daemon=True).start()
        cls.jwks_url = (
            "http://127.0.0.1:%d/.well-known/jwks.json"
            % (cls.jwks_server.server_address[1])
        )

    @classmethod
    def tearDownClass(cls):
        cls.jwks_server.shutdown()
        cls.jwks_server.server_close()
        cls.tmp.cleanup()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        partner_api._jwks_cache.clear()
        self.acme = self.env["res.partner"].create(
            {"name": "Acme Reseller", "is_company": True, "ref": "RES-ACME"}
        )
        self.other = self.env["res.partner"].create(
            {"name": "Other Reseller", "is_company": True, "ref": "RES-OTHER"}
        )

    def _token(self, pem=None, kid="gw-2026", **claims):
        now = int(time.time())
        payload = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "tc_partner_ref": "RES-ACME",
            "scope": "orders cases",
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(
            payload, pem or self.pem, algorithm="RS256", headers={"kid": kid}
        )

    def _token_none(self):
        """alg "none": claims anyone can write."""

        def b64(data):
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=")

        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 300}
        claims["tc_partner_ref"] = "RES-ACME"
        header = {"alg": "none", "kid": "gw-2026"}
        return b".".join([b64(header), b64(claims), b""]).decode()

    def _rpc(self, token, method, **params):
        return self.opener.post(
            self.base_url() + URL,
            data=json.dumps(
                {"jsonrpc": "2.0", "id": 7, "method": method, "params": params}
            ),
            timeout=10,
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer %s" % token,
            },
        )

    def _settings(self, jwks):
        return tc_settings(
            tc_partner_jwks=jwks,
            tc_partner_jwt_issuer=ISSUER,
            tc_partner_jwt_audience=AUDIENCE,
        )

    def test_valid_jwt_from_jwks_file_and_url(self):
        for source in (str(self.jwks_file), self.jwks_url):
            with self.subTest(source=source), self._settings(source):
                partner_api._jwks_cache.clear()
                order = "JWT-ORD-%d" % len(source)
                response = self._rpc(
                    self._token(),
                    "order.submit_for_review",
                    order_id=order,
                    requested_plan="Fiber 500",
                    reasons=["coverage"],
                )
                self.assertEqual(response.status_code, 200, response.text)
                self.assertEqual(response.json()["result"]["state"], "new")
                review = self.env["tc.order.review"].search([("order_ref", "=", order)])
                self.assertEqual(review.tc_api_partner_id, self.acme)
                # the same order is another partner's "not found"
                other = self._rpc(
                    self._token(tc_partner_ref="RES-OTHER"),
                    "order.review_status",
                    order_id=order,
                )
                self.assertEqual(other.json()["error"]["code"], -32004)

    def test_bad_tokens_are_refused_and_store_nothing(self):
        count = self.env["tc.order.review"].search_count([])
        now = int(time.time())
        cases = [
            ("expired", self._token(iat=now - 900, exp=now - 600), 401, -32001),
            ("wrong audience", self._token(aud="someone-else"), 401, -32001),
            ("wrong issuer", self._token(iss="https://evil.test"), 401, -32001),
            # issue 17: a token without expiry, audience or issuer is refused
            ("no exp", self._token(exp=None), 401, -32001),
            ("no aud", self._token(aud=None), 401, -32001),
            ("no iss", self._token(iss=None), 401, -32001),
            ("other audiences", self._token(aud=["a", "b"]), 401, -32001),
            ("unsigned", self._token_none(), 401, -32001),
            ("unknown signer", self._token(pem=self.rogue_pem), 401, -32001),
            ("garbage", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", 401, -32001),
            ("no partner claim", self._token(tc_partner_ref=None), 403, -32003),
            ("unknown partner", self._token(tc_partner_ref="RES-NOPE"), 403, -32003),
            ("scope missing", self._token(scope="cases"), 403, -32003),
        ]
        with self._settings(str(self.jwks_file)):
            for label, token, status, code in cases:
                with self.subTest(label):
                    response = self._rpc(
                        token,
                        "order.submit_for_review",
                        order_id="JWT-BAD",
                        requested_plan="Fiber 500",
                        reasons=["coverage"],
                    )
                    self.assertEqual(response.status_code, status, response.text)
                    self.assertEqual(response.json()["error"]["code"], code)
        self.assertEqual(self.env["tc.order.review"].search_count([]), count)

    def test_rotated_gateway_key_is_accepted_before_the_cache_expires(self):
        """The gateway publishes a new key after this worker cached its JWKS: a
        token signed with it is accepted at once (the worker reads the JWKS again
        for an unknown kid), as on a node whose cache is empty; a kid that is
        still unknown after that read stays refused."""
        new_pem = _rsa_pem()
        rotated = {"keys": [_public_jwk(self.pem, "gw-2026")]}
        rotated["keys"].append(_public_jwk(new_pem, "gw-2027"))
        with self._settings(str(self.jwks_file)):
            first = self._rpc(self._token(), "case.status", case_id=0)
            self.assertEqual(first.status_code, 200, first.text)  # cache filled
            old = self.jwks_file.read_text(encoding="utf-8")
            self.jwks_file.write_text(json.dumps(rotated), encoding="utf-8")
            try:
                # the cache was filled more than JWKS_REFETCH seconds ago
                source = str(self.jwks_file)
                expires, fetched, jwks = partner_api._jwks_cache[source]
                partner_api._jwks_cache[source] = (expires, fetched - 60, jwks)
                new = self._rpc(
                    self._token(pem=new_pem, kid="gw-2027"), "case.status", case_id=0
                )
                self.assertEqual(new.status_code, 200, new.text)
                rogue = self._rpc(
                    self._token(pem=self.rogue_pem, kid="gw-2099"),
                    "case.status",
                    case_id=0,
                )
                self.assertEqual(rogue.status_code, 401, rogue.text)
            finally:
                self.jwks_file.write_text(old, encoding="utf-8")

    def test_ambiguous_partner_ref_is_refused(self):
        # someone gives a second partner Acme's reference: neither gets the calls
        self.env["res.partner"].create({"name": "AAA look-alike", "ref": "RES-ACME"})
        with self._settings(str(self.jwks_file)):
            response = self._rpc(self._token(), "case.status", case_id=1)
        self.assertEqual(response.status_code, 403, response.text)
        self.assertEqual(response.json()["error"]["code"], -32003)

    def test_jwt_without_gateway_configuration_is_refused(self):
        with tc_settings():
            response = self._rpc(self._token(), "case.status", case_id=1)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"]["code"], -32001)

    def test_jwt_rate_limit_per_partner(self):
        token = self._token(scope="cases")
        # one fixed instant: the count is per one-minute window
        frozen = SimpleNamespace(time=lambda: 1_800_000_000.0, monotonic=time.monotonic)
        with (
            self._settings(str(self.jwks_file)),
            patch.object(partner_api, "time", frozen),
        ):
            statuses = [
                self._rpc(token, "case.status", case_id=0).status_code
                for _i in range(partner_api.JWT_RATE_LIMIT + 1)
            ]
            other = self._rpc(
                self._token(scope="cases", tc_partner_ref="RES-OTHER"),
                "case.status",
                case_id=0,
            )
        self.assertEqual(set(statuses[:-1]), {200})  # -32004 not found, HTTP 200
        self.assertEqual(statuses[-1], 429)
        self.assertEqual(other.status_code, 200)  # counted per partner
        # counted in the database (every worker sees the same count)
        rows = self.env["tc.partner.api.rate"].search_read(
            [("partner_id", "in", (self.acme | self.other).ids)],
            ["partner_id", "count"],
        )
        self.assertEqual(
            sorted((r["partner_id"][0], r["count"]) for r in rows),
            sorted(
                [
                    (self.acme.id, partner_api.JWT_RATE_LIMIT + 1),
                    (self.other.id, 1),
                ]
            ),
        )
