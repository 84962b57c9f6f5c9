# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..lib import genieacs

OPERATIONS = [
    ("diagnostics", "Diagnostics (SNMP)"),
    ("reboot", "Reboot"),
    ("factory_reset", "Factory reset"),
    ("get_params", "Read parameters"),
    ("set_params", "Set parameters"),
    ("wifi", "Change Wi-Fi"),
    ("refresh", "Refresh"),
    ("firmware", "Firmware upgrade"),
]
# operations that can cut a customer off: confirmation + supervisor group
DANGEROUS = {"factory_reset", "firmware"}
RESULTS = [
    ("running", "Running"),
    ("online", "Online"),
    ("degraded", "Degraded"),
    ("offline", "Offline"),
    ("unknown", "Unknown"),
    ("done", "Done"),
    ("queued", "Queued (device offline or busy)"),
    ("faulted", "Faulted"),
    ("unreachable", "Unreachable"),
    ("error", "Error"),
]


class TcNetworkAction(models.Model):
    """The audit trail of what TC Ops did to a device: who, when, what, result,
    duration. The GenieACS NBI has no authentication of its own (CVE-2025-56015):
    every TR-069 action goes through here."""

    _name = "tc.network.action"
    _description = "Network action"
    _order = "id desc"

    equipment_id = fields.Many2one(
        "tc.equipment", required=True, ondelete="cascade", index=True
    )
    ticket_id = fields.Many2one("helpdesk.ticket", "Case", index="btree_not_null")
    user_id = fields.Many2one(
        "res.users", "By", required=True, default=lambda self: self.env.user
    )
    operation = fields.Selection(OPERATIONS, required=True)
    started_at = fields.Datetime(required=True, default=fields.Datetime.now)
    duration_ms = fields.Integer("Duration (ms)")
    result = fields.Selection(RESULTS, default="running", required=True, index=True)
    detail = fields.Text(help="Outcome in words; never contains credentials.")
    task_id = fields.Char("ACS task id", index="btree_not_null")
    line_ids = fields.One2many("tc.network.reading", "action_id", "Readings")

    @api.model
    def _tc_start(self, equipment, operation, ticket=None):
        if operation in DANGEROUS and not self.env.user.has_group(
            "tc_care.group_supervisor"
        ):
            raise AccessError(
                self.env._(
                    "%(op)s can cut the customer off: only a supervisor may do it.",
                    op=dict(OPERATIONS)[operation],
                )
            )
        return self.sudo().create(
            {
                "equipment_id": equipment.id,
                "ticket_id": ticket.id if ticket else False,
                "operation": operation,
                "user_id": self.env.uid,
            }
        )

    def _tc_finish(self, result, detail, started, readings=None, task_id=None):
        self.ensure_one()
        vals = {
            "result": result,
            "detail": detail,
            "duration_ms": int((time.monotonic() - started) * 1000),
            "task_id": task_id or False,
        }
        if readings:
            vals["line_ids"] = [
                (
                    0,
                    0,
                    {
                        "metric": r["metric"],
                        "label": r.get("label") or r["metric"],
                        "value": "" if r.get("value") is None else str(r["value"]),
                        "unit": r.get("unit") or "",
                        "status": r.get("status") or "unknown",
                        "reason": r.get("reason") or "",
                    },
                )
                for r in readings
            ]
        self.sudo().write(vals)

    def _tc_open(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": dict(OPERATIONS)[self.operation],
        }

    @api.model
    def _tc_html(self, text):
        return Markup("<pre>%s</pre>") % escape(text)

    @api.model
    def _tc_nbi_client(self):
        url = (
            self.env["ir.config_parameter"].sudo().get_param("tc_network.acs_nbi_url")
            or ""
        ).strip()
        if not url:
            raise UserError(
                self.env._(
                    "No ACS is configured: set the GenieACS NBI URL in Settings → "
                    "ISP Operations → Network."
                )
            )
        timeout = float(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("tc_network.acs_timeout", "30")
        )
        return genieacs.NbiClient(url, timeout=timeout)

    @api.model
    def _tc_tr069(self, equipment, operation, ticket=None, secrets=(), **params):
        """Run one TR-069 operation through the NBI, recorded. The result tells a
        person what happened: done, queued (device offline or busy: it will run at
        the next inform), faulted (with the fault), unreachable, or an error."""
        equipment.ensure_one()
        equipment.check_access("write")
        action = self._tc_start(equipment, operation, ticket=ticket)
        started = time.monotonic()
        client = self._tc_nbi_client()
        try:
            device_id = equipment._tc_acs_device_id(client)
            if operation == "reboot":
                res = client.reboot(device_id)
            elif operation == "factory_reset":
                res = client.factory_reset(device_id)
            elif operation == "refresh":
                res = client.refresh_object(device_id, params["object_name"])
            elif operation == "get_params":
                res = client.get_parameter_values(device_id, params["names"])
            elif operation in ("set_params", "wifi"):
                res = client.set_parameter_values(
                    device_id, params["values"], secrets=secrets
                )
            elif operation == "firmware":
                res = client.download_firmware(device_id, params["file_name"])
            else:
                raise UserError(self.env._("Unknown operation %s", operation))
        except genieacs.NbiError as exc:
            action._tc_finish("error", str(exc), started)
            return action._tc_notify(equipment, ticket)
        except UserError as exc:
            action._tc_finish("error", str(exc), started)
            raise
        finally:
            client.close()
        action._tc_finish(
            res.status, _describe(self.env, res), started, task_id=res.task_id
        )
        return action._tc_notify(equipment, ticket)

    def _tc_notify(self, equipment, ticket):
        self.ensure_one()
        text = self.env._(
            "%(op)s on %(eq)s by %(user)s: %(result)s. %(detail)s",
            op=dict(OPERATIONS)[self.operation],
            eq=equipment.name,
            user=self.user_id.name,
            result=dict(RESULTS)[self.result],
            detail=self.detail or "",
        )
        equipment.sudo().message_post(body=text, subtype_xmlid="mail.mt_note")
        if ticket:
            ticket.sudo().message_post(body=text, subtype_xmlid="mail.mt_note")
            ticket._tc_timeline(
                "diagnostic", text, res_model=self._name, res_id=self.id
            )
        return self._tc_open()


def _describe(env, res):
    if res.status == "done":
        return env._("Done in %(ms)s ms.", ms=res.duration_ms)
    if res.status == "queued":
        return env._(
            "Queued (%(reason)s): it runs when the device next contacts the ACS.",
            reason=res.reason,
        )
    if res.status == "faulted":
        return env._(
            "Faulted: %(code)s %(msg)s",
            code=res.fault_code or "",
            msg=res.fault_message or res.reason,
        )
    return env._(
        "Device unreachable (%(reason)s); the task stays queued in the ACS.",
        reason=res.reason,
    )


class TcNetworkReading(models.Model):
    _name = "tc.network.reading"
    _description = "Diagnostic reading"
    _order = "id"

    action_id = fields.Many2one(
        "tc.network.action", required=True, ondelete="cascade", index=True
    )
    metric = fields.Char(required=True)
    label = fields.Char()
    value = fields.Char()
    unit = fields.Char()
    status = fields.Selection(
        [("ok", "OK"), ("warning", "Warning"), ("bad", "Bad"), ("unknown", "Unknown")]
    )
    reason = fields.Char()
