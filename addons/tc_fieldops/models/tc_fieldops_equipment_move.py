# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.tc_network.lib.identifiers import normalize_mac, normalize_serial


class TcFieldopsEquipmentMove(models.Model):
    """Equipment installed or removed on a job.

    The technician records what they scanned (serial, MAC); the move finds the
    device in tc_network's registry (``tc.equipment``) by serial, else by MAC, and
    completing the job moves that device there (``project.task
    ._tc_apply_equipment_moves``): installed at the job's service location, or
    returned. A serial the registry does not know stays on the move and is listed
    on the job for the dispatcher."""

    _name = "tc.fieldops.equipment.move"
    _inherit = ["tc.fieldops.job.line.mixin"]
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
    equipment_id = fields.Many2one(
        "tc.equipment",
        "Registry device",
        compute="_compute_equipment_id",
        store=True,
        readonly=False,
        compute_sudo=True,
        index="btree_not_null",
        ondelete="set null",
        # technicians record what they scanned; which registry device it is, is
        # the lookup's (or a dispatcher's) call
        groups="tc_fieldops.group_dispatcher,tc_care.group_agent",
        help="Found in the equipment registry by serial number, else by MAC "
        "address; completing the job moves it.",
    )
    note = fields.Char()

    @api.depends("serial", "mac")
    def _compute_equipment_id(self):
        # one search for the batch (technicians cannot read the registry: sudo)
        serials = {normalize_serial(m.serial) for m in self if m.serial}
        macs = {normalize_mac(m.mac) for m in self if m.mac} - {None, False}
        found = self.env["tc.equipment"].sudo()
        if serials or macs:
            found = found.search(
                ["|", ("serial", "in", list(serials)), ("mac", "in", list(macs))]
            )
        by_serial = {e.serial: e for e in found}
        by_mac = {e.mac: e for e in found if e.mac}
        for move in self:
            move.equipment_id = by_serial.get(
                normalize_serial(move.serial)
            ) or by_mac.get(normalize_mac(move.mac) or None)
