# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""18.0.1.2.0: supervisors and approvers no longer edit, create or delete every
adjustment request (least privilege). The rule is noupdate data, which an update does
not rewrite: narrow it here as the data file now defines it."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rule = env.ref(
        "tc_orders.tc_adjustment_request_rule_reviewers", raise_if_not_found=False
    )
    if rule:
        rule.write(
            {
                "name": "Adjustment requests: supervisors and approvers read all",
                "perm_write": False,
                "perm_create": False,
                "perm_unlink": False,
            }
        )
