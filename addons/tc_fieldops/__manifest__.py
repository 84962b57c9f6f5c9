# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "TC Ops Field Operations",
    "summary": "Dispatch jobs, appointment scheduling and technician field views",
    "version": "18.0.1.0.0",
    "category": "ISP Operations",
    "website": "https://github.com/tc-ops/tc-ops",
    "author": "TC Ops",
    "license": "LGPL-3",
    "depends": ["tc_network", "project"],
    "data": ["security/tc_fieldops_security.xml", "security/ir.model.access.csv"],
}
