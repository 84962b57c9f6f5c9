# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user

from odoo.addons.tc_care.tests.common import TcCareCase


class TcOrdersCase(TcCareCase):
    """tc_care's team, agents, supervisor, manager and customer, with the people of
    maker-checker (second supervisor and manager, finance approvers) and a case."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        env = cls.env
        # only the people of this test in the approver groups (no demo users, nor
        # tc_care's escalation user): the tiers' reviewers are exactly them
        groups = {
            xmlid: env.ref(xmlid)
            for xmlid in (
                "tc_care.group_manager",
                "tc_care.group_supervisor",
                "tc_orders.group_approver",
            )
        }
        for group in groups.values():
            group.write({"users": [(5, 0, 0)]})
        cls.supervisor.write(
            {"groups_id": [(4, groups["tc_care.group_supervisor"].id)]}
        )
        cls.manager.write({"groups_id": [(4, groups["tc_care.group_manager"].id)]})
        cls.supervisor2 = new_test_user(
            env, "o_sup2", groups="tc_care.group_supervisor"
        )
        cls.finance = new_test_user(env, "o_fin", groups="tc_orders.group_approver")
        cls.finance2 = new_test_user(env, "o_fin2", groups="tc_orders.group_approver")
        cls.manager2 = new_test_user(env, "o_mgr2", groups="tc_care.group_manager")
        cls.team.write({"user_ids": [(4, cls.manager.id)]})
        cls.ticket = env["helpdesk.ticket"].create(
            {
                "name": "Charged twice",
                "description": "double charge",
                "partner_id": cls.customer.id,
                "team_id": cls.team.id,
                "tc_invoice_ref": "INV-1",
                "tc_payment_ref": "PAY-1",
            }
        )

    def _request(self, user, amount, **vals):
        values = {
            "kind": "refund",
            "amount": amount,
            "reason": "double charge",
            "partner_id": self.customer.id,
            "ticket_id": self.ticket.id,
        }
        values.update(vals)
        return self.env["tc.adjustment.request"].with_user(user).create(values)

    def _decide(self, request, user, verb="validate", comment="ok"):
        """Approve/reject as a person does: the button opens OCA's comment wizard."""
        rec = request.with_user(user)
        action = rec.validate_tier() if verb == "validate" else rec.reject_tier()
        wizard = (
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**action["context"])
            .create({"comment": comment})
        )
        wizard.add_comment()
        return request

    def _activity_users(self, request):
        act_type = self.env.ref("tc_orders.mail_act_adjustment_approval")
        return request.activity_ids.filtered(
            lambda a: a.activity_type_id == act_type
        ).user_id
