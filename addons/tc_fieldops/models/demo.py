# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Demo data support: what the demo XML calls to book the demo jobs and work one
through to the end. Used by demo data only; no business model carries it."""

from datetime import timedelta

from odoo import api, fields, models


class TcFieldopsDemo(models.AbstractModel):
    _name = "tc.fieldops.demo"
    _description = "Field operations demo data"

    @api.model
    def _schedule(self, plan):
        """Demo only: book each job on the slot finder's first proposal from
        ``days`` days after now (jobs with no proposal stay unscheduled)."""
        now = fields.Datetime.now()
        for xmlid, days in plan:
            job = self.env.ref(xmlid)
            slots = job._tc_find_slots(date_from=now + timedelta(days=days), limit=1)
            if slots:
                slot = slots[0]
                job._tc_book(slot["technician"], slot["start"], slot["end"])

    @api.model
    def _complete(self, xmlid):
        """Demo only: work a scheduled job through to the end (checklist, photos,
        signature, equipment), then move it a week back as if done last week."""
        job = self.env.ref(xmlid)
        if job.tc_job_state != "scheduled":
            return
        technician_user = job.tc_technician_id.user_id
        pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        job.tc_check_ids.write({"done": True})
        job.tc_check_ids.filtered("photo_required").write({"photo": pixel})
        job.write(
            {
                "tc_signature": pixel,
                "tc_signed_by": job.partner_id.name,
                "tc_completion_notes": self.env._(
                    "Mesh unit paired, 300 Mbit/s upstairs."
                ),
                "tc_equipment_move_ids": [
                    (
                        0,
                        0,
                        {
                            "direction": "installed",
                            "serial": "MESH-DEMO-0001",
                            "mac": "02:00:5e:10:00:01",
                        },
                    )
                ],
                "tc_material_ids": [
                    (0, 0, {"name": self.env._("Ethernet cable"), "quantity": 2})
                ],
            }
        )
        point = job._tc_point() or (0.0, 0.0)
        job = job.with_user(technician_user or self.env.user).with_context(
            tc_gps={"latitude": point[0], "longitude": point[1]}
        )
        job.action_tc_check_in()
        job.action_tc_complete()
        self.env.flush_all()
        self.env.cr.execute(
            """
            UPDATE project_task
               SET planned_date_start = planned_date_start - interval '7 days',
                   planned_date_end = planned_date_end - interval '7 days',
                   tc_checkin_at = planned_date_start - interval '7 days',
                   tc_checkout_at = planned_date_end - interval '7 days',
                   tc_started_at = planned_date_start - interval '7 days'
             WHERE id = %s
            """,
            [job.id],
        )
        self.env.invalidate_all()
