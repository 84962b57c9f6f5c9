# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestExceptionQueue(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # pylint: disable=unsubscriptable-object
        env = cls.env  # (pylint infers BaseCase.env = None)
        cls.supervisor = new_test_user(
            env, "xq_sup", groups="tc_care.group_supervisor", email="sup@example.com"
        )
        cls.agent = new_test_user(env, "xq_agent", groups="tc_care.group_agent")
        cls.other_agent = new_test_user(env, "xq_agent2", groups="tc_care.group_agent")
        cls.team = env["helpdesk.ticket.team"].create(
            {"name": "Exceptions (test)", "user_ids": [(6, 0, cls.agent.ids)]}
        )
        cls.other_team = env["helpdesk.ticket.team"].create(
            {"name": "Elsewhere (test)", "user_ids": [(6, 0, cls.other_agent.ids)]}
        )
        Ticket = env["helpdesk.ticket"]

        def case(code, name, **vals):
            return Ticket.create(
                dict(
                    vals,
                    name=name,
                    description=name,
                    type_id=env.ref("tc_care.type_%s" % code).id,
                    team_id=vals.get("team_id", cls.team.id),
                )
            )

        cls.provisioning = case("provisioning_failure", "XQ provisioning PJ-9")
        cls.dispute = case("payment_dispute", "XQ dispute DP-9")
        cls.dispute._tc_set_fixed_deadline(
            env.ref("tc_integrations.sla_payment_dispute_respond_by"),
            fields.Datetime.now() + timedelta(days=2),
        )
        cls.mismatch_case = case(
            "reconciliation_mismatch", "XQ mismatch", team_id=cls.other_team.id
        )
        cls.closed = case("provisioning_failure", "XQ closed provisioning")
        cls.closed._tc_close_cases()
        cls.complaint = case("complaint", "XQ complaint (not an exception)")
        cls.event = env["tc.event"].create(
            {
                "event_id": "xq_evt_1",
                "event_type": "RefundPosted",
                "source": "webhook",
                "state": "failed",
                "last_error": "ValueError: RefundPosted without adjustment_ref",
                "correlation_id": "xq-corr-1",
            }
        )
        cls.done_event = env["tc.event"].create(
            {
                "event_id": "xq_evt_2",
                "event_type": "X",
                "source": "poll",
                "state": "done",
            }
        )
        cls.command = env["tc.command"].create(
            {"name": "XQPostAdjustment", "state": "dead", "last_error": "HTTP 503"}
        )
        customer = env["res.partner"].create({"name": "XQ customer"})
        location = env["res.partner"].create(
            {"name": "XQ home", "type": "service_location", "parent_id": customer.id}
        )
        cls.device = env["tc.equipment"].create(
            {
                "kind": "ont",
                "vendor": "XQ",
                "serial": "XQ0001",
                "state": "installed",
                "health": "degraded",
                "health_reason": "rx power low",
                "location_id": location.id,
            }
        )
        cls.device_with_case = env["tc.equipment"].create(
            {
                "kind": "ont",
                "vendor": "XQ",
                "serial": "XQ0002",
                "state": "installed",
                "health": "offline",
                "location_id": location.id,
            }
        )
        case(
            "technical_fault", "XQ device case", tc_equipment_id=cls.device_with_case.id
        )

    def _rows(self, user=None):
        Queue = self.env["tc.exception"]
        if user:
            Queue = Queue.with_user(user)
        rows = Queue.search([])
        mine = {
            ("helpdesk.ticket", self.provisioning.id),
            ("helpdesk.ticket", self.dispute.id),
            ("helpdesk.ticket", self.mismatch_case.id),
            ("helpdesk.ticket", self.closed.id),
            ("helpdesk.ticket", self.complaint.id),
            ("tc.event", self.event.id),
            ("tc.event", self.done_event.id),
            ("tc.command", self.command.id),
            ("tc.equipment", self.device.id),
            ("tc.equipment", self.device_with_case.id),
        }
        return rows.filtered(lambda r: (r.res_model, r.res_id) in mine)

    def test_one_queue_of_every_kind_sorted_by_deadline(self):
        rows = self._rows()
        by_kind = {r.kind: r for r in rows}
        self.assertEqual(
            set(by_kind),
            {
                "provisioning_failure",
                "payment_dispute",
                "reconciliation_mismatch",
                "failed_event",
                "dead_command",
                "degraded_device",
            },
        )
        self.assertEqual(len(rows), 6)  # closed case, complaint, done event, device
        # with a case: not in the queue
        self.assertEqual(
            by_kind["payment_dispute"].sla_deadline, self.dispute.tc_sla_deadline
        )
        self.assertEqual(by_kind["failed_event"].reason, self.event.last_error)
        self.assertEqual(by_kind["degraded_device"].reason, "rx power low")
        # the dispute has the earliest deadline: first in the default order
        ordered = self.env["tc.exception"].search([("id", "in", rows.ids)])
        self.assertEqual(ordered[0].kind, "payment_dispute")
        # grouped by kind and age for the dashboard
        groups = self.env["tc.exception"]._read_group(
            [("id", "in", rows.ids)], ["kind", "age_bucket"], ["__count"]
        )
        self.assertEqual(len(groups), 6)
        self.assertTrue(all(bucket == "a_lt1d" for _k, bucket, _c in groups))
        # a row opens its record and shows its case's timeline
        action = by_kind["failed_event"].action_open_record()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("tc.event", self.event.id)
        )
        self.provisioning._tc_timeline("note", "XQ waiting for the OLT")
        self.assertIn(
            "XQ waiting for the OLT",
            by_kind["provisioning_failure"].timeline_ids.mapped("name"),
        )
        # a handled record leaves the queue at once
        self.provisioning._tc_close_cases()
        self.assertNotIn("provisioning_failure", set(self._rows().mapped("kind")))

    def test_bulk_assignment_acts_on_the_cases(self):
        rows = self._rows()
        wizard = (
            self.env["tc.exception.assign"]
            .with_user(self.supervisor)
            .with_context(active_model="tc.exception", active_ids=rows.ids)
            .create({"user_id": self.agent.id})
        )
        wizard.action_confirm()
        self.assertEqual(self.provisioning.user_id, self.agent)
        self.assertEqual(self.dispute.user_id, self.agent)
        self.assertEqual(self.mismatch_case.user_id, self.agent)
        # the device got a technical-fault case, the event and command one each
        device_case = self.env["helpdesk.ticket"].search(
            [("tc_equipment_id", "=", self.device.id)]
        )
        self.assertEqual(device_case.user_id, self.agent)
        self.assertEqual(device_case.type_id.tc_code, "technical_fault")
        self.assertEqual(self.command.ticket_id.user_id, self.agent)
        self.assertEqual(self.event.ticket_ids.user_id, self.agent)
        self.assertTrue(
            self.provisioning.tc_timeline_ids.filtered(
                lambda t: "Assigned to" in t.name and "exception queue" in t.name
            )
        )
        rows = self._rows()
        self.assertEqual(set(rows.mapped("user_id")), {self.agent})
        self.assertNotIn("degraded_device", rows.mapped("kind"))
        # agents cannot bulk assign
        with self.assertRaises(AccessError):
            self.env["tc.exception.assign"].with_user(self.agent).create(
                {"user_id": self.agent.id}
            )

    def test_degraded_device_reuses_its_locations_open_fault_case(self):
        env = self.env
        customer = env["res.partner"].create({"name": "XQ customer 2"})
        location = env["res.partner"].create(
            {"name": "XQ flat", "type": "service_location", "parent_id": customer.id}
        )
        fault = env.ref("tc_care.type_technical_fault")
        location_case = env["helpdesk.ticket"].create(
            {
                "name": "XQ no internet at the flat",
                "description": "XQ no internet at the flat",
                "type_id": fault.id,
                "team_id": self.team.id,
                "tc_location_id": location.id,
            }
        )
        device = env["tc.equipment"].create(
            {
                "kind": "ont",
                "vendor": "XQ",
                "serial": "XQ0003",
                "state": "installed",
                "health": "offline",
                "health_reason": "no light",
                "location_id": location.id,
            }
        )
        row = (
            env["tc.exception"]
            .with_user(self.supervisor)
            .search([("res_model", "=", "tc.equipment"), ("res_id", "=", device.id)])
        )
        self.assertEqual(row.kind, "degraded_device")
        cases = row._tc_cases()
        # the location's open technical-fault case, no second case
        self.assertEqual(cases, location_case)
        self.assertEqual(cases.env.uid, self.supervisor.id)  # the user's rights
        self.assertEqual(location_case.tc_equipment_id, device)
        self.assertEqual(
            env["helpdesk.ticket"].search_count(
                [
                    "|",
                    ("tc_location_id", "=", location.id),
                    ("tc_equipment_id", "=", device.id),
                ]
            ),
            1,
        )
        self.assertTrue(
            location_case.tc_timeline_ids.filtered(
                lambda t: "exception queue" in t.name
            )
        )
        # the device has its case now: it leaves the queue
        self.assertFalse(
            env["tc.exception"].search(
                [("res_model", "=", "tc.equipment"), ("res_id", "=", device.id)]
            )
        )

    def test_agents_see_their_teams_cases_and_devices_only(self):
        kinds = set(self._rows(self.agent).mapped("kind"))
        self.assertEqual(
            kinds, {"provisioning_failure", "payment_dispute", "degraded_device"}
        )
        kinds = set(self._rows(self.other_agent).mapped("kind"))
        self.assertEqual(kinds, {"reconciliation_mismatch", "degraded_device"})
        self.assertEqual(len(self._rows(self.supervisor)), 6)

    def test_daily_digest_to_supervisors(self):
        data = self.env["tc.exception"]._tc_digest_data(oldest=50)
        self.assertGreaterEqual(data["total"], 6)
        kinds = {row["kind"]: row["count"] for row in data["by_kind"]}
        self.assertGreaterEqual(kinds["Payment dispute"], 1)
        self.assertGreaterEqual(kinds["Degraded device without case"], 1)
        template = self.env.ref("tc_integrations.mail_template_exception_digest")
        body = template.with_context(tc_digest=data)._render_field(
            "body_html", self.env.company.ids
        )[self.env.company.id]
        self.assertIn("%d exceptions are waiting" % data["total"], body)
        self.assertIn("Payment dispute", body)
        self.assertIn("XQ dispute DP-9", body)
        self.assertIn("xq_evt_1", body)
        mail_id = self.env["tc.exception"]._cron_send_digest()
        mail = self.env["mail.mail"].browse(mail_id)
        self.assertIn(self.supervisor.partner_id, mail.recipient_ids)
        self.assertNotIn(self.agent.partner_id, mail.recipient_ids)
        self.assertIn("exceptions to handle", mail.subject)
