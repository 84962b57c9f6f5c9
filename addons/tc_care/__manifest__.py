# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "TC Ops Care",
    "summary": "ISP customer care: cases, SLAs, escalation, stuck detection, incidents",
    "version": "18.0.1.0.0",
    "category": "ISP Operations",
    "website": "https://github.com/tc-ops/tc-ops",
    "author": "TC Ops",
    "license": "LGPL-3",
    "application": True,
    "depends": [
        "mail",
        "resource",
        "contacts",
        "portal",
        "helpdesk_mgmt",
    ],
    "data": [
        "security/tc_care_security.xml",
        "security/ir.model.access.csv",
        "views/menus.xml",
    ],
}
