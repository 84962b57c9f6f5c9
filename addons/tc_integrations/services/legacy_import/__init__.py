# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The legacy import (docs/import.md): ``runner.LegacyImporter`` runs a
``tc.legacy.import.run`` batch by batch over the entity importers of
``registry.IMPORTERS`` (one module per file of the format: customers, locations,
equipment, subscriptions, tickets, messages), which share ``base.py``'s plumbing."""

from .messages import sanitize_body
from .registry import IMPORTERS
from .runner import LegacyImporter

__all__ = ["IMPORTERS", "LegacyImporter", "sanitize_body"]
