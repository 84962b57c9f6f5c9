# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""queue_job's job runner route, with the correlation id of the event or command a
job works on: queue_job's own lines about the job (start, retry, the traceback of
a failure) carry it like ours."""

from odoo.addons.queue_job.controllers.main import RunJobController

from ..lib import observability

TRACED_MODELS = ("tc.event", "tc.command")


class TcRunJobController(RunJobController):
    @classmethod
    def _runjob(cls, env, job):
        records = job.recordset
        correlation_id = None
        if records._name in TRACED_MODELS and len(records) == 1:
            correlation_id = records.sudo().correlation_id
        with observability.traced(correlation_id):
            return super()._runjob(env, job)
