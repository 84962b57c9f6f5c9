# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestOrdersSecurity(TransactionCase):
    def test_approver_is_outside_the_care_ladder(self):
        """Maker-checker needs a second person: no care role implies approver."""
        mgr = new_test_user(self.env, "tc_mgr", groups="tc_care.group_manager")
        approver = new_test_user(self.env, "tc_fin", groups="tc_orders.group_approver")
        self.assertFalse(mgr.has_group("tc_orders.group_approver"))
        self.assertFalse(approver.has_group("tc_care.group_agent"))
