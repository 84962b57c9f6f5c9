# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCareSecurity(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = new_test_user(cls.env, "tc_agent", groups="tc_care.group_agent")
        cls.supervisor = new_test_user(
            cls.env, "tc_supervisor", groups="tc_care.group_supervisor"
        )
        cls.manager = new_test_user(
            cls.env, "tc_manager", groups="tc_care.group_manager"
        )

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
