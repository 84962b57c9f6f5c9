# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "TC Ops Integrations",
    "summary": "Signed inbound events, outbound commands and the partner API",
    "version": "18.0.1.0.0",
    "category": "ISP Operations",
    "website": "https://github.com/tc-ops/tc-ops",
    "author": "TC Ops",
    "license": "LGPL-3",
    "depends": ["tc_care", "tc_orders", "tc_network", "tc_fieldops", "queue_job"],
    "data": ["security/ir.model.access.csv", "data/queue_job_data.xml"],
}
