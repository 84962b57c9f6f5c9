# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.tc_care.tests.common import stored_row

from ..models.tc_reconciliation_run import TcReconciliationRun
from ..services.reconciliation import Reconciliation
from ..testing.dataplane import DataPlanePeer
from .common import tc_settings

TOKEN = "tok-recon"
N1, N2, N3 = "2026-05-01", "2026-05-02", "2026-05-03"


def mm(n, mtype="amount_differs", customer="RC-1", **extra):
    row = {
        "mismatch_id": "rmm_%s" % n,
        "type": mtype,
        "refs": {"customer_id": customer, "invoice_id": "RINV-%s" % n},
        "detected_at": "2026-05-02T02:00:00Z",
    }
    if mtype in ("amount_differs", "payment_without_invoice"):
        row["expected"] = {"amount": "49.90", "currency": "EUR"}
        row["actual"] = {"amount": "39.90", "currency": "EUR"}
    else:
        row["detail"] = "billing: active, provisioning: suspended"
    row.update(extra)
    return row


class _Killed(BaseException):
    """Stands for the process being killed: nothing catches it."""


class ReconciliationCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # pylint: disable=unsubscriptable-object
        env = cls.env  # (pylint infers BaseCase.env = None)
        cls.Run = env["tc.reconciliation.run"]
        cls.Mismatch = env["tc.reconciliation.mismatch"]
        cls.billing = env["helpdesk.ticket.team"].create({"name": "Billing (test)"})
        cls.field = env["helpdesk.ticket.team"].create({"name": "Field (test)"})
        env.ref("tc_care.type_reconciliation_mismatch").tc_default_team_id = cls.billing
        cls.customer = env["res.partner"].create({"name": "Rita", "ref": "RC-1"})
        env["ir.config_parameter"].set_param(
            "tc_integrations.reconciliation_page_size", "2"
        )

    def _peer(self, nights):
        peer = DataPlanePeer(token=TOKEN, mismatches=nights)
        return peer

    def _run(self, peer, day):
        with tc_settings(tc_api_base_url=peer.base_url, tc_api_token=TOKEN):
            return self.Run._tc_reconcile(day)

    def _mine(self):
        return self.Mismatch.search([("mismatch_id", "like", "rmm_")])

    def _cases(self):
        return self._mine().ticket_id


