# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from markupsafe import Markup

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TcCareCase


@tagged("post_install", "-at_install")
class TestCareSecurity(TcCareCase):
    """The role ladder and the app's menus, with TcCareCase's agent, supervisor and
    manager."""

    def test_role_ladder(self):
        """agent ⊂ supervisor ⊂ manager, each mapped on the helpdesk ladder."""
        self.assertTrue(self.manager.has_group("tc_care.group_supervisor"))
        self.assertTrue(self.manager.has_group("tc_care.group_agent"))
        self.assertTrue(self.supervisor.has_group("tc_care.group_agent"))
        self.assertFalse(self.supervisor.has_group("tc_care.group_manager"))
        self.assertFalse(self.agent.has_group("tc_care.group_supervisor"))
        self.assertTrue(self.agent.has_group("helpdesk_mgmt.group_helpdesk_user_team"))
        self.assertFalse(self.agent.has_group("helpdesk_mgmt.group_helpdesk_user"))
        self.assertTrue(self.supervisor.has_group("helpdesk_mgmt.group_helpdesk_user"))
        self.assertTrue(self.manager.has_group("helpdesk_mgmt.group_helpdesk_manager"))

    def test_app_menu_visibility(self):
        """The ISP Operations app shows to agents, its configuration only to managers."""
        root = self.env.ref("tc_care.menu_isp_root")
        config = self.env.ref("tc_care.menu_config")
        agent_menus = self.env["ir.ui.menu"].with_user(self.agent)._visible_menu_ids()
        manager_menus = (
            self.env["ir.ui.menu"].with_user(self.manager)._visible_menu_ids()
        )
        self.assertIn(root.id, agent_menus)
        self.assertNotIn(config.id, agent_menus)
        self.assertIn(root.id, manager_menus)
        plain = new_test_user(self.env, "tc_plain", groups="base.group_user")
        self.assertNotIn(
            root.id, self.env["ir.ui.menu"].with_user(plain)._visible_menu_ids()
        )


# Client-controlled input cannot grant privileges: the attacks of issue 17 on the
# case model, tried as each role with the context keys our code used to read.
CRAFTED = {"tc_bulk_followers": True, "tc_bulk_notes": True, "tc_trusted": True}


@tagged("post_install", "-at_install")
class TestCareAttacks(TcCareCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create({"name": "Other customer"})
        cls.case = cls.env["helpdesk.ticket"].create(cls._vals(cls))
        cls.other_case = cls.env["helpdesk.ticket"].create(
            cls._vals(cls, name="Someone else's case", partner_id=cls.other_customer.id)
        )

    def _followers(self, case, partner):
        return self.env["mail.followers"].search(
            [
                ("res_model", "=", "helpdesk.ticket"),
                ("res_id", "=", case.id),
                ("partner_id", "=", partner.id),
            ]
        )

    def test_follower_rows_need_access_whatever_the_context(self):
        """Attack 1: a follower row is a read permission; mail.followers.create
        with the bulk key in the context no longer writes it unchecked."""
        for user in (self.portal_user, self.agent):
            Followers = (
                self.env["mail.followers"].with_user(user).with_context(**CRAFTED)
            )
            with self.assertRaises(AccessError), self.cr.savepoint():
                Followers.create(
                    {
                        "res_model": "helpdesk.ticket",
                        "res_id": self.other_case.id,
                        "partner_id": user.partner_id.id,
                    }
                )
            self.assertFalse(self._followers(self.other_case, user.partner_id))
        # and the portal user still cannot read the other case
        with self.assertRaises(AccessError):
            self.other_case.with_user(self.portal_user).read(["name"])

    def test_chatter_html_is_sanitised_whatever_the_context(self):
        """Attack 2: a portal note with the bulk-notes key goes through mail's
        sanitiser (no script attribute reaches the agent's browser)."""
        self.case.message_subscribe(partner_ids=self.portal_user.partner_id.ids)
        body = Markup('<p>hi</p><img src="x" onerror="alert(document.cookie)">')
        case = self.case.with_user(self.portal_user).with_context(**CRAFTED)
        message = case.message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        stored = message.sudo().body
        self.assertIn("hi", stored)
        self.assertNotIn("onerror", stored)
        # the escalation's bulk path is closed to requests: the note was an ORM row
        # with a tracking message id of its own, not a bulk insert
        self.assertTrue(message.sudo().message_id)

    def test_sla_lines_only_by_the_workflow(self):
        """An agent cannot mark a breached line met, move its deadline, delete it,
        or drop and re-place all lines (OCA's public set_sla)."""
        ticket = self._ticket("2026-03-02 08:00")
        line = self._line(ticket, self.sla_first)
        state, deadline = line.state, line.deadline
        as_agent = line.with_user(self.agent).with_context(**CRAFTED)
        for vals in ({"state": "accomplished"}, {"deadline": "2030-01-01 00:00:00"}):
            with self.assertRaises(AccessError), self.cr.savepoint():
                as_agent.write(vals)
        with self.assertRaises(AccessError), self.cr.savepoint():
            as_agent.unlink()
        with self.assertRaises(AccessError), self.cr.savepoint():
            ticket.with_user(self.agent).with_context(**CRAFTED).set_sla()
        line.invalidate_recordset()
        self.assertEqual((line.exists().state, line.deadline), (state, deadline))
        # the workflow still writes them: an agent's stage change closes the line
        ticket.with_user(self.agent).stage_id = self.stage_done
        self.assertNotEqual(line.state, "in_progress")

    def test_system_fields_are_not_writable(self):
        ticket = self.case.with_user(self.supervisor).with_context(**CRAFTED)
        for vals in (
            {"tc_is_stuck": True, "tc_stuck_reason": "fake"},
            {"tc_first_response_at": "2026-01-01 00:00:00"},
            {"tc_last_progress_at": "2030-01-01 00:00:00"},
            {"tc_sla_status": "met"},
        ):
            with self.assertRaises(AccessError), self.cr.savepoint():
                ticket.write(vals)
        self.case.invalidate_recordset()
        self.assertFalse(self.case.tc_is_stuck)
        self.assertFalse(self.case.tc_first_response_at)

    def test_timeline_is_append_only_for_people(self):
        Timeline = self.env["tc.case.timeline"]
        for user in (self.agent, self.manager):
            with self.assertRaises(AccessError), self.cr.savepoint():
                Timeline.with_user(user).with_context(**CRAFTED).create(
                    {"ticket_id": self.case.id, "kind": "note", "name": "forged"}
                )
        entry = self.case._tc_timeline("note", "real")
        with self.assertRaises(AccessError), self.cr.savepoint():
            entry.with_user(self.manager).unlink()
        self.assertTrue(entry.exists())

    def test_portal_reads_only_customer_facing_fields(self):
        mine = self.case.with_user(self.portal_user)
        self.assertEqual(mine.read(["name"])[0]["name"], self.case.name)
        for name in ("tc_stuck_reason", "tc_waiting_for", "tc_incident_olt_ref"):
            with self.assertRaises(AccessError), self.cr.savepoint():
                mine.read([name])

    def test_buttons_check_their_role(self):
        incident = self.env["helpdesk.ticket"].create(
            self._vals(tc_is_incident=True, tc_incident_olt_ref="olt-t1")
        )
        with self.assertRaises(AccessError):
            incident.with_user(self.agent).action_tc_attach_affected()
        with self.assertRaises(AccessError):
            self.case.with_user(self.portal_user).action_tc_log_interaction()
        self.assertTrue(incident.with_user(self.supervisor).action_tc_attach_affected())
