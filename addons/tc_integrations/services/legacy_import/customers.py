# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Customers (``customers.csv``): ``res.partner`` companies and persons with
``tc_legacy_kind`` "customer", their tier and address; created or updated by
legacy id."""

from .base import EntityImporter


class CustomerImporter(EntityImporter):
    entity = "customers"

    def import_items(self, items):
        Partner = self.env["res.partner"]
        existing = self._lookup(
            "res_partner", [i.legacy_id for i in items], kind="customer"
        )
        ready = []
        for item in items:
            data = item.data
            vals = {
                "tc_legacy_id": item.legacy_id,
                "tc_legacy_kind": "customer",
                "name": data["name"],
                "is_company": data["is_company"],
                "email": data["email"],
                "phone": data["phone"],
                "mobile": data["mobile"],
                "vat": data["vat"],
                "tc_tier": data["tier"],
            }
            self._keep(item, vals, ready, self._address(item, vals))
        self._upsert(Partner, ready, existing)
