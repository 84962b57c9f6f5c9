# the job lines (checks, equipment moves, materials) inherit this mixin: first
from . import tc_fieldops_job_line_mixin  # isort: skip

# the job's core (fields and constants the other project_task_* files use): first
from . import project_task  # isort: skip
from . import (
    demo,
    helpdesk_ticket,
    hr_employee,
    hr_employee_planning,
    project_project,
    project_task_equipment,
    project_task_execution,
    project_task_map,
    project_task_planner,
    project_task_portal,
    project_task_remote_fix,
    project_task_schedule,
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
