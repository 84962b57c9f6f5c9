# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import AccessError


class TcFieldopsJobLineMixin(models.AbstractModel):
    """What is recorded on a job (checklist items, equipment moves, materials)
    follows its job: it never moves to another job, and a technician (not a
    dispatcher) records it only on their own jobs (record rules) while the job is
    open, and only the fields of ``_tc_technician_fields``.

    Odoo checks record rules before a write, not after: without the ``task_id``
    guard a technician could move their own line onto another technician's job."""

    _name = "tc.fieldops.job.line.mixin"
    _description = "Record of a dispatch job"

    # fields a technician may write (None: every field but task_id)
    _tc_technician_fields = None
    # fields written by the server only (never by people)
    _tc_system_fields = ()

    def _tc_guard(self, vals=None):
        if self.env.su:
            return
        vals = vals or {}
        if "task_id" in vals and any(r.task_id.id != vals["task_id"] for r in self):
            raise AccessError(
                self.env._("What is recorded on a job stays on that job.")
            )
        system = set(vals) & set(self._tc_system_fields)
        if system:
            raise AccessError(
                self.env._(
                    "These fields are recorded by TC Ops itself: %(fields)s.",
                    fields=", ".join(sorted(system)),
                )
            )
        if not self.env["project.task"]._tc_is_technician_only():
            return
        if self._tc_technician_fields is not None:
            forbidden = set(vals) - set(self._tc_technician_fields)
            if forbidden:
                raise AccessError(
                    self.env._(
                        "Technicians cannot change %(fields)s here.",
                        fields=", ".join(sorted(forbidden)),
                    )
                )
        closed = self.sudo().task_id.filtered(
            lambda job: job.tc_job_state in ("done", "cancelled")
        )
        if closed:
            raise AccessError(
                self.env._(
                    "%(job)s is closed: ask a dispatcher to correct it.",
                    job=closed[0].display_name,
                )
            )

    def _tc_line_vals(self, vals):
        """Values completed by the server (e.g. who ticked an item, and when)."""
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            for vals in vals_list:
                self.browse()._tc_guard(
                    {k: v for k, v in vals.items() if k != "task_id"}
                )
        records = super().create([self._tc_line_vals(vals) for vals in vals_list])
        records._tc_guard()
        return records

    def write(self, vals):
        self._tc_guard(vals)
        return super().write(self._tc_line_vals(vals))

    def unlink(self):
        self._tc_guard()
        return super().unlink()
