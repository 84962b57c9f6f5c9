# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "TC Ops Integrations",
    "summary": "Signed inbound events, outbound commands and the partner API",
    "version": "18.0.1.2.0",
    "category": "ISP Operations",
    "website": "https://github.com/tc-ops/tc-ops",
    "author": "TC Ops",
    "license": "LGPL-3",
    "depends": ["tc_care", "tc_orders", "tc_network", "tc_fieldops", "queue_job"],
    "external_dependencies": {"python": ["requests", "python-jose"]},
    "data": [
        "security/ir.model.access.csv",
        "security/tc_integrations_security.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "data/tc_integrations_data.xml",
        "views/tc_event_views.xml",
        "views/tc_command_views.xml",
        "views/tc_partner_api_key_views.xml",
        "views/tc_integration_ignore_views.xml",
        "views/tc_reconciliation_views.xml",
        "views/tc_exception_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/tc_integrations_demo.xml"],
}
