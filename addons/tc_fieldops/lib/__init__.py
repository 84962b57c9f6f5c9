# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Scheduling arithmetic of tc_fieldops, without the ORM (see ``slots``)."""
