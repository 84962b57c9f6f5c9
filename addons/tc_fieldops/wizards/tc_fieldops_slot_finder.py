# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class TcFieldopsSlotFinder(models.TransientModel):
    """Proposes appointments for a job (``project.task._tc_find_slots``) and books
    the one the dispatcher picks; the reason goes to the reschedule history."""

    _name = "tc.fieldops.slot.finder"
    _description = "Find an appointment for a field job"

    task_id = fields.Many2one("project.task", "Job", required=True, ondelete="cascade")
    date_from = fields.Datetime(
        "From", required=True, default=lambda self: fields.Datetime.now()
    )
    days = fields.Integer("Days to search", default=7, required=True)
    technician_ids = fields.Many2many(
        "hr.employee",
        string="Only these technicians",
        domain="[('tc_is_technician', '=', True)]",
    )
    reason = fields.Char(
        help="Why the job is (re)scheduled; kept in the job's reschedule history."
    )
    is_reschedule = fields.Boolean(compute="_compute_is_reschedule")
    line_ids = fields.One2many("tc.fieldops.slot.finder.line", "wizard_id", "Proposals")
    duration = fields.Float(related="task_id.allocated_hours", string="Duration")

    @api.depends("task_id")
    def _compute_is_reschedule(self):
        for wizard in self:
            wizard.is_reschedule = bool(
                wizard.task_id.planned_date_start and wizard.task_id.tc_technician_id
            )

    def _tc_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Find an appointment"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_search(self):
        self.ensure_one()
        self.env["project.task"]._tc_check_group("tc_fieldops.group_dispatcher")
        slots = self.task_id._tc_find_slots(
            date_from=self.date_from,
            days=self.days,
            technicians=self.technician_ids or None,
        )
        self.line_ids = [(5, 0, 0)] + [
            (
                0,
                0,
                {
                    "rank": rank,
                    "technician_id": slot["technician"].id,
                    "start": slot["start"],
                    "end": slot["end"],
                    "distance_km": slot["distance_km"] or 0.0,
                    "distance_known": slot["distance_km"] is not None,
                    "from_task_id": slot["from_job"].id,
                },
            )
            for rank, slot in enumerate(slots, start=1)
        ]
        return self._tc_action()


class TcFieldopsSlotFinderLine(models.TransientModel):
    _name = "tc.fieldops.slot.finder.line"
    _description = "Proposed appointment"
    _order = "rank"

    wizard_id = fields.Many2one(
        "tc.fieldops.slot.finder", required=True, ondelete="cascade"
    )
    rank = fields.Integer()
    technician_id = fields.Many2one("hr.employee", required=True)
    start = fields.Datetime(required=True)
    end = fields.Datetime(required=True)
    distance_km = fields.Float("Distance (km)", digits=(10, 1))
    distance_known = fields.Boolean()
    from_task_id = fields.Many2one(
        "project.task", "Coming from", help="Empty: from the home base."
    )

    def action_book(self):
        self.ensure_one()
        self.env["project.task"]._tc_check_group("tc_fieldops.group_dispatcher")
        wizard = self.wizard_id
        wizard.task_id._tc_book(
            self.technician_id, self.start, self.end, reason=wizard.reason
        )
        return {"type": "ir.actions.act_window_close"}
