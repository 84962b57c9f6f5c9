# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "TC Ops Orders",
    "summary": "Order review queue and maker-checker approvals for refunds and credits",
    "version": "18.0.1.3.0",
    "category": "ISP Operations",
    "website": "https://github.com/tc-ops/tc-ops",
    "author": "TC Ops",
    "license": "LGPL-3",
    "depends": ["tc_care", "base_tier_validation"],
    "data": [
        "security/tc_orders_security.xml",
        "security/ir.model.access.csv",
        "data/tc_orders_data.xml",
        "views/tc_adjustment_request_views.xml",
        "views/tc_order_review_views.xml",
        "views/tc_subscription_request_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/tc_orders_demo.xml"],
}
