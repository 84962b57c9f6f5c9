# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .project_task import JOB_TYPES

# the job a case of this kind (helpdesk.ticket.type's tc_code) usually needs
JOB_TYPE_BY_KIND = {
    "technical_fault": "repair",
    "provisioning_failure": "installation",
}


class HelpdeskTicket(models.Model):
    _inherit = "helpdesk.ticket"

    tc_job_ids = fields.One2many("project.task", "tc_case_id", "Field jobs")
    tc_job_count = fields.Integer("Field job count", compute="_compute_tc_job_count")

    @api.depends("tc_job_ids")
    def _compute_tc_job_count(self):
        for ticket in self:
            ticket.tc_job_count = len(ticket.tc_job_ids)

    def _tc_field_project(self):
        """Where the case's jobs go: the team's default project (helpdesk_mgmt_project)
        when it is a field-operation project, else the first one of the company."""
        self.ensure_one()
        project = self.team_id.sudo().default_project_id
        if project.tc_is_field_ops:
            return project
        return (
            self.env["project.project"]
            .sudo()
            .search(
                [
                    ("tc_is_field_ops", "=", True),
                    ("company_id", "in", [self.company_id.id, False]),
                ],
                order="sequence, id",
                limit=1,
            )
        )

    def _tc_create_field_job(self, job_type, **values):
        """Create a dispatch job for this case (API for other addons, e.g. an
        "appointment requested" event in tc_integrations).

        The job gets the case's customer and service location; ``values`` are
        extra ``project.task`` values (e.g. ``tc_dispatch_notes``,
        ``planned_date_start``/``planned_date_end`` + ``tc_technician_id`` to book it
        directly, which runs the schedule checks). Returns the job.
        """
        self.ensure_one()
        if job_type not in dict(JOB_TYPES):
            raise UserError(self.env._("Unknown job type %(type)s.", type=job_type))
        project = (
            self.env["project.project"].browse(values.pop("project_id", None))
            or self._tc_field_project()
        )
        if not project:
            raise UserError(
                self.env._(
                    "There is no field-operation project to put the job in: mark a "
                    "project as Field operations first."
                )
            )
        types = dict(
            self.env["project.task"]
            ._fields["tc_job_type"]
            ._description_selection(self.env)
        )
        vals = {
            "name": self.env._(
                "%(type)s – %(case)s", type=types[job_type], case=self.name
            ),
            "project_id": project.id,
            "tc_job_type": job_type,
            "tc_case_id": self.id,
            "partner_id": self.partner_id.id,
            "tc_location_id": self.tc_location_id.id,
        }
        vals.update(values)
        job = self.env["project.task"].create(vals)
        self._tc_timeline(
            "field_job",
            self.env._("Field job created: %(job)s", job=job.display_name),
            res_model="project.task",
            res_id=job.id,
        )
        return job

    def action_tc_new_job(self):
        """Open a new dispatch job for this case (nothing is created before it is
        saved)."""
        self.ensure_one()
        self.env["project.task"]._tc_check_group("tc_fieldops.group_dispatcher")
        project = self._tc_field_project()
        job_type = JOB_TYPE_BY_KIND.get(self.type_id.sudo().tc_code, "repair")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("New field job"),
            "res_model": "project.task",
            "view_mode": "form",
            "views": [
                (self.env.ref("tc_fieldops.project_task_view_form_job").id, "form")
            ],
            "target": "current",
            "context": {
                "default_project_id": project.id,
                "default_tc_case_id": self.id,
                "default_tc_job_type": job_type,
                "default_partner_id": self.partner_id.id,
                "default_tc_location_id": self.tc_location_id.id,
                "default_name": self.name,
            },
        }

    def action_tc_view_jobs(self):
        self.ensure_one()
        self.env["project.task"]._tc_check_group(
            "tc_fieldops.group_technician", "tc_care.group_agent"
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "tc_fieldops.project_task_action_jobs"
        )
        action.update(
            {
                "domain": [("tc_case_id", "=", self.id)],
                "context": {
                    "default_tc_case_id": self.id,
                    "default_project_id": self._tc_field_project().id,
                },
            }
        )
        return action
