# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Service locations (``locations.csv``): ``res.partner`` children of type
"service_location" under their customer (``tc_legacy_kind`` "location"), with
coordinates, access notes and the OLT port they hang on."""

from .base import EntityImporter


class LocationImporter(EntityImporter):
    entity = "locations"

    def import_items(self, items):
        Partner = self.env["res.partner"]
        customers = self._customer_ids([i.data["customer_id"] for i in items])
        existing = self._lookup(
            "res_partner", [i.legacy_id for i in items], kind="location"
        )
        ready = []
        for item in items:
            data = item.data
            customer, reason = self._customer_of(data, customers)
            if reason:
                self._reject(item, reason)
                continue
            vals = {
                "tc_legacy_id": item.legacy_id,
                "tc_legacy_kind": "location",
                "type": "service_location",
                "parent_id": customer,
                "name": data["name"] or item.legacy_id,
                "tc_latitude": data["latitude"],
                "tc_longitude": data["longitude"],
                "tc_access_notes": data["access_notes"],
                "tc_olt_ref": data["olt_ref"],
                "tc_pon_port": data["pon_port"],
            }
            self._keep(item, vals, ready, self._address(item, vals))
        self._upsert(Partner, ready, existing)
