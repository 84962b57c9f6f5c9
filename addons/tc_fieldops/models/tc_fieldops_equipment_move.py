# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class TcFieldopsEquipmentMove(models.Model):
    """Equipment installed or removed on a job.

    tc_network's ``tc.equipment`` does not exist yet: the device is identified by
    serial, MAC and ``equipment_ref`` (the registry's reference). When
    ``tc.equipment`` lands, add a Many2one ``equipment_id`` to it here (and fill
    it from serial/MAC in a migration)."""

    _name = "tc.fieldops.equipment.move"
    _description = "Equipment installed or removed on a job"
    _order = "id"

    task_id = fields.Many2one(
        "project.task", "Job", required=True, ondelete="cascade", index=True
    )
    direction = fields.Selection(
        [("installed", "Installed"), ("removed", "Removed")],
        required=True,
        default="installed",
    )
    serial = fields.Char("Serial number", index="btree_not_null")
    mac = fields.Char("MAC address")
    equipment_ref = fields.Char(
        "Equipment reference",
        index="btree_not_null",
        help="Reference of the device in the equipment registry.",
    )
    note = fields.Char()
