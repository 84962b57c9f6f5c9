# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .project_task import JOB_STATES


class ProjectTaskType(models.Model):
    _inherit = "project.task.type"

    tc_job_state = fields.Selection(
        JOB_STATES,
        "Job status",
        help="In a field-operation project, jobs move to this stage when they reach "
        "this status.",
    )
