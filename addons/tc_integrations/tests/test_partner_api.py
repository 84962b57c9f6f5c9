# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import HttpCase, tagged

from .common import event, trap_jobs

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

    # -- issue 17: types, other partners' orders and customers -------------------------
    def test_wrong_json_types_are_invalid_params(self):
        count = self.env["helpdesk.ticket"].search_count([])
        reviews = self.env["tc.order.review"].search_count([])
        cases = [
            ("case.open", {"subject": "x", "kind": ["technical_fault"]}, "kind"),
            ("case.open", {"subject": "x", "kind": {"$ne": 1}}, "kind"),
            ("case.open", {"subject": "x", "kind": 3}, "kind"),
            ("case.open", {"subject": "x", "kind": "order_review"}, "kind"),
            ("case.open", {"subject": "x", "kind": "reconciliation_mismatch"}, "kind"),
            ("case.open", {"subject": ["x"]}, "subject"),
            ("case.open", {"subject": "x", "description": 5}, "description"),
            ("case.open", {"subject": "x", "refs": "ORD-1"}, "refs"),
            ("case.open", {"subject": "x", "refs": {"order_ref": 1}}, "order_ref"),
            ("case.open", {"subject": "x", "refs": {"tc_api_partner_id": 1}}, "refs"),
            ("case.open", {"subject": "x", "partner_id": 1}, "partner_id"),
            (
                "order.submit_for_review",
                {"order_id": 7, "requested_plan": "Fiber"},
                "order_id",
            ),
            (
                "order.submit_for_review",
                {"order_id": "T-1", "requested_plan": "F", "reasons": "coverage"},
                "reasons",
            ),
            (
                "order.submit_for_review",
                {"order_id": "T-1", "requested_plan": "F", "evidence": {"a": 1}},
                "evidence",
            ),
            (
                "order.submit_for_review",
                {"order_id": "T-1", "requested_plan": "F", "customer": "C-1"},
                "customer",
            ),
            (
                "order.submit_for_review",
                {"order_id": "T-1", "requested_plan": "F", "customer": {"ref": 9}},
                "customer.ref",
            ),
            ("order.review_status", {"order_id": None}, "order_id"),
            ("case.status", {"case_id": 10**20}, "case_id"),
            ("case.status", {"case_id": -1}, "case_id"),
            ("reconciliation.mismatches", {"offset": 10**20}, "offset"),
            ("reconciliation.mismatches", {"limit": 1.5}, "limit"),
        ]
        for method, params, word in cases:
            with self.subTest(method=method, params=params):
                response = self._rpc(method, params)
                self.assertEqual(response.status_code, 200, response.text)
                error = response.json()["error"]
                self.assertEqual(error["code"], -32602)
                self.assertIn(word, error["message"])
        self.assertEqual(self.env["helpdesk.ticket"].search_count([]), count)
        self.assertEqual(self.env["tc.order.review"].search_count([]), reviews)

    def test_case_text_is_escaped(self):
        result = self._rpc(
            "case.open",
            {"subject": "x", "description": '<img src=x onerror="alert(1)">'},
        ).json()["result"]
        case = self.env["helpdesk.ticket"].browse(result["case_id"])
        self.assertNotIn("<img", case.description)
        self.assertIn("&lt;img", case.description)

    def test_another_partners_order_answers_like_an_unknown_one(self):
        params = {"order_id": "P-ORD-X", "requested_plan": "Fiber 500"}
        mine = self._rpc("order.submit_for_review", params).json()["result"]
        first = self.env["tc.order.review"].search([("order_ref", "=", "P-ORD-X")])
        # status: "not found", exactly as for an order nobody submitted
        hidden = self._rpc(
            "order.review_status", {"order_id": "P-ORD-X"}, token=self.other_token
        ).json()
        unknown = self._rpc(
            "order.review_status", {"order_id": "P-ORD-NONE"}, token=self.other_token
        ).json()
        self.assertEqual(hidden["error"], unknown["error"])
        # submit: the same answer as for a new order (its own submission)
        theirs = self._rpc(
            "order.submit_for_review", params, token=self.other_token
        ).json()
        fresh = self._rpc(
            "order.submit_for_review",
            dict(params, order_id="P-ORD-NEW"),
            token=self.other_token,
        ).json()
        # same keys, same state, a review reference of the same form: nothing
        # tells an order under someone else's review from an unknown one
        self.assertEqual(theirs["result"]["state"], fresh["result"]["state"])
        self.assertEqual(sorted(theirs["result"]), sorted(fresh["result"]))
        self.assertEqual(
            theirs["result"]["review"].rsplit("/", 1)[0],
            fresh["result"]["review"].rsplit("/", 1)[0],
        )
        self.assertNotEqual(theirs["result"]["review"], mine["review"])
        self.assertNotEqual(theirs["result"]["case_id"], mine["case_id"])
        again = self._rpc(
            "order.review_status", {"order_id": "P-ORD-X"}, token=self.other_token
        ).json()
        self.assertEqual(again["result"], theirs["result"])
        # one open review per order (tc_orders): the first partner's, untouched
        reviews = self.env["tc.order.review"].search([("order_ref", "=", "P-ORD-X")])
        self.assertEqual(reviews, first)
        self.assertEqual(first.tc_api_partner_id, self.acme)
        # the other submission is a case for our people, and the reviewer is told
        parked = self.env["helpdesk.ticket"].browse(theirs["result"]["case_id"])
        self.assertEqual(parked.tc_api_partner_id, self.other)
        self.assertEqual(parked.tc_order_ref, "P-ORD-X")
        self.assertEqual(parked.type_id.tc_code, "order_review")
        self.assertIn(first.name, parked.description)
        self.assertIn(parked.display_name, first.message_ids[0].body)
        # and the first partner's own answer is unchanged
        status = self._rpc("order.review_status", {"order_id": "P-ORD-X"}).json()
        self.assertEqual(status["result"]["review"], first.name)
        # resubmitting is idempotent for both
        self.assertEqual(
            self._rpc("order.submit_for_review", params, token=self.other_token).json()[
                "result"
            ],
            theirs["result"],
        )

    def test_review_attaches_only_own_customers(self):
        acme_customer = self.env["res.partner"].create(
            {"name": "Acme's customer", "ref": "C-ACME-1", "email": "c1@acme.test"}
        )
        self.env["tc.order.review"].create(
            {
                "order_ref": "P-ORD-A1",
                "partner_id": acme_customer.id,
                "requested_plan": "Fiber",
                "tc_api_partner_id": self.acme.id,
            }
        )
        # the other partner names Acme's customer by ref, then by email
        for n, customer in enumerate(
            ({"ref": "C-ACME-1"}, {"email": "c1@acme.test", "name": "Who"})
        ):
            with self.subTest(customer=customer):
                order = "P-ORD-O%d" % n
                response = self._rpc(
                    "order.submit_for_review",
                    {"order_id": order, "requested_plan": "F", "customer": customer},
                    token=self.other_token,
                )
                self.assertEqual(response.status_code, 200, response.text)
                review = self.env["tc.order.review"].search([("order_ref", "=", order)])
                self.assertNotEqual(review.partner_id, acme_customer)
                self.assertFalse(review.partner_id.ref)  # the ref is not taken over
                self.assertNotEqual(review.ticket_id.partner_id, acme_customer)
        # Acme itself names its own customer and gets it
        self._rpc(
            "order.submit_for_review",
            {
                "order_id": "P-ORD-A2",
                "requested_plan": "F",
                "customer": {"ref": "C-ACME-1"},
            },
        )
        review = self.env["tc.order.review"].search([("order_ref", "=", "P-ORD-A2")])
        self.assertEqual(review.partner_id, acme_customer)
        # and the other partner sees none of Acme's customer's mismatches
        self.env["tc.reconciliation.mismatch"].create(
            {
                "mismatch_id": "pm_acme",
                "mismatch_type": "amount_differs",
                "partner_id": acme_customer.id,
                "order_ref": "P-ORD-A1",
                "first_seen_date": "2026-05-01",
                "last_seen_date": "2026-05-01",
            }
        )
        self._rpc(
            "order.submit_for_review",
            {"order_id": "P-ORD-A1", "requested_plan": "F"},
            token=self.other_token,
        )
        other = self._rpc("reconciliation.mismatches", token=self.other_token).json()
        self.assertEqual(other["result"], [])
        own = self._rpc("reconciliation.mismatches").json()["result"]
        self.assertEqual([m["mismatch_id"] for m in own], ["pm_acme"])

    def test_events_never_act_on_refs_a_partner_typed(self):
        # the other partner opens a case naming Acme's payment and submits
        # Acme's order; Acme submitted the order first
        self._rpc(
            "order.submit_for_review", {"order_id": "P-ORD-E", "requested_plan": "F"}
        )
        theirs = self._rpc(
            "order.submit_for_review",
            {"order_id": "P-ORD-E", "requested_plan": "F"},
            token=self.other_token,
        ).json()["result"]
        spy = self._rpc(
            "case.open",
            {
                "subject": "x",
                "kind": "payment_dispute",
                "refs": {"payment_ref": "PAY-E"},
            },
            token=self.other_token,
        ).json()["result"]
        acme_case = (
            self.env["tc.order.review"]
            .search(
                [
                    ("order_ref", "=", "P-ORD-E"),
                    ("tc_api_partner_id", "=", self.acme.id),
                ]
            )
            .ticket_id
        )
        for payload in (
            event("evt_pe", "PaymentConfirmed", payment_id="PAY-E"),
            event("evt_se", "ServiceActivated", order_id="P-ORD-E"),
        ):
            with trap_jobs() as trap:
                stored = self.env["tc.event"]._tc_ingest(payload)[0]
                trap.perform_enqueued_jobs()
            self.assertEqual(stored.state, "done", stored.last_error)
        for case_id in (spy["case_id"], theirs["case_id"]):
            status = self._rpc(
                "case.status", {"case_id": case_id}, token=self.other_token
            ).json()["result"]
            self.assertFalse(status["closed"], case_id)
        self.assertTrue(acme_case.stage_id.closed)  # the first submitter's case
