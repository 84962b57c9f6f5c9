# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import re

from odoo import http
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


@tagged("post_install", "-at_install")
class TestPortal(HttpCase):
    """Two portal users of two customers: each sees and acts on their own cases,
    nothing of the other customer leaks through routes, searches, attachments or
    the chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))
        Partner = cls.env["res.partner"]
        cls.stage_new = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new")
        cls.stage_done = cls.env.ref("helpdesk_mgmt.helpdesk_ticket_stage_done")
        cls.team = cls.env["helpdesk.ticket.team"].create(
            {"name": "Portal care team", "show_in_portal": True, "use_sla": True}
        )
        cls.env["helpdesk.sla"].create(
            {
                "name": "Portal test resolution",
                "team_ids": [(6, 0, cls.team.ids)],
                "stage_id": cls.stage_done.id,
                "days": 5,
            }
        )
        # customer A is a company; its portal user is a contact under it
        cls.customer_a = Partner.create(
            {"name": "Alpha Dental Clinic", "is_company": True}
        )
        cls.location_a = Partner.create(
            {
                "name": "Alpha clinic – Rua Nova",
                "type": "service_location",
                "parent_id": cls.customer_a.id,
                "street": "Rua Nova 1",
                "tc_olt_ref": "portal-test-olt-a",
                "tc_pon_port": "0/2/7",
            }
        )
        cls.contact_a = Partner.create(
            {
                "name": "Alma Alpha",
                "email": "alma@alpha.example.com",
                "parent_id": cls.customer_a.id,
            }
        )
        cls.user_a = new_test_user(
            cls.env,
            "tc_portal_a",
            groups="base.group_portal",
            name="Alma Alpha",
            partner_id=cls.contact_a.id,
        )
        # customer B is a person who is its own portal user
        cls.customer_b = Partner.create(
            {"name": "Bruno Beta", "email": "bruno@beta.example.com"}
        )
        cls.location_b = Partner.create(
            {
                "name": "Beta flat – Avenida Sul",
                "type": "service_location",
                "parent_id": cls.customer_b.id,
                "street": "Avenida Sul 99",
                "tc_olt_ref": "portal-test-olt-b",
            }
        )
        cls.user_b = new_test_user(
            cls.env,
            "tc_portal_b",
            groups="base.group_portal",
            name="Bruno Beta",
            partner_id=cls.customer_b.id,
        )
        # an outage on A's PON port, open, with a notice for customers
        cls.incident = cls.env["helpdesk.ticket"].create(
            {
                "name": "Feeder cut Rua Nova",
                "description": "Internal: contractor damaged the feeder.",
                "team_id": cls.team.id,
                "tc_is_incident": True,
                "tc_incident_olt_ref": "portal-test-olt-a",
                "tc_incident_pon_port": "0/2/7",
                "tc_customer_notice": "Repair crew on site, service back by 18:00.",
            }
        )
        # A's case was opened by staff for the company (the commercial partner)
        cls.ticket_a = cls._create_ticket(
            "Alpha router keeps rebooting", cls.customer_a, cls.location_a
        )
        cls.ticket_b = cls._create_ticket(
            "Beta slow wifi upstairs", cls.customer_b, cls.location_b
        )
        cls.attachment_a = cls._attach(cls.ticket_a, "alpha-invoice.txt", b"alpha")
        cls.attachment_b = cls._attach(cls.ticket_b, "beta-speedtest.txt", b"beta")

    @classmethod
    def _create_ticket(cls, name, partner, location):
        return cls.env["helpdesk.ticket"].create(
            {
                "name": name,
                "description": f"{name} (description)",
                "team_id": cls.team.id,
                "partner_id": partner.id,
                "tc_location_id": location.id,
            }
        )

    @classmethod
    def _attach(cls, ticket, name, data):
        return cls.env["ir.attachment"].create(
            {
                "name": name,
                "datas": base64.b64encode(data),
                "res_model": "helpdesk.ticket",
                "res_id": ticket.id,
            }
        )

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _submit(self, location, subject, files=None):
        data = {
            "csrf_token": http.Request.csrf_token(self),
            "subject": subject,
            "description": "No light on the ONT.",
            "tc_location_id": location.id if location else "",
        }
        return self.url_open("/submitted/ticket", data=data, files=files)

    def _tickets_named(self, subject):
        return self.env["helpdesk.ticket"].search([("name", "=", subject)])

    def _post(self, ticket, body):
        return self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "helpdesk.ticket",
                "thread_id": ticket.id,
                "post_data": {
                    "body": body,
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )

    # -- fixtures the rest relies on -------------------------------------------------
    def test_fixtures(self):
        self.assertEqual(self.user_a.commercial_partner_id, self.customer_a)
        self.assertEqual(self.ticket_a.tc_sla_status, "on_track")
        self.assertFalse(self.ticket_b.tc_incident_id)
        self.assertEqual(self.ticket_a.tc_incident_id, self.incident)

    # -- list, search, page ----------------------------------------------------------
    def test_ticket_list_only_own_customer(self):
        """Each user lists their customer's cases with location and SLA status."""
        self._login(self.user_a)
        resp = self.url_open("/my/tickets")
        self.assertEqual(resp.status_code, 200)
        self.assertIn("Alpha router keeps rebooting", resp.text)
        self.assertIn("Alpha clinic – Rua Nova", resp.text)
        self.assertIn('data-tc-sla-status="on_track"', resp.text)
        self.assertIn("On track", resp.text)
        self.assertNotIn("Beta slow wifi upstairs", resp.text)
        self.assertNotIn("Beta flat", resp.text)

        self._login(self.user_b)
        resp = self.url_open("/my/tickets")
        self.assertEqual(resp.status_code, 200)
        self.assertIn("Beta slow wifi upstairs", resp.text)
        self.assertIn("Beta flat – Avenida Sul", resp.text)
        self.assertNotIn("Alpha router keeps rebooting", resp.text)
        self.assertNotIn("Alpha clinic", resp.text)

    def test_search_does_not_find_other_customer(self):
        self._login(self.user_a)
        resp = self.url_open(
            "/my/tickets?search_in=all&search=Beta%20slow&groupby=stage"
        )
        self.assertEqual(resp.status_code, 200)
        self.assertNotIn("Beta slow wifi upstairs", resp.text)
        self.assertIn("No tickets found", resp.text)
        resp = self.url_open(
            f"/my/tickets?search_in=number&search={self.ticket_b.number}"
        )
        self.assertNotIn("Beta slow wifi upstairs", resp.text)
        self.assertIn("No tickets found", resp.text)

    def test_ticket_page_own_and_other(self):
        """Own page shows SLA status and location; another customer's is refused
        the way OCA refuses it: a redirect to /my."""
        self._login(self.user_a)
        resp = self.url_open(f"/my/ticket/{self.ticket_a.id}")
        self.assertEqual(resp.status_code, 200)
        self.assertIn("Alpha router keeps rebooting", resp.text)
        self.assertIn("Service location:", resp.text)
        self.assertIn("Alpha clinic – Rua Nova", resp.text)
        self.assertIn('data-tc-sla-status="on_track"', resp.text)
        # the case is part of the outage: its customer notice shows, nothing internal
        self.assertIn("Repair crew on site, service back by 18:00.", resp.text)
        self.assertNotIn("contractor damaged the feeder", resp.text)

        resp = self.url_open(f"/my/ticket/{self.ticket_b.id}", allow_redirects=False)
        self.assertEqual(resp.status_code, 303)
        self.assertTrue(resp.headers["Location"].endswith("/my"))
        resp = self.url_open(f"/my/ticket/{self.ticket_b.id}")
        self.assertNotIn("Beta slow wifi upstairs", resp.text)

    def test_close_only_own_ticket(self):
        """OCA's /ticket/close takes any ticket id: another customer's is refused."""
        self._login(self.user_a)
        resp = self.url_open(
            f"/ticket/close?ticket_id={self.ticket_b.id}&stage_id={self.stage_done.id}",
            allow_redirects=False,
        )
        self.assertEqual(resp.status_code, 303)
        self.assertTrue(resp.headers["Location"].endswith("/my"))
        self.assertEqual(self.ticket_b.stage_id, self.stage_new)
        resp = self.url_open(
            f"/ticket/close?ticket_id={self.ticket_a.id}&stage_id={self.stage_done.id}",
            allow_redirects=False,
        )
        self.assertTrue(
            resp.headers["Location"].endswith(f"/my/ticket/{self.ticket_a.id}")
        )
        self.assertEqual(self.ticket_a.stage_id, self.stage_done)

    # -- attachments and chatter -----------------------------------------------------
    def _attachment_link(self, html, attachment):
        """The download link the ticket page gives for ``attachment``."""
        match = re.search(
            rf"/web/content/{attachment.id}\?download=true&amp;access_token=([\w-]+)",
            html,
        )
        self.assertTrue(match, f"no link to {attachment.name}")
        return f"/web/content/{attachment.id}?download=true&access_token={match[1]}"

    def test_attachment_of_other_customer_refused(self):
        """Portal users download through the access token of the ticket page
        (Odoo refuses attachments to non-internal users otherwise, with a 404)."""
        self._login(self.user_a)
        page = self.url_open(f"/my/ticket/{self.ticket_a.id}").text
        self.assertIn("alpha-invoice.txt", page)
        resp = self.url_open(self._attachment_link(page, self.attachment_a))
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.content, b"alpha")
        for url in (
            f"/web/content/{self.attachment_b.id}?download=true",
            f"/web/content/{self.attachment_b.id}?access_token=guessed-token",
        ):
            resp = self.url_open(url)
            self.assertEqual(resp.status_code, 404, url)
            self.assertNotEqual(resp.content, b"beta", url)
        # /web/image answers a refused record with its placeholder picture
        resp = self.url_open(f"/web/image/{self.attachment_b.id}")
        self.assertTrue(resp.headers["Content-Type"].startswith("image/"))
        self.assertNotEqual(resp.content, b"beta")

    def test_chatter_post_on_other_customer_refused(self):
        self._login(self.user_a)
        messages_before = self.ticket_b.message_ids
        with self.assertRaises(JsonRpcException) as caught:
            self._post(self.ticket_b, "Alpha writing on Beta's case")
        self.assertIn("NotFound", str(caught.exception))
        self.assertEqual(self.ticket_b.message_ids, messages_before)
        # nor can the other customer's messages be fetched
        self.ticket_b.message_post(
            body="Beta private reply",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        result = self.make_jsonrpc_request(
            "/mail/thread/messages",
            {"thread_model": "helpdesk.ticket", "thread_id": self.ticket_b.id},
        )
        self.assertEqual(result["messages"], [])
        self.assertNotIn("Beta private reply", str(result))

    def test_portal_reply_on_own_ticket(self):
        self._login(self.user_a)
        self._post(self.ticket_a, "Still rebooting every hour")
        message = self.ticket_a.message_ids.filtered(
            lambda m: "Still rebooting every hour" in m.body
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.contact_a)
        self.assertEqual(message.message_type, "comment")
        resp = self.url_open(f"/my/ticket/{self.ticket_a.id}")
        self.assertEqual(resp.status_code, 200)

    # -- new ticket ------------------------------------------------------------------
    def test_new_ticket_form_offers_own_locations(self):
        self._login(self.user_a)
        resp = self.url_open("/new/ticket")
        self.assertEqual(resp.status_code, 200)
        self.assertIn('name="tc_location_id"', resp.text)
        self.assertIn(f'value="{self.location_a.id}"', resp.text)
        self.assertIn("Alpha clinic – Rua Nova", resp.text)
        self.assertNotIn("Beta flat", resp.text)

    def test_submit_with_other_customer_location_rejected(self):
        self._login(self.user_a)
        attachments_before = self.env["ir.attachment"].search_count([])
        for value, subject in (
            (self.location_b, "Alpha borrowing Beta's location"),
            (self.customer_b, "Alpha using Beta's partner id"),
        ):
            resp = self._submit(
                value,
                subject,
                files={"attachment": ("note.txt", b"sneaky", "text/plain")},
            )
            self.assertEqual(resp.status_code, 400)
            self.assertIn("not one of yours", resp.text)
            self.assertNotIn("Beta flat", resp.text)
            self.assertFalse(self._tickets_named(subject))
        resp = self.url_open(
            "/submitted/ticket",
            data={
                "csrf_token": http.Request.csrf_token(self),
                "subject": "Alpha with garbage location",
                "description": "x",
                "tc_location_id": "1 OR 1=1",
            },
        )
        self.assertEqual(resp.status_code, 400)
        self.assertFalse(self._tickets_named("Alpha with garbage location"))
        self.assertEqual(self.env["ir.attachment"].search_count([]), attachments_before)

    def test_submit_with_own_location(self):
        """The case is created for the user at their location, with the attachment,
        attached to the open outage there, and only its customer sees it."""
        self._login(self.user_a)
        resp = self._submit(
            self.location_a,
            "Alpha internet down",
            files={"attachment": ("ont-photo.txt", b"red LOS light", "text/plain")},
        )
        self.assertEqual(resp.status_code, 200)
        ticket = self._tickets_named("Alpha internet down")
        self.assertEqual(len(ticket), 1)
        self.assertTrue(resp.url.endswith(f"/my/ticket/{ticket.id}"))
        self.assertEqual(ticket.tc_location_id, self.location_a)
        self.assertEqual(ticket.partner_id, self.contact_a)
        self.assertEqual(ticket.commercial_partner_id, self.customer_a)
        self.assertEqual(ticket.attachment_ids.mapped("name"), ["ont-photo.txt"])
        self.assertEqual(ticket.attachment_ids.raw, b"red LOS light")
        self.assertEqual(ticket.tc_incident_id, self.incident)
        self.assertIn("Alpha clinic – Rua Nova", resp.text)
        self.assertIn("ont-photo.txt", resp.text)
        download = self.url_open(
            self._attachment_link(resp.text, ticket.attachment_ids)
        )
        self.assertEqual(download.content, b"red LOS light")

        self._login(self.user_b)
        self.assertNotIn("Alpha internet down", self.url_open("/my/tickets").text)
        resp = self.url_open(f"/web/content/{ticket.attachment_ids.id}")
        self.assertEqual(resp.status_code, 404)

    def test_submit_without_location(self):
        self._login(self.user_b)
        resp = self._submit(False, "Beta billing question")
        self.assertEqual(resp.status_code, 200)
        ticket = self._tickets_named("Beta billing question")
        self.assertEqual(len(ticket), 1)
        self.assertFalse(ticket.tc_location_id)
        self.assertEqual(ticket.partner_id, self.customer_b)

    # -- outage notices --------------------------------------------------------------
    def test_outage_notice_only_for_affected_customer(self):
        notice = "Repair crew on site, service back by 18:00."
        self._login(self.user_a)
        for url in ("/my/tickets", "/my"):
            resp = self.url_open(url)
            self.assertEqual(resp.status_code, 200, url)
            self.assertIn(notice, resp.text, url)
            # the incident's name, OLT and PON port are internal
            self.assertNotIn("Feeder cut Rua Nova", resp.text, url)
            self.assertNotIn("portal-test-olt-a", resp.text, url)
            self.assertNotIn("0/2/7", resp.text, url)
            self.assertNotIn("contractor damaged the feeder", resp.text, url)

        self._login(self.user_b)
        for url in ("/my/tickets", "/my"):
            resp = self.url_open(url)
            self.assertEqual(resp.status_code, 200, url)
            self.assertNotIn(notice, resp.text, url)
            self.assertNotIn("Feeder cut Rua Nova", resp.text, url)
            self.assertNotIn("o_tc_outage_notice", resp.text, url)

        # once the incident is closed the notice goes away
        self.incident.stage_id = self.stage_done
        self._login(self.user_a)
        resp = self.url_open("/my/tickets")
        self.assertNotIn(notice, resp.text)
        self.assertNotIn("o_tc_outage_notice", resp.text)
