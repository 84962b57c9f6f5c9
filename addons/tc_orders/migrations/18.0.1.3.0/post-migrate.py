# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.3.0: subscription requests are maker-checker too. The record rules that
hide TC's approval steps and tier definitions from other users are noupdate data:
give existing databases the new domain (a fresh install reads it from the XML)."""

DOMAIN = "[('model', 'not in', ('tc.adjustment.request', 'tc.subscription.request'))]"
RULES = ("tier_review_rule_tc_others", "tier_definition_rule_tc_others")


def migrate(cr, version):
    cr.execute(
        """
        UPDATE ir_rule r SET domain_force = %s
          FROM ir_model_data d
         WHERE d.module = 'tc_orders' AND d.model = 'ir.rule'
           AND d.name = ANY(%s) AND r.id = d.res_id
        """,
        (DOMAIN, list(RULES)),
    )
