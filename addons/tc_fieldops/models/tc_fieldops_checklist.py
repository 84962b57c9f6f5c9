# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .project_task import JOB_TYPES


class TcFieldopsChecklist(models.Model):
    """What a job of a type needs: checklist items (copied to the job), estimated
    duration, required skills, whether the customer signs, and where the case goes
    when the job is done."""

    _name = "tc.fieldops.checklist"
    _description = "Field job checklist"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    job_type = fields.Selection(JOB_TYPES, "Job type", required=True, index=True)
    line_ids = fields.One2many(
        "tc.fieldops.checklist.line", "checklist_id", "Items", copy=True
    )
    duration = fields.Float(
        "Estimated duration (hours)", help="Default duration of new jobs."
    )
    skill_req_ids = fields.One2many(
        "tc.fieldops.skill.requirement",
        "checklist_id",
        "Required skills",
        copy=True,
    )
    signature_required = fields.Boolean(
        "Customer signature required",
        compute="_compute_signature_required",
        store=True,
        readonly=False,
        help="Installations always need the customer's signature.",
    )
    case_stage_id = fields.Many2one(
        "helpdesk.ticket.stage",
        "Case stage when done",
        help="When a job of this checklist is completed, its case moves to this "
        "stage (unless the case is already closed).",
    )
    item_count = fields.Integer(compute="_compute_item_count")

    @api.depends("job_type")
    def _compute_signature_required(self):
        for checklist in self:
            checklist.signature_required = (
                checklist.signature_required or checklist.job_type == "installation"
            )

    @api.depends("line_ids")
    def _compute_item_count(self):
        for checklist in self:
            checklist.item_count = len(checklist.line_ids)


class TcFieldopsChecklistLine(models.Model):
    _name = "tc.fieldops.checklist.line"
    _description = "Field job checklist template item"
    _order = "sequence, id"

    checklist_id = fields.Many2one(
        "tc.fieldops.checklist", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char("Item", required=True, translate=True)
    description = fields.Text(translate=True, help="How to do it, what to check.")
    required = fields.Boolean(
        default=True, help="The job cannot be completed before this item is done."
    )
    photo_required = fields.Boolean(
        "Photo required",
        help="The job cannot be completed without a photo on this item.",
    )
