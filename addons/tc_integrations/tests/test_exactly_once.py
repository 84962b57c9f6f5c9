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
