# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Equipment (``equipment.csv``): ``tc.equipment`` devices (tc_network) at their
service location; a serial or MAC address already taken by another device, in the
database or earlier in the batch, rejects the row."""

from ...lib.legacy_format import Reason, _lt
from .base import EntityImporter


class EquipmentImporter(EntityImporter):
    entity = "equipment"

    def import_items(self, items):
        Equipment = self.env["tc.equipment"]
        locations = self._location_ids([i.data["location_id"] for i in items])
        existing = self._lookup("tc_equipment", [i.legacy_id for i in items])
        # serial / MAC already taken by another device: one query for the batch
        self.cr.execute(
            """
            SELECT id, tc_legacy_id, vendor, serial, mac FROM tc_equipment
             WHERE serial = ANY(%s) OR mac = ANY(%s)
            """,
            (
                [i.data["serial"] for i in items],
                [i.data["mac"] for i in items if i.data["mac"]],
            ),
        )
        by_serial, by_mac = {}, {}
        for rec_id, legacy_id, vendor, serial, mac in self.cr.fetchall():
            by_serial[(vendor, serial)] = (rec_id, legacy_id)
            if mac:
                by_mac[mac] = (rec_id, legacy_id)
        in_batch_serial, in_batch_mac = {}, {}
        ready = []
        for item in items:
            data = item.data
            location = False
            if data["location_id"]:
                found = locations.get(data["location_id"])
                if not found:
                    self._reject(
                        item,
                        Reason(
                            _lt("unknown location '%(ref)s'"), ref=data["location_id"]
                        ),
                    )
                    continue
                location = found
            key = (data["vendor"], data["serial"])
            owner = by_serial.get(key)
            if owner and owner[1] != item.legacy_id:
                self._reject(
                    item,
                    Reason(
                        _lt(
                            "serial %(serial)s of %(vendor)s already belongs to "
                            "another device (legacy id %(other)s)"
                        ),
                        serial=data["serial"],
                        vendor=data["vendor"],
                        other=owner[1] or "-",
                    ),
                )
                continue
            if key in in_batch_serial:
                self._reject(
                    item,
                    Reason(
                        _lt("serial %(serial)s of %(vendor)s is also on line %(line)s"),
                        serial=data["serial"],
                        vendor=data["vendor"],
                        line=in_batch_serial[key],
                    ),
                )
                continue
            if data["mac"]:
                owner = by_mac.get(data["mac"])
                if owner and owner[1] != item.legacy_id:
                    self._reject(
                        item,
                        Reason(
                            _lt(
                                "MAC address %(mac)s already belongs to another "
                                "device (legacy id %(other)s)"
                            ),
                            mac=data["mac"],
                            other=owner[1] or "-",
                        ),
                    )
                    continue
                if data["mac"] in in_batch_mac:
                    self._reject(
                        item,
                        Reason(
                            _lt("MAC address %(mac)s is also on line %(line)s"),
                            mac=data["mac"],
                            line=in_batch_mac[data["mac"]],
                        ),
                    )
                    continue
                in_batch_mac[data["mac"]] = item.line
            in_batch_serial[key] = item.line
            item.vals = {
                "tc_legacy_id": item.legacy_id,
                "kind": data["kind"],
                "vendor": data["vendor"],
                "model": data["model"],
                "serial": data["serial"],
                "mac": data["mac"],
                "location_id": location[0] if location else False,
                "partner_id": location[1] if location else False,
                "state": data["state"],
                "install_date": data["install_date"],
                "firmware": data["firmware"],
                "ip_address": data["ip_address"],
                "monitored": False,
            }
            ready.append(item)
        self._upsert(Equipment, ready, existing)