@tagged("post_install", "-at_install")
class TestReconciliation(ReconciliationCase):
    def test_three_nights_new_repeated_resolved_and_a_malformed_page(self):
        bad_currency = mm(7)
        bad_currency["actual"] = {"amount": "1.00", "currency": "XXQ"}
        nights = {
            N1: [mm(i) for i in range(1, 6)],
            N2: [mm(1), mm(2), {"type": "amount_differs"}, mm(3), mm(4), mm(6)]
            + [bad_currency],
            N3: [mm(2), mm(3), mm(4), mm(6), mm(8)],
        }
        with self._peer(nights) as peer:
            # night 1: five new mismatches, five cases, three pages of two
            run1 = self._run(peer, N1)
            self.assertEqual(run1.state, "done")
            self.assertEqual(
                (run1.pages, run1.new_count, run1.repeated_count, run1.resolved_count),
                (3, 5, 0, 0),
            )
            self.assertEqual(run1.cases_created, 5)
            self.assertEqual(len(self._mine()), 5)
            cases = self._cases()
            self.assertEqual(len(cases), 5)
            self.assertEqual(
                set(cases.mapped("type_id.tc_code")), {"reconciliation_mismatch"}
            )
            self.assertEqual(cases.team_id, self.billing)
            case1 = self._mine().filtered(lambda m: m.mismatch_id == "rmm_1").ticket_id
            self.assertEqual(case1.tc_invoice_ref, "RINV-1")
            self.assertEqual(case1.partner_id, self.customer)
            self.assertEqual(case1.tc_correlation_id, run1.correlation_id)
            self.assertIn("rmm_1", case1.description)
            self.assertTrue(case1.tc_timeline_ids.filtered(lambda t: "rmm_1" in t.name))
            first = self._mine().filtered(lambda m: m.mismatch_id == "rmm_1")
            self.assertEqual(first.expected_amount, 49.9)
            self.assertEqual(first.actual_currency_id.name, "EUR")
            self.assertEqual(
                [
                    r.query.get("cursor")
                    for r in peer.requests_to("/reconciliation/mismatches")
                ],
                [None, "c2", "c4"],
            )
            self.assertTrue(
                all(
                    r.headers["x-correlation-id"] == run1.correlation_id
                    for r in peer.requests_to("/reconciliation/mismatches")
                )
            )
            # the same night again: the run is done, nothing is read or created
            self.assertEqual(self._run(peer, N1), run1)
            self.assertEqual(len(peer.requests_to("/reconciliation/mismatches")), 3)

            # night 2: 4 repeated, 1 new, 2 bad rows, rmm_5 resolved upstream
            run2 = self._run(peer, N2)
            self.assertEqual(run2.state, "partial")
            self.assertEqual(
                (
                    run2.pages,
                    run2.new_count,
                    run2.repeated_count,
                    run2.failed_count,
                    run2.resolved_count,
                ),
                (4, 1, 4, 2, 1),
            )
            messages = run2.error_ids.mapped("message")
            self.assertTrue(
                any("mismatch_id is missing" in m for m in messages), messages
            )
            self.assertTrue(
                any("Unknown currency XXQ" in m for m in messages), messages
            )
            self.assertEqual(len(self._mine()), 6)
            self.assertEqual(len(self._cases()), 6)
            mine = {m.mismatch_id: m for m in self._mine()}
            self.assertEqual(mine["rmm_5"].state, "resolved_upstream")
            case5 = mine["rmm_5"].ticket_id
            self.assertTrue(case5.stage_id.closed)
            self.assertTrue(
                case5.message_ids.filtered(
                    lambda m: "Resolved upstream" in (m.body or "")
                )
            )
            self.assertEqual(mine["rmm_1"].last_seen_date.isoformat(), N2)
            self.assertEqual(mine["rmm_1"].first_seen_date.isoformat(), N1)
            self.assertFalse(mine["rmm_1"].ticket_id.stage_id.closed)

            # night 3: page c2 is malformed: recorded, skipped, the rest is read,
            # and nothing is resolved (rmm_1 is missing, but so is that page)
            peer.script_page(
                N3,
                "c2",
                200,
                {"mismatches": "oops", "next_cursor": "c4", "has_more": True},
            )
            run3 = self._run(peer, N3)
            self.assertEqual(run3.state, "partial")
            self.assertEqual(
                (
                    run3.pages,
                    run3.page_error_count,
                    run3.new_count,
                    run3.repeated_count,
                    run3.resolved_count,
                ),
                (2, 1, 1, 2, 0),
            )
            page_error = run3.error_ids.filtered(lambda e: e.kind == "page")
            self.assertEqual(page_error.cursor, "c2")
            self.assertIn("page has no 'mismatches' list", page_error.message)
            self.assertTrue(
                run3.error_ids.filtered(
                    lambda e: "Nothing was marked resolved" in e.message
                )
            )
            mine = {m.mismatch_id: m for m in self._mine()}
            self.assertEqual(mine["rmm_1"].state, "open")
            self.assertEqual(len(mine), 7)
            self.assertEqual(len(self._cases()), 7)

    def test_reappearing_mismatch_reopens_its_case(self):
        nights = {N1: [mm(1)], N2: [], N3: [mm(1)]}
        with self._peer(nights) as peer:
            self._run(peer, N1)
            self._run(peer, N2)
            mismatch = self._mine()
            self.assertEqual(mismatch.state, "resolved_upstream")
            self.assertTrue(mismatch.ticket_id.stage_id.closed)
            run3 = self._run(peer, N3)
            self.assertEqual(run3.new_count, 1)
            self.assertEqual(run3.cases_created, 0)
            self.assertEqual(mismatch.state, "open")
            self.assertFalse(mismatch.ticket_id.stage_id.closed)
            self.assertEqual(len(self._cases()), 1)

    def test_killed_run_resumes_without_duplicates(self):
        nights = {N1: [mm(i) for i in range(1, 8)]}  # 4 pages
        calls = []
        original = Reconciliation.process_page

        def dying(service, items, cursor):
            calls.append(cursor)
            result = original(service, items, cursor)
            if len(calls) == 3:
                raise _Killed()  # after the page's work, before its commit
            return result

        with self._peer(nights) as peer:
            # (not self.assertRaises: Odoo's rolls back what ran inside it)
            killed = False
            with patch.object(Reconciliation, "process_page", dying):
                try:
                    self._run(peer, N1)
                except _Killed:
                    killed = True
            self.assertTrue(killed)
            run = self.Run.search([("report_date", "=", N1)])
            # the two committed pages are kept, the third was never committed
            self.assertEqual((run.state, run.pages, run.cursor), ("running", 2, "c4"))
            self.assertEqual(len(self._mine()), 4)
            self.assertEqual(len(self._cases()), 4)
            resumed = self._run(peer, N1)
            self.assertEqual(resumed, run)
            self.assertEqual(run.state, "done")
            self.assertEqual(run.attempts, 2)
            self.assertEqual((run.pages, run.new_count), (4, 7))
            self.assertEqual(len(self._mine()), 7)
            self.assertEqual(len(self._cases()), 7)
            self.assertEqual(
                [
                    r.query.get("cursor")
                    for r in peer.requests_to("/reconciliation/mismatches")
                ],
                [None, "c2", "c4", "c4", "c6"],
            )

    def test_unreadable_page_is_read_again_then_the_run_stops_and_resumes(self):
        nights = {N1: [mm(i) for i in range(1, 6)]}
        with (
            self._peer(nights) as peer,
            patch.object(Reconciliation, "retry_delays", (0, 0, 0)),
        ):
            peer.script_page(N1, "c2", 502, {"error": "bad gateway"}, times=2)
            run = self._run(peer, N1)
            self.assertEqual(run.state, "done")
            self.assertEqual(run.new_count, 5)
            self.assertEqual(
                len(run.error_ids.filtered(lambda e: "Read again" in e.message)), 2
            )

        nights = {N2: [mm(i) for i in range(1, 6)]}
        with (
            self._peer(nights) as peer,
            patch.object(Reconciliation, "retry_delays", (0, 0, 0)),
        ):
            peer.script_page(
                N2, "c2", 200, "not json", content_type="text/plain", times=4
            )
            run = self._run(peer, N2)
            self.assertEqual(run.state, "failed")
            self.assertEqual(run.cursor, "c2")
            self.assertIn("Stopped at cursor c2", run.last_error)
            self.assertIn("not a JSON object", run.last_error)
            # nothing was resolved while the report was incomplete
            self.assertFalse(self._mine().filtered(lambda m: m.state != "open"))
            # the next scheduler tick resumes it from c2
            with (
                tc_settings(tc_api_base_url=peer.base_url, tc_api_token=TOKEN),
                patch.object(
                    TcReconciliationRun,
                    "_tc_due_date",
                    lambda self, now=None: run.report_date,
                ),
            ):
                self.Run._cron_reconcile()
            self.assertEqual(run.state, "done")
            self.assertEqual(run.repeated_count, 5)
            self.assertEqual(len(self._mine()), 5)

    def test_one_case_per_customer_when_set(self):
        self.env["ir.config_parameter"].set_param(
            "tc_integrations.reconciliation_group_by_customer", "True"
        )
        nights = {
            N1: [
                mm(1),
                mm(2),
                mm(3, customer="RC-2"),
                mm(4),
                mm(5, refs={"order_id": "O5"}),
            ],
            N2: [
                mm(1),
                mm(2),
                mm(3, customer="RC-2"),
                mm(5, refs={"order_id": "O5"}),
                mm(6),
            ],
            N3: [mm(2), mm(3, customer="RC-2"), mm(5, refs={"order_id": "O5"}), mm(6)],
        }
        with self._peer(nights) as peer:
            run1 = self._run(peer, N1)
            self.assertEqual(run1.cases_created, 3)  # RC-1, RC-2, one without customer
            mine = {m.mismatch_id: m for m in self._mine()}
            rc1 = mine["rmm_1"].ticket_id
            self.assertEqual(mine["rmm_2"].ticket_id, rc1)
            self.assertEqual(mine["rmm_4"].ticket_id, rc1)
            self.assertNotEqual(mine["rmm_3"].ticket_id, rc1)
            self.assertIn("rmm_1", rc1.description)
            self.assertTrue(rc1.tc_timeline_ids.filtered(lambda t: "rmm_4" in t.name))
            # night 2: rmm_6 (RC-1) joins the open case; rmm_4 resolved, case stays open
            run2 = self._run(peer, N2)
            self.assertEqual(run2.cases_created, 0)
            mine = {m.mismatch_id: m for m in self._mine()}
            self.assertEqual(mine["rmm_6"].ticket_id, rc1)
            self.assertEqual(mine["rmm_4"].state, "resolved_upstream")
            self.assertFalse(rc1.stage_id.closed)
            # night 3: rmm_1 resolved too; rmm_2 and rmm_6 still open: still open
            self._run(peer, N3)
            self.assertFalse(rc1.stage_id.closed)
            self.assertEqual(len(self._cases()), 3)

    def test_an_id_on_two_pages_is_counted_once(self):
        # page size 2: rmm_1 is on the first page and again on the second
        nights = {N1: [mm(1), mm(2), mm(1)], N2: [mm(1), mm(2), mm(1)]}
        with self._peer(nights) as peer:
            run1 = self._run(peer, N1)
            self.assertEqual((run1.new_count, run1.repeated_count), (2, 0))
            run2 = self._run(peer, N2)
            self.assertEqual((run2.new_count, run2.repeated_count), (0, 2))
            self.assertEqual(len(self._mine()), 2)
            self.assertEqual(len(self._cases()), 2)

    def test_bulk_rows_equal_orm_rows(self):
        """Mismatches and their timeline entries go in through tc_care's bulk
        writer: column for column what ``create`` writes for the same values
        (amounts rounded to their currency included)."""
        odd = mm(3)  # amounts finer than the currency's: rounded as create does
        odd["expected"] = {"amount": "10.005", "currency": "EUR"}
        odd["actual"] = {"amount": "3.3333", "currency": "EUR"}
        nights = {N1: [mm(1), mm(2, "subscription_state_differs"), odd]}
        with self._peer(nights) as peer:
            self._run(peer, N1)
        Timeline = self.env["tc.case.timeline"]
        fields_ = [
            name
            for name, field in self.Mismatch._fields.items()
            if field.store and field.column_type and not field.automatic
        ]
        for mismatch in self._mine():
            values = mismatch.read(fields_, load=None)[0]
            values.pop("id")
            if mismatch.mismatch_id == "rmm_3":
                self.assertEqual(
                    (mismatch.expected_amount, mismatch.actual_amount), (10.01, 3.33)
                )
                values.update(expected_amount=10.005, actual_amount=3.3333)
            orm = self.Mismatch.create(
                dict(values, mismatch_id="orm-" + values["mismatch_id"])
            )
            self.assertEqual(
                stored_row(mismatch, "mismatch_id"),
                stored_row(orm, "mismatch_id"),
                "mismatch: bulk row != ORM row",
            )
            entry = Timeline.search(
                [
                    ("res_model", "=", "tc.reconciliation.mismatch"),
                    ("res_id", "=", mismatch.id),
                ]
            )
            self.assertEqual(len(entry), 1)
            orm_entry = Timeline.create(
                {
                    name: entry[name].id
                    if entry._fields[name].type == "many2one"
                    else entry[name]
                    for name in (
                        "ticket_id",
                        "name",
                        "progress",
                        "res_id",
                        "kind",
                        "user_id",
                        "res_model",
                        "correlation_id",
                        "date",
                    )
                }
            )
            self.assertEqual(stored_row(entry), stored_row(orm_entry))

    def test_due_date_follows_the_company_time_zone(self):
        self.env.company.partner_id.tz = "Asia/Tokyo"
        self.env["ir.config_parameter"].set_param(
            "tc_integrations.reconciliation_hour", "2"
        )
        # 16:30 UTC = 01:30 on May 3rd in Tokyo: before 02:00, May 1st is due
        self.assertEqual(
            self.Run._tc_due_date(datetime(2026, 5, 2, 16, 30)).isoformat(), N1
        )
        # 17:05 UTC = 02:05 in Tokyo: May 2nd is due
        self.assertEqual(
            self.Run._tc_due_date(datetime(2026, 5, 2, 17, 5)).isoformat(), N2
        )

    def test_cron_runs_the_due_night_once(self):
        nights = {N1: [mm(1), mm(2), mm(3)]}
        with (
            self._peer(nights) as peer,
            tc_settings(tc_api_base_url=peer.base_url, tc_api_token=TOKEN),
            patch.object(
                TcReconciliationRun,
                "_tc_due_date",
                lambda self, now=None: datetime(2026, 5, 1).date(),
            ),
        ):
            self.Run._cron_reconcile()
            run = self.Run.search([("report_date", "=", N1)])
            self.assertEqual((run.state, run.new_count), ("done", 3))
            requests = len(peer.requests)
            self.Run._cron_reconcile()
            self.assertEqual(len(peer.requests), requests)
        with tc_settings(tc_api_base_url="", tc_api_token=""):
            self.assertEqual(self.Run._cron_reconcile(), 0)


