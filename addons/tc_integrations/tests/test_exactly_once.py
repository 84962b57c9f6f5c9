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


@tagged("post_install", "-at_install")
class TestEventDispatcher(TransactionCase):
    """The webhook's deliveries are stored by the request and get their job from
    the event dispatcher (a cron of the jobs node): still one job per event."""

    def setUp(self):
        super().setUp()
        self.cron = self.env.ref("tc_integrations.ir_cron_dispatch_events")
        self.ingest = self.env["tc.event"]._tc_ingest
        self.dispatch = self.env["tc.event"]._cron_dispatch_events

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )

    def test_1000_deliveries_10_percent_duplicates_one_job_each(self):
        rng = random.Random(7)
        distinct = [event("evt_dsp%04d" % i, "BenchPing") for i in range(900)]
        deliveries = distinct + rng.sample(distinct, 100)
        rng.shuffle(deliveries)
        with trap_jobs() as trap:
            created = sum(self.ingest(p, dispatch=True)[1] for p in deliveries)
            self.assertEqual(created, 900)
            trap.assert_jobs_count(0)  # nothing queued inside the requests
            runs = []
            while not runs or runs[-1]:
                runs.append(self.dispatch(limit=400))
            self.assertEqual(runs, [400, 400, 100, 0])
            trap.assert_jobs_count(900)
            queued_for = [job.recordset.id for job in trap.enqueued_jobs]
            trap.perform_enqueued_jobs()
        events = self.env["tc.event"].search([("event_id", "like", "evt_dsp")])
        self.assertEqual(len(events), 900)
        self.assertEqual(sorted(queued_for), sorted(events.ids))  # one job each
        self.assertEqual(set(events.mapped("state")), {"ignored"})
        self.assertFalse(any(events.mapped("awaiting_job")))

    def test_a_delivery_is_stored_in_one_query(self):
        """The webhook's hot path: one statement inserts the event and looks at
        the dispatcher's cron (active, a trigger already waiting). The first
        delivery after a run adds the trigger: Odoo's ``_trigger`` reads the cron
        and creates the trigger (with ``ir.default``'s look-ups)."""
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()
        self.env.invalidate_all()
        with self.assertQueryCount(4):
            self.assertTrue(self.ingest(event("evt_w1", "BenchPing"), dispatch=True)[1])
        self.assertEqual(self._triggers(), 1)
        self.env.invalidate_all()
        with self.assertQueryCount(1):
            stored, created = self.ingest(event("evt_w2", "BenchPing"), dispatch=True)
            self.assertTrue(created)
            # what the webhook's answer logs under: not read back
            self.assertEqual(stored.correlation_id, "corr-evt_w2")
        self.assertEqual(self._triggers(), 1)  # one waiting trigger is enough
        # a replay: the insert that conflicts and one search; nothing woken
        with self.assertQueryCount(2):
            self.assertFalse(
                self.ingest(event("evt_w2", "BenchPing"), dispatch=True)[1]
            )

    def test_the_dispatcher_runs_again_until_a_scan_finds_nothing(self):
        """Deliveries committed while a run works are taken by the next scan: a
        run that queued any asks Odoo's cron to run it again at once."""
        for i in range(3):
            self.ingest(event("evt_p%d" % i, "BenchPing"), dispatch=True)
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.cron.id, "remaining": 0, "done": 0}
        )
        dispatch = (
            self.env["tc.event"]
            .with_context(ir_cron_progress_id=progress.id)
            ._cron_dispatch_events
        )
        with trap_jobs() as trap:
            self.assertEqual(dispatch(), 3)
            self.assertEqual((progress.done, progress.remaining), (3, 1))
            self.assertEqual(dispatch(), 0)
            self.assertEqual((progress.done, progress.remaining), (0, 0))
            trap.assert_jobs_count(3)

    def test_without_its_cron_a_delivery_is_queued_at_once(self):
        self.cron.active = False
        with trap_jobs() as trap:
            stored, created = self.ingest(event("evt_nc", "BenchPing"), dispatch=True)
            self.assertTrue(created)
            trap.assert_jobs_count(1, only=stored._tc_job_process)
        self.assertFalse(stored.awaiting_job)
        self.assertEqual(self.dispatch(), 0)

    def test_the_requeue_cron_still_catches_a_delivery_never_dispatched(self):
        stored = self.ingest(event("evt_lost", "BenchPing"), dispatch=True)[0]
        self.env.cr.execute(
            "UPDATE tc_event SET received_at = received_at - interval '10 minutes' "
            "WHERE id = %s",
            [stored.id],
        )
        self.env.invalidate_all()
        with trap_jobs() as trap:
            self.env["tc.event"]._cron_requeue()
            trap.assert_jobs_count(1, only=stored._tc_job_process)
            self.assertFalse(stored.awaiting_job)
            self.assertEqual(self.dispatch(), 0)  # not queued a second time
            trap.assert_jobs_count(1)
