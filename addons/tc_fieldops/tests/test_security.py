# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFieldopsSecurity(TransactionCase):
    def test_role_ladder(self):
        """technician ⊂ dispatcher; managers dispatch, technicians do not dispatch."""
        tech = new_test_user(self.env, "tc_tech", groups="tc_fieldops.group_technician")
        disp = new_test_user(self.env, "tc_disp", groups="tc_fieldops.group_dispatcher")
        mgr = new_test_user(self.env, "tc_mgr", groups="tc_care.group_manager")
        self.assertTrue(disp.has_group("tc_fieldops.group_technician"))
        self.assertFalse(tech.has_group("tc_fieldops.group_dispatcher"))
        self.assertTrue(mgr.has_group("tc_fieldops.group_dispatcher"))
        self.assertFalse(tech.has_group("tc_care.group_agent"))
