"""A real OpenID Connect provider on 127.0.0.1 for the staff-SSO tests.

Stdlib HTTP server in a daemon thread, tokens signed with ``python-jose`` (RS256,
a fresh RSA key per provider, published with its ``kid``). It serves what an
authorization-code client with PKCE uses (OpenID Connect Core 1.0, RFC 7636):

- ``GET /.well-known/openid-configuration``  discovery
- ``GET /jwks``                               the public key set
- ``GET /authorize``  the user "logged in at the provider" (``login_as``)
  consents at once: a one-time code bound to the client, redirect URI, nonce
  and S256 code challenge; 302 back to ``redirect_uri`` with ``code`` and
  ``state``. Unknown client, bad redirect URI or no S256 challenge: 400.
- ``POST /token``     ``grant_type=authorization_code``: the code is used once,
  ``client_id`` / ``redirect_uri`` must match the authorization request, and
  ``BASE64URL(SHA256(code_verifier))`` must equal the challenge (400
  ``invalid_grant`` otherwise). A confidential client authenticates with HTTP
  Basic. Answers an access token and an ID token (``iss``, ``sub``, ``aud``,
  ``exp``, ``iat``, ``nonce``, ``at_hash``, ``email``, ``name`` and the groups
  claim, named ``groups_claim``: ``groups`` for Keycloak / Authentik / Entra).
- ``GET /userinfo``   the same claims for ``Authorization: Bearer <access token>``.

Users are ``{sub: {"email", "name", "groups"}}``; a test changes a user's groups
at the provider with ``set_groups``. Every token request is recorded
(``token_requests``) with whether its PKCE check passed.

No Odoo import: the Odoo tests (tc_care) and tests/security both use it.
"""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jwt


def s256(verifier):
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcProvider:
    def __init__(
        self,
        client_id="tc-ops",
        client_secret=None,
        redirect_uris=None,
        groups_claim="groups",
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris or ())
        self.groups_claim = groups_claim
        self.users = {}
        self.current_sub = None
        self.codes = {}
        self.tokens = {}
        self.token_requests = []
        self.bad_nonce = False  # True: ID tokens carry another nonce than asked
        self.kid = secrets.token_hex(8)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        public_pem = (
            key.public_key()
            .public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo,
            )
            .decode()
        )
        public = jwk.construct(public_pem, "RS256").to_dict()
        self.jwks = {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": self.kid,
                    "n": public["n"],
                    "e": public["e"],
                }
            ]
        }
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = None

    # -- the test's side -------------------------------------------------
    def start(self):
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_user(self, sub, email, name=None, groups=()):
        self.users[sub] = {
            "email": email,
            "name": name or email,
            "groups": list(groups),
        }

    def set_groups(self, sub, groups):
        self.users[sub]["groups"] = list(groups)

    def login_as(self, sub):
        """The user whose session the provider has: /authorize consents for them."""
        self.current_sub = sub

    @property
    def endpoints(self):
        return {
            "issuer": self.base,
            "authorization_endpoint": f"{self.base}/authorize",
            "token_endpoint": f"{self.base}/token",
            "userinfo_endpoint": f"{self.base}/userinfo",
            "jwks_uri": f"{self.base}/jwks",
        }

    def sign(self, claims, access_token=None):
        return jwt.encode(
            claims,
            self._pem,
            algorithm="RS256",
            headers={"kid": self.kid},
            access_token=access_token,
        )

    def claims_of(self, sub):
        user = self.users[sub]
        return {
            "sub": sub,
            "email": user["email"],
            "email_verified": True,
            "name": user["name"],
            self.groups_claim: list(user["groups"]),
        }

    # -- the protocol ----------------------------------------------------
    def _authorize(self, query):
        q = {k: v[0] for k, v in parse_qs(query).items()}
        if q.get("client_id") != self.client_id:
            return 400, {"error": "unauthorized_client"}, None
        redirect_uri = q.get("redirect_uri", "")
        if self.redirect_uris and redirect_uri not in self.redirect_uris:
            return (
                400,
                {"error": "invalid_request", "error_description": "redirect_uri"},
                None,
            )
        if q.get("response_type") != "code":
            return 400, {"error": "unsupported_response_type"}, None
        if "openid" not in q.get("scope", "").split():
            return 400, {"error": "invalid_scope"}, None
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            return (
                400,
                {"error": "invalid_request", "error_description": "PKCE S256"},
                None,
            )
        if self.current_sub not in self.users:
            return 400, {"error": "login_required"}, None
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.codes[code] = {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "challenge": q["code_challenge"],
                "nonce": q.get("nonce"),
                "sub": self.current_sub,
            }
        params = {"code": code}
        if "state" in q:
            params["state"] = q["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return 302, None, f"{redirect_uri}{sep}{urlencode(params)}"

    def _token(self, form, authorization):
        f = {k: v[0] for k, v in parse_qs(form).items()}
        record = {"form": f, "pkce_ok": False}
        self.token_requests.append(record)
        if f.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        client_id = f.get("client_id")
        if authorization and authorization.startswith("Basic "):
            raw = base64.b64decode(authorization[6:]).decode()
            client_id, _sep, secret = raw.partition(":")
            if self.client_secret and secret != self.client_secret:
                return 401, {"error": "invalid_client"}
        elif self.client_secret:
            return 401, {"error": "invalid_client"}
        with self._lock:
            grant = self.codes.pop(f.get("code", ""), None)  # one use only
        if not grant or grant["client_id"] != client_id:
            return 400, {"error": "invalid_grant"}
        if grant["redirect_uri"] != f.get("redirect_uri"):
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = f.get("code_verifier") or ""
        if not verifier or s256(verifier) != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        record["pkce_ok"] = True
        access_token = secrets.token_urlsafe(32)
        now = int(time.time())
        claims = {
            "iss": self.base,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            **self.claims_of(grant["sub"]),
        }
        if grant["nonce"]:
            claims["nonce"] = (
                "not-" + grant["nonce"] if self.bad_nonce else grant["nonce"]
            )
        self.tokens[access_token] = grant["sub"]
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.sign(claims, access_token=access_token),
        }

    def _userinfo(self, authorization):
        token = (authorization or "").removeprefix("Bearer ").strip()
        sub = self.tokens.get(token)
        if not sub:
            return 401, {"error": "invalid_token"}
        return 200, self.claims_of(sub)

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, body=None, location=None):
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                data = json.dumps(body).encode() if body is not None else b""
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    self._send(
                        200,
                        {
                            **provider.endpoints,
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "code_challenge_methods_supported": ["S256"],
                            "scopes_supported": ["openid", "email", "profile"],
                            "claims_supported": [
                                "sub",
                                "email",
                                "name",
                                provider.groups_claim,
                            ],
                        },
                    )
                elif url.path == "/jwks":
                    self._send(200, provider.jwks)
                elif url.path == "/authorize":
                    status, body, location = provider._authorize(url.query)
                    self._send(status, body, location)
                elif url.path == "/userinfo":
                    self._send(*provider._userinfo(self.headers.get("Authorization")))
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = self.rfile.read(length).decode()
                if url.path == "/token":
                    self._send(
                        *provider._token(form, self.headers.get("Authorization"))
                    )
                else:
                    self._send(404, {"error": "not_found"})

        return Handler
