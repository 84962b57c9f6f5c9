# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..services.trust import is_legacy_import

# written by the partner API, the dispute handlers and the importer (as the
# superuser); people never write them, whatever their rights on the case
SYSTEM_FIELDS = frozenset(
    {
        "tc_api_partner_id",
        "tc_api_submission_ref",
        "tc_dispute_ref",
        "tc_dispute_amount",
        "tc_dispute_currency_id",
        "tc_dispute_reason_code",
        "tc_dispute_respond_by",
        "tc_dispute_outcome",
        "tc_dispute_closed_at",
    }
)


class HelpdeskTicket(models.Model):
    _name = "helpdesk.ticket"
    _inherit = ["helpdesk.ticket", "tc.legacy.mixin"]

    tc_api_partner_id = fields.Many2one(
        "res.partner",
        "Opened by partner",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The API partner that opened this case (partner API).",
        groups="base.group_user",
    )
    tc_api_submission_ref = fields.Char(
        "Partner submission",
        readonly=True,
        copy=False,
        help="A partner's order submission parked on this case because the order "
        "was already under review (the reference the partner was given).",
        groups="base.group_user",
    )

    # Override: readonly=True only hides a field in the form; over RPC any writer of
    # the case could set the API partner (and so show the case to that partner
    # through the partner API) or rewrite a dispute's figures.
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(SYSTEM_FIELDS & set(vals) for vals in vals_list):
            raise AccessError(
                self.env._("Partner and dispute fields are set by the integration.")
            )
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and SYSTEM_FIELDS & set(vals):
            raise AccessError(
                self.env._("Partner and dispute fields are set by the integration.")
            )
        return super().write(vals)

    # -- legacy import (server-side flag set by tc.legacy.import.run._tc_step) --------
    def set_sla(self):
        # Imported history: a closed case gets no SLA lines (its SLA was the
        # legacy system's business; lines computed now would only be noise). An
        # imported open case gets its lines as a new one would: the clock starts
        # at the import (docs/import.md).
        if is_legacy_import():
            return super(HelpdeskTicket, self.filtered("tc_is_open")).set_sla()
        return super().set_sla()

    def _tc_attach_to_open_incidents(self):
        # closed history is never attached to today's outages
        if is_legacy_import():
            return super(
                HelpdeskTicket, self.filtered("tc_is_open")
            )._tc_attach_to_open_incidents()
        return super()._tc_attach_to_open_incidents()

    # -- payment disputes (PaymentDisputed / DisputeClosed) ---------------------------
    tc_dispute_ref = fields.Char(
        "Dispute ref",
        index="btree_not_null",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    tc_dispute_amount = fields.Monetary(
        "Disputed amount",
        currency_field="tc_dispute_currency_id",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    tc_dispute_currency_id = fields.Many2one(
        "res.currency",
        "Dispute currency",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )
    tc_dispute_reason_code = fields.Char(
        "Reason code", readonly=True, copy=False, groups="base.group_user"
    )
    tc_dispute_respond_by = fields.Datetime(
        "Respond by",
        readonly=True,
        copy=False,
        help="Evidence must reach the payment network before this date: the "
        "dispute's SLA ends then.",
        groups="base.group_user",
    )
    tc_dispute_outcome = fields.Selection(
        [("won", "Won"), ("lost", "Lost"), ("accepted", "Accepted")],
        "Outcome",
        readonly=True,
        copy=False,
        tracking=True,
        groups="base.group_user",
    )
    tc_dispute_closed_at = fields.Datetime(
        "Dispute closed at", readonly=True, copy=False, groups="base.group_user"
    )
    # -- reconciliation ----------------------------------------------------------------
    tc_mismatch_ids = fields.One2many(
        "tc.reconciliation.mismatch",
        "ticket_id",
        "Reconciliation mismatches",
        groups="tc_care.group_agent,tc_orders.group_approver",
    )

    def action_tc_view_evidence(self):
        self.ensure_one()
        if not self.env.user.has_group("tc_care.group_agent"):
            raise AccessError(self.env._("Only care staff open a case's evidence."))
        return {
            "type": "ir.actions.act_window",
            "res_model": "ir.attachment",
            "name": self.env._("Evidence"),
            "view_mode": "kanban,list,form",
            "domain": [("res_model", "=", self._name), ("res_id", "=", self.id)],
            "context": {"default_res_model": self._name, "default_res_id": self.id},
        }
