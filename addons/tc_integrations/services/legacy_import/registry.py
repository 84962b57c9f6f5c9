# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The registry of entity importers: which importer reads which file, in the order a
run reads the files (a location needs its customer, a ticket its customer, location
and subscription, a message its ticket). The runner iterates it; it holds the
entities of ``lib/legacy_format.ENTITIES``, in that order (tested)."""

from .customers import CustomerImporter
from .equipment import EquipmentImporter
from .locations import LocationImporter
from .messages import MessageImporter
from .subscriptions import SubscriptionImporter
from .tickets import TicketImporter

IMPORTERS = {
    importer.entity: importer
    for importer in (
        CustomerImporter,
        LocationImporter,
        EquipmentImporter,
        SubscriptionImporter,
        TicketImporter,
        MessageImporter,
    )
}
