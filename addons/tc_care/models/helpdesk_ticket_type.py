# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Case kinds: their stable code, stuck threshold and default team, and the one way
code finds a kind (``_tc_get``)."""

from odoo import api, fields, models


class HelpdeskTicketType(models.Model):
    _inherit = "helpdesk.ticket.type"

    tc_code = fields.Char(
        "Code",
        index=True,
        help="Stable code used by integrations (e.g. provisioning_failure).",
    )
    tc_stuck_hours = fields.Float(
        "Stuck after (hours)",
        default=24.0,
        help="A ticket of this type with no progress (stage change, staff message, "
        "linked event) for this long is flagged as stuck. 0 disables.",
    )

    tc_default_team_id = fields.Many2one(
        "helpdesk.ticket.team",
        "Default team",
        help="Cases of this kind opened without a team (by integrations, order "
        "reviews, the portal) go to this team, and so get its SLAs.",
    )

    @api.model
    def _tc_get(self, code):
        """The case kind whose code is ``code``, as the system: the one lookup of a
        kind for every addon (never an xmlid or SQL on ir_model_data; the code is
        what integrations and data files agree on). An archived kind is still found:
        the cases of a system must keep their kind. Unknown code: ValueError (a bug
        or a missing data file, not a user's mistake)."""
        kind = (
            self.sudo()
            .with_context(active_test=False)
            .search([("tc_code", "=", code)], limit=1)
        )
        if not kind:
            raise ValueError("No case kind with code %r" % (code,))
        return kind

    _sql_constraints = [
        ("tc_code_uniq", "unique(tc_code)", "The case kind code must be unique."),
    ]