@tagged("post_install", "-at_install")
class TestReconciliationAccess(ReconciliationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.finance = new_test_user(env, "rc_fin", groups="tc_orders.group_approver")
        cls.supervisor = new_test_user(env, "rc_sup", groups="tc_care.group_supervisor")
        cls.billing_agent = new_test_user(
            env, "rc_agent_b", groups="tc_care.group_agent"
        )
        cls.field_agent = new_test_user(env, "rc_agent_f", groups="tc_care.group_agent")
        cls.billing.user_ids = [(6, 0, cls.billing_agent.ids)]
        cls.field.user_ids = [(6, 0, cls.field_agent.ids)]

    def test_finance_and_supervisors_see_runs_agents_see_their_cases_only(self):
        with self._peer({N1: [mm(1), mm(2)]}) as peer:
            run = self._run(peer, N1)
        mismatches = self._mine()
        cases = self._cases()
        for user in (self.finance, self.supervisor):
            self.assertEqual(
                self.Run.with_user(user).search([("id", "=", run.id)]), run
            )
            self.assertEqual(run.with_user(user).new_count, 2)
            self.assertEqual(
                self.Mismatch.with_user(user).search([("id", "in", mismatches.ids)]),
                mismatches,
            )
        for user in (self.finance, self.supervisor, self.billing_agent):
            with self.assertRaises(AccessError):
                run.with_user(user).write({"state": "done"})
        # agents read no run at all
        for agent in (self.billing_agent, self.field_agent):
            with self.assertRaises(AccessError):
                self.Run.with_user(agent).search([])
        # the billing agent sees the billing team's cases and their mismatches
        self.assertEqual(
            self.env["helpdesk.ticket"]
            .with_user(self.billing_agent)
            .search([("id", "in", cases.ids)]),
            cases,
        )
        self.assertEqual(
            self.Mismatch.with_user(self.billing_agent).search(
                [("id", "in", mismatches.ids)]
            ),
            mismatches,
        )
        # the field agent sees neither
        self.assertFalse(
            self.env["helpdesk.ticket"]
            .with_user(self.field_agent)
            .search([("id", "in", cases.ids)])
        )
        self.assertFalse(
            self.Mismatch.with_user(self.field_agent).search(
                [("id", "in", mismatches.ids)]
            )
        )
        with self.assertRaises(AccessError):
            mismatches[0].with_user(self.field_agent).read(["mismatch_id"])
        # the exception queue follows the same line
        queue = self.env["tc.exception"]
        rows = queue.search([("ticket_id", "in", cases.ids)])
        self.assertEqual(len(rows), 2)
        self.assertEqual(
            queue.with_user(self.billing_agent).search(
                [("ticket_id", "in", cases.ids)]
            ),
            rows,
        )
        self.assertFalse(
            queue.with_user(self.field_agent).search([("ticket_id", "in", cases.ids)])
        )
        # only managers resume a run
        with self.assertRaises(AccessError):
            run.with_user(self.supervisor).action_resume()
