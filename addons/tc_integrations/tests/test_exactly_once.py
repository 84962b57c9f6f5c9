# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import random

from odoo.tests import TransactionCase, tagged

from .common import event, trap_jobs


@tagged("post_install", "-at_install")
class TestExactlyOnce(TransactionCase):
    def test_5000_events_10_percent_duplicates_shuffled(self):
        rng = random.Random(42)
        distinct = [event("evt_x%05d" % i, "BenchPing") for i in range(4500)]
        deliveries = distinct + rng.sample(distinct, 500)
        rng.shuffle(deliveries)
        created = 0
        with trap_jobs() as trap:
            for payload in deliveries:
                created += self.env["tc.event"]._tc_ingest(payload)[1]
            self.assertEqual(created, 4500)
            trap.assert_jobs_count(4500)
            trap.perform_enqueued_jobs()
        events = self.env["tc.event"].search([("event_id", "like", "evt_x")])
        self.assertEqual(len(events), 4500)
        self.assertEqual(set(events.mapped("state")), {"ignored"})
        # every job run again (at-least-once): nothing changes
        self.assertEqual(
            {e._tc_job_process() for e in events[:200]},
            {"nothing to do: event is ignored"},
        )

    def test_a_delivery_is_stored_and_queued_in_four_queries(self):
        """The webhook's hot path (bench/RESULTS.md, tc_integrations section): the
        event row, queue_job's identity and uuid look-ups and the job row; the
        event just inserted is not read back for the job's description. (A
        request's new transaction also reads the user's company once, for
        ``ir.default``'s cache key in queue.job's ``create``: this test's
        environment has it already.)"""
        ingest = self.env["tc.event"]._tc_ingest
        ingest(event("evt_q_warm", "BenchPing"))  # queue_job's config cache
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            stored, created = ingest(event("evt_q_1", "BenchPing"))
        self.assertTrue(created)
        job = self.env["queue.job"].search(
            [("identity_key", "=", "tc.event:%s" % stored.id)]
        )
        self.assertEqual(len(job), 1)
        self.assertEqual(job.name, "Process event evt_q_1 (BenchPing)")
        self.assertEqual(job.channel, "root.tc_events")
        self.assertEqual(job.method_name, "_tc_job_process")
        self.assertEqual(job.records, stored)
        self.assertEqual(job.company_id, self.env.company)
        # a replay: one insert that conflicts and one search, no job
        with self.assertQueryCount(2):
            self.assertFalse(ingest(event("evt_q_1", "BenchPing"))[1])
        self.assertEqual(
            self.env["queue.job"].search_count(
                [("identity_key", "=", "tc.event:%s" % stored.id)]
            ),
            1,
        )
