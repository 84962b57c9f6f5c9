# the job lines (checks, equipment moves, materials) inherit this mixin: first
from . import tc_fieldops_job_line_mixin  # isort: skip
from . import (
    helpdesk_ticket,
    hr_employee,
    project_project,
    project_task,
    project_task_type,
    res_partner,
    tc_case_timeline,
    tc_equipment,
    tc_fieldops_checklist,
    tc_fieldops_equipment_move,
    tc_fieldops_job_check,
    tc_fieldops_material,
    tc_fieldops_reschedule,
    tc_fieldops_skill_requirement,
)
