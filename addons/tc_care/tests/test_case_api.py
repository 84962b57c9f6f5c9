# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The case API (models/helpdesk_ticket_case.py, helpdesk.ticket.type._tc_get): kind
lookup, case opening as the system, closing, the customer by reference."""

from markupsafe import Markup

from .common import TcCareCase


class TestCaseApi(TcCareCase):
    def test_kind_by_code_even_archived_and_unknown_code_refused(self):
        Type = self.env["helpdesk.ticket.type"]
        self.assertEqual(Type._tc_get("technical_fault"), self.type_fault)
        self.type_complaint.active = False
        self.assertEqual(Type._tc_get("complaint"), self.type_complaint)
        with self.assertRaisesRegex(ValueError, "no_such_kind"):
            Type._tc_get("no_such_kind")

    def test_text_description_is_escaped_markup_kept(self):
        Ticket = self.env["helpdesk.ticket"]
        case = Ticket._tc_open_case(
            "technical_fault",
            "x" * 300,
            "<img src=x onerror=alert(1)>\nline two",
            partner_id=self.customer.id,
            correlation_id="corr-1",
        )
        self.assertEqual(case.type_id, self.type_fault)
        self.assertEqual(len(case.name), 250)
        self.assertEqual(case.tc_correlation_id, "corr-1")
        self.assertNotIn("<img", case.description)
        self.assertIn("&lt;img", case.description)
        self.assertIn("<br>", case.description)
        built = Markup("<p>%s</p><ul><li>%s</li></ul>") % ("a", "<b>")
        case = Ticket._tc_open_case("complaint", "Built", built)
        self.assertIn("<ul><li>&lt;b&gt;</li></ul>", case.description)
        case = Ticket._tc_open_case("complaint", "Name only")
        self.assertEqual(case.description, "<p>Name only</p>")

    def test_system_case_is_unassigned_even_with_auto_assign(self):
        self.env.company.helpdesk_mgmt_ticket_auto_assign = True
        case = (
            self.env["helpdesk.ticket"]
            .with_user(self.supervisor)
            ._tc_open_case("technical_fault", "Fault", team_id=self.team.id)
        )
        self.assertFalse(case.user_id)
        case = self.env["helpdesk.ticket"]._tc_open_case(
            "technical_fault", "Fault", team_id=self.team.id, user_id=self.agent.id
        )
        self.assertEqual(case.user_id, self.agent)

    def test_close_cases_closes_open_ones_only(self):
        Ticket = self.env["helpdesk.ticket"]
        open_case = Ticket._tc_open_case("complaint", "Open")
        open_case.tc_waiting_for = "the data plane"
        done = Ticket._tc_open_case("complaint", "Done", stage_id=self.stage_done.id)
        closed = (open_case | done)._tc_close_cases()
        self.assertEqual(closed, open_case)
        self.assertTrue(open_case.stage_id.closed)
        self.assertFalse(open_case.tc_waiting_for)
        self.assertFalse(Ticket._tc_close_cases())

    def test_customer_by_ref_created_once(self):
        Ticket = self.env["helpdesk.ticket"]
        first = Ticket._tc_customer("CUST-9", "Ada", "ada@example.com")
        self.assertEqual((first.name, first.email), ("Ada", "ada@example.com"))
        self.assertEqual(Ticket._tc_customer("CUST-9", "Other"), first)
        self.assertEqual(Ticket._tc_customer(None).name, "Unknown customer")
        self.assertEqual(Ticket._tc_customer("CUST-10").name, "CUST-10")
