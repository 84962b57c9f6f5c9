# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Subscription references (``subscriptions.csv``): ``tc.legacy.subscription``
rows of a customer, at one of its service locations."""

from .base import EntityImporter


class SubscriptionImporter(EntityImporter):
    entity = "subscriptions"

    def import_items(self, items):
        Subscription = self.env["tc.legacy.subscription"]
        customers = self._customer_ids([i.data["customer_id"] for i in items])
        locations = self._location_ids([i.data["location_id"] for i in items])
        existing = self._lookup("tc_legacy_subscription", [i.legacy_id for i in items])
        ready = []
        for item in items:
            data = item.data
            customer, reason = self._customer_of(data, customers)
            if reason:
                self._reject(item, reason)
                continue
            location = False
            if data["location_id"]:
                found = locations.get(data["location_id"])
                reason = self._location_reason(data, found, customer)
                if reason:
                    self._reject(item, reason)
                    continue
                location = found[0]
            item.vals = {
                "tc_legacy_id": item.legacy_id,
                "name": data["reference"],
                "partner_id": customer,
                "location_id": location,
                "product": data["product"],
                "state": data["state"],
                "date_start": data["start_date"],
                "date_end": data["end_date"],
            }
            ready.append(item)
        self._upsert(Subscription, ready, existing)
