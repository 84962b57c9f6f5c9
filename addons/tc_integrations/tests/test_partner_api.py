# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import HttpCase, tagged

URL = "/tc/partner/jsonrpc"


@tagged("post_install", "-at_install")
class TestPartnerApi(HttpCase):
    """A JSON-RPC 2.0 client (requests) against the Odoo test server."""

    def setUp(self):
        super().setUp()
        cls = self
        Key = self.env["tc.partner.api.key"]
        cls.acme = self.env["res.partner"].create(
            {"name": "Acme Reseller", "is_company": True}
        )
        cls.other = self.env["res.partner"].create(
            {"name": "Other Reseller", "is_company": True}
        )
        cls.key = Key.create({"name": "acme", "partner_id": cls.acme.id})
        cls.token = cls.key._tc_generate()
        cls.other_key = Key.create({"name": "other", "partner_id": cls.other.id})
        cls.other_token = cls.other_key._tc_generate()

    def _rpc(self, method, params=None, token=None, rpc_id=1, raw=None):
        body = (
            raw
            if raw is not None
            else json.dumps(
                {
                    "jsonrpc": "2.0",
                    "id": rpc_id,
                    "method": method,
                    "params": params or {},
                }
            )
        )
        return self.opener.post(
            self.base_url() + URL,
            data=body,
            timeout=10,
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer %s" % (token or self.token),
            },
        )

    def test_submit_and_status_own_records_only(self):
        response = self._rpc(
            "order.submit_for_review",
            {
                "order_id": "P-ORD-1",
                "requested_plan": "Fiber 500",
                "reasons": ["coverage"],
            },
        )
        self.assertEqual(response.status_code, 200, response.text)
        result = response.json()["result"]
        self.assertEqual(result["state"], "new")
        review = self.env["tc.order.review"].search([("order_ref", "=", "P-ORD-1")])
        self.assertEqual(review.tc_api_partner_id, self.acme)
        status = self._rpc("order.review_status", {"order_id": "P-ORD-1"}).json()
        self.assertEqual(status["result"]["review"], review.name)
        # the other partner cannot see it
        hidden = self._rpc(
            "order.review_status", {"order_id": "P-ORD-1"}, token=self.other_token
        )
        self.assertEqual(hidden.json()["error"]["code"], -32004)
        case = self._rpc(
            "case.open", {"subject": "Line down", "kind": "technical_fault"}
        ).json()
        case_id = case["result"]["case_id"]
        self.assertFalse(
            self._rpc("case.status", {"case_id": case_id}).json()["result"]["closed"]
        )
        other = self._rpc(
            "case.status", {"case_id": case_id}, token=self.other_token
        ).json()
        self.assertEqual(other["error"]["code"], -32004)
        self.assertEqual(self._rpc("reconciliation.mismatches").json()["result"], [])

    def test_error_matrix(self):
        count = self.env["tc.order.review"].search_count([])
        cases = [
            ("parse", dict(method="x", raw="{not json"), 200, -32700),
            (
                "invalid request",
                dict(method="x", raw='{"jsonrpc": "1.0", "id": 1, "method": "a"}'),
                200,
                -32600,
            ),
            ("batch", dict(method="x", raw="[]"), 200, -32600),
            ("method", dict(method="order.delete"), 200, -32601),
            (
                "params missing",
                dict(method="order.submit_for_review", params={"order_id": "X"}),
                200,
                -32602,
            ),
            (
                "params type",
                dict(method="case.status", params={"case_id": "1"}),
                200,
                -32602,
            ),
            (
                "wrong key",
                dict(
                    method="case.status", params={"case_id": 1}, token="tcp_dead_beef"
                ),
                401,
                -32001,
            ),
            (
                "no tcp key, no jwt",
                dict(
                    method="case.status", params={"case_id": 1}, token="eyJhbGciOi.x.y"
                ),
                401,
                -32001,
            ),
        ]
        for label, kwargs, status, code in cases:
            with self.subTest(label):
                response = self._rpc(**kwargs)
                self.assertEqual(response.status_code, status, response.text)
                self.assertEqual(response.json()["error"]["code"], code)
                self.assertEqual(response.json()["jsonrpc"], "2.0")
        self.assertEqual(self.env["tc.order.review"].search_count([]), count)

    def test_ip_allowlist_scope_and_rate_limit(self):
        self.key.ip_allowlist = "10.9.8.0/24"
        response = self._rpc("reconciliation.mismatches")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["error"]["code"], -32003)
        self.key.write(
            {"ip_allowlist": "127.0.0.1", "scopes": "cases", "rate_limit": 2}
        )
        response = self._rpc("reconciliation.mismatches")
        self.assertEqual(response.status_code, 403)
        self.assertIn("scope", response.json()["error"]["message"])
        self.assertEqual(self._rpc("reconciliation.mismatches").status_code, 403)
        response = self._rpc("reconciliation.mismatches")  # third request this minute
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"]["code"], -32029)
        self.assertEqual(response.headers["Retry-After"], "60")

    def test_token_is_stored_hashed(self):
        self.assertNotIn(self.token, json.dumps(self.key.sudo().read()[0], default=str))
        self.assertTrue(self.token.startswith("tcp_" + self.key.prefix + "_"))
