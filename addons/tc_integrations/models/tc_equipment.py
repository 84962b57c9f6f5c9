# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class TcEquipment(models.Model):
    _name = "tc.equipment"
    _inherit = ["tc.equipment", "tc.legacy.mixin"]
