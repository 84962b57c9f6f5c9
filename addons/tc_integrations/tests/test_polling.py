# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, tagged

from ..models.tc_event import CURSOR_PARAM
from ..testing.dataplane import DataPlanePeer
from .common import event, tc_settings, trap_jobs


@tagged("post_install", "-at_install")
class TestPolling(TransactionCase):
    def test_poll_pages_into_the_same_ingestion(self):
        events = [event("evt_p%d" % i, "Unknown%d" % i) for i in range(5)]
        with (
            DataPlanePeer(token="tok-p", events=events) as peer,
            tc_settings(tc_api_base_url=peer.base_url, tc_api_token="tok-p"),
        ):
            # one of them already came by webhook
            with trap_jobs():
                self.env["tc.event"]._tc_ingest(events[1])
            with trap_jobs() as trap:
                self.assertEqual(self.env["tc.event"]._cron_poll_events(limit=2), 4)
                trap.assert_jobs_count(4)
            self.assertEqual(
                self.env["ir.config_parameter"].get_param(CURSOR_PARAM), "c5"
            )
            self.assertEqual(
                self.env["tc.event"].search_count([("event_id", "like", "evt_p")]), 5
            )
            # next run starts after the cursor: nothing new
            self.assertEqual(peer.requests_to("/events")[-1].query.get("after"), "c4")
            with trap_jobs():
                self.assertEqual(self.env["tc.event"]._cron_poll_events(limit=2), 0)
            self.assertEqual(peer.requests_to("/events")[-1].query.get("after"), "c5")

    def test_failed_page_keeps_the_last_committed_cursor(self):
        events = [event("evt_q%d" % i, "Unknown") for i in range(4)]
        with (
            DataPlanePeer(token="tok-p", events=events) as peer,
            tc_settings(tc_api_base_url=peer.base_url, tc_api_token="tok-p"),
        ):
            peer.script(
                "GET",
                "/events",
                200,
                {"events": events[:2], "next_cursor": "c2", "has_more": True},
            )
            peer.script("GET", "/events", 502, {"error": "bad gateway"})
            with trap_jobs():
                self.assertEqual(self.env["tc.event"]._cron_poll_events(limit=2), 2)
            self.assertEqual(
                self.env["ir.config_parameter"].get_param(CURSOR_PARAM), "c2"
            )
            with trap_jobs():
                self.assertEqual(self.env["tc.event"]._cron_poll_events(limit=2), 2)
            self.assertEqual(
                self.env["ir.config_parameter"].get_param(CURSOR_PARAM), "c4"
            )

    def test_unconfigured_polls_nothing(self):
        with tc_settings(tc_api_base_url="", tc_api_token=""):
            self.assertEqual(self.env["tc.event"]._cron_poll_events(), 0)
