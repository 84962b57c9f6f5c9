# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class TcFieldopsSkillRequirement(models.Model):
    """A skill (hr_skills) at a minimum level, required by a job or by a checklist
    (which gives it to new jobs). A technician qualifies when their level's
    progress is at least the required level's."""

    _name = "tc.fieldops.skill.requirement"
    _description = "Required skill"
    _order = "id"

    task_id = fields.Many2one("project.task", ondelete="cascade", index=True)
    checklist_id = fields.Many2one(
        "tc.fieldops.checklist", ondelete="cascade", index=True
    )
    skill_type_id = fields.Many2one(
        "hr.skill.type", related="skill_id.skill_type_id", string="Skill type"
    )
    skill_id = fields.Many2one("hr.skill", required=True, ondelete="cascade")
    level_id = fields.Many2one(
        "hr.skill.level",
        "Minimum level",
        domain="[('skill_type_id', '=', skill_type_id)]",
        ondelete="restrict",
        help="Empty: any level.",
    )
    level_progress = fields.Integer(related="level_id.level_progress")

    @api.constrains("task_id", "checklist_id")
    def _check_parent(self):
        for requirement in self:
            if bool(requirement.task_id) == bool(requirement.checklist_id):
                raise ValidationError(
                    self.env._("A required skill belongs to a job or to a checklist.")
                )

    @api.constrains("skill_id", "level_id")
    def _check_level(self):
        for requirement in self:
            if (
                requirement.level_id
                and requirement.level_id.skill_type_id
                != requirement.skill_id.skill_type_id
            ):
                raise ValidationError(
                    self.env._(
                        "Level %(level)s is not a level of %(skill)s.",
                        level=requirement.level_id.name,
                        skill=requirement.skill_id.name,
                    )
                )

    @api.depends("skill_id", "level_id")
    def _compute_display_name(self):
        for requirement in self:
            requirement.display_name = (
                f"{requirement.skill_id.name} ≥ {requirement.level_id.name}"
                if requirement.level_id
                else requirement.skill_id.name
            )
