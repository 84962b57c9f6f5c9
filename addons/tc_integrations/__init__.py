from . import cli, controllers, models, services, wizards
from .services import observability


def post_load():
    """Once per process: correlation ids on every log line (JSON lines with
    TC_LOG_JSON=1) and Sentry from SENTRY_DSN / odoo.conf (services/observability.py)."""
    observability.setup()


def uninstall_hook(env):
    """Keep the payment-dispute SLA for the cases that carry it.

    Uninstalling deletes this module's records, but past dispute cases hold SLA
    lines on this SLA (OCA's ``sla_id`` is ``ondelete=restrict``): the delete fails
    with an SQL error in the log and leaves the SLA behind anyway. Where lines exist
    it is detached from the module and archived instead, so the cases keep their
    SLA history; a fixed-deadline SLA is never matched to new cases."""
    data = env["ir.model.data"].search(
        [
            ("module", "=", "tc_integrations"),
            ("name", "=", "sla_payment_dispute_respond_by"),
        ]
    )
    sla = env["helpdesk.sla"].browse(data.res_id).exists()
    if sla and env["helpdesk.ticket.sla"].search_count([("sla_id", "=", sla.id)]):
        data.unlink()
        sla.active = False
