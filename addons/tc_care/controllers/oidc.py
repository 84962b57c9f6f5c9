# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The login page's staff provider buttons: one PKCE verifier and nonce per login,
kept in the browser's session (``services/oidc_login.py``). Transport only: no
route of its own (auth_oauth's /web/login renders these links)."""

import json

from werkzeug.urls import url_decode, url_encode

from odoo.http import request

from odoo.addons.auth_oidc.controllers.main import OpenIDLogin

from ..services import oidc_login


class TcStaffOpenIDLogin(OpenIDLogin):
    def list_providers(self):
        providers = super().list_providers()
        staff = set(
            request.env["auth.oauth.provider"]
            .sudo()
            .search([("tc_staff", "=", True), ("flow", "=", "id_token_code")])
            .ids
        )
        for provider in providers:
            if provider["id"] not in staff:
                continue
            key, verifier, nonce = oidc_login.start(request.session, provider["id"])
            params = url_decode(provider["auth_link"].split("?", 1)[1])
            state = json.loads(params["state"])
            state["k"] = key
            params["state"] = json.dumps(state)
            params["nonce"] = nonce
            params["code_challenge"] = oidc_login.s256(verifier)
            params["code_challenge_method"] = "S256"
            provider["auth_link"] = f"{provider['auth_endpoint']}?{url_encode(params)}"
        return providers
