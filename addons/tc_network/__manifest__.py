# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "TC Ops Network",
    "summary": "Equipment registry, SNMP diagnostics and polling, TR-069 actions",
    "version": "18.0.1.4.0",
    "category": "ISP Operations",
    "website": "https://github.com/tc-ops/tc-ops",
    "author": "TC Ops",
    "license": "LGPL-3",
    "depends": ["tc_care"],
    "data": [
        "security/tc_network_security.xml",
        "security/ir.model.access.csv",
        "data/tc_network_data.xml",
        "views/tc_equipment_views.xml",
    ],
    "demo": ["demo/tc_network_demo.xml"],
    "external_dependencies": {"python": ["pysnmp", "requests"]},
}
