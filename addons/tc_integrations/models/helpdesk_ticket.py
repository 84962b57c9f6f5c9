# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "tc.legacy.mixin"]

    tc_api_partner_id = fields.Many2one(
        "res.partner",
        "Opened by partner",
        readonly=True,
        index="btree_not_null",
        help="The API partner that opened this case (partner API).",
    )

    # -- legacy import (context key tc_legacy_import, set by the import service) --
    def set_sla(self):
        # Imported history: a closed case gets no SLA lines (its SLA was the
        # legacy system's business; lines computed now would only be noise). An
        # imported open case gets its lines as a new one would: the clock starts
        # at the import (docs/import.md).
        if self.env.context.get("tc_legacy_import"):
            return super(HelpdeskTicket, self.filtered("tc_is_open")).set_sla()
        return super().set_sla()

    def _tc_attach_to_open_incidents(self):
        # closed history is never attached to today's outages
        if self.env.context.get("tc_legacy_import"):
            return super(
                HelpdeskTicket, self.filtered("tc_is_open")
            )._tc_attach_to_open_incidents()
        return super()._tc_attach_to_open_incidents()
