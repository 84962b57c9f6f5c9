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

    def test_reconciliation_mismatches_own_only(self):
        Mismatch = self.env["tc.reconciliation.mismatch"]
        customer = self.env["res.partner"].create(
            {"name": "Acme site", "parent_id": self.acme.id}
        )
        self.env["tc.order.review"].create(
            {
                "order_ref": "P-ORD-9",
                "partner_id": customer.id,
                "requested_plan": "Fiber",
                "tc_api_partner_id": self.acme.id,
            }
        )
        common = {
            "mismatch_type": "amount_differs",
            "first_seen_date": "2026-05-01",
            "last_seen_date": "2026-05-02",
            "expected_amount": 49.9,
            "expected_currency_id": self.env.ref("base.EUR").id,
        }
        Mismatch.create(
            [
                dict(common, mismatch_id="pm_1", partner_id=customer.id),
                dict(common, mismatch_id="pm_2", order_ref="P-ORD-9"),
                dict(common, mismatch_id="pm_3", partner_id=self.other.id),
                dict(
                    common,
                    mismatch_id="pm_4",
                    partner_id=customer.id,
                    state="resolved_upstream",
                    last_seen_date="2026-05-01",
                ),
            ]
        )
        result = self._rpc("reconciliation.mismatches").json()["result"]
        self.assertEqual(
            sorted(m["mismatch_id"] for m in result), ["pm_1", "pm_2", "pm_4"]
        )
        first = next(m for m in result if m["mismatch_id"] == "pm_1")
        self.assertEqual(first["expected"], {"amount": "49.90", "currency": "EUR"})
        self.assertIsNone(first["actual"])
        night = self._rpc(
            "reconciliation.mismatches", {"date": "2026-05-02", "state": "open"}
        ).json()["result"]
        self.assertEqual(sorted(m["mismatch_id"] for m in night), ["pm_1", "pm_2"])
        other = self._rpc("reconciliation.mismatches", token=self.other_token).json()
        self.assertEqual([m["mismatch_id"] for m in other["result"]], ["pm_3"])
        for params in ({"date": "May 2"}, {"state": "gone"}, {"limit": 0}):
            error = self._rpc("reconciliation.mismatches", params).json()["error"]
            self.assertEqual(error["code"], -32602, params)

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
