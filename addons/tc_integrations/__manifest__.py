# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "TC Ops Integrations",
    "summary": "Signed events, outbound commands, partner API, reconciliation, import",
    "version": "18.0.1.5.0",
    "category": "ISP Operations",
    "website": "https://github.com/tc-ops/tc-ops",
    "author": "TC Ops",
    "license": "LGPL-3",
    "depends": ["tc_care", "tc_orders", "tc_network", "tc_fieldops", "queue_job"],
    "external_dependencies": {
        "python": ["requests", "python-jose", "jsonschema", "sentry-sdk"]
    },
    "post_load": "post_load",
    "uninstall_hook": "uninstall_hook",
    "data": [
        "security/ir.model.access.csv",
        "security/tc_integrations_security.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "data/tc_integrations_data.xml",
        "data/tc_installation_appointment_data.xml",
        "views/tc_event_views.xml",
        "views/tc_command_views.xml",
        "views/tc_partner_api_key_views.xml",
        "views/tc_integration_ignore_views.xml",
        "views/tc_legacy_import_views.xml",
        "views/tc_reconciliation_views.xml",
        "views/tc_exception_views.xml",
        "views/helpdesk_ticket_views.xml",
        "views/tc_provisioning_retry_views.xml",
        "views/menus.xml",
        "views/tc_installation_appointment_views.xml",
    ],
    "demo": ["demo/tc_integrations_demo.xml"],
}
