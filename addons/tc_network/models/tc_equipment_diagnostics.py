# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Equipment diagnostics over SNMP: what to ask a device (its registry target,
profile and indexes), how its readings become a health, and the Diagnostics
button that reads it now and reports to the device and the case."""

import time

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import profiles, snmp_client


class TcEquipment(models.Model):
    _inherit = "tc.equipment"

    def _tc_snmp_job(self):
        """(target, oids, profile, index) for one poll of this device, or a
        UserError saying what configuration is missing."""
        self.ensure_one()
        if self.olt_id:  # ONTs are read on their OLT (GPON ONU tables)
            olt = self.olt_id
            if not olt.mgmt_host or not olt.snmp_credential_id:
                raise UserError(
                    self.env._(
                        "OLT %(olt)s has no management address or SNMP credential.",
                        olt=olt.name,
                    )
                )
            profile_rec = (
                self.snmp_profile_id or olt.onu_profile_id or olt.snmp_profile_id
            )
            target = olt.snmp_credential_id._tc_target(olt.mgmt_host, name=self.name)
        else:
            if not self.mgmt_host or not self.snmp_credential_id:
                raise UserError(
                    self.env._(
                        "%(name)s has no management address or SNMP credential.",
                        name=self.name,
                    )
                )
            profile_rec = self.snmp_profile_id
            target = self.snmp_credential_id._tc_target(self.mgmt_host, name=self.name)
        if not profile_rec:
            raise UserError(self.env._("%(name)s has no SNMP profile.", name=self.name))
        profile = profile_rec._tc_profile()
        known = {
            "pon_ifindex": self.pon_ifindex or None,
            # an ONT id exists on an OLT only, and 0 is one (Huawei): no truthiness
            "onu_id": self.onu_index if self.olt_id else None,
            "ifindex": self.snmp_ifindex or None,
        }
        index = {
            k: v
            for k, v in known.items()
            if k in profile.get("index", {}) and v is not None
        }
        try:
            oids = list(profiles.metric_oids(profile, **index).values())
        except profiles.ProfileError as exc:
            raise UserError(
                self.env._("%(name)s: %(err)s", name=self.name, err=exc)
            ) from exc
        return target, oids, profile, index

    def _tc_evaluate(self, profile, index, values):
        readings = profiles.evaluate(profile, values, **index)
        return readings, profiles.health(readings)

    def action_run_diagnostics(self):
        """Button: diagnostics of this device, from its form."""
        self._tc_check_operator()
        return self._tc_run_diagnostics()

    def _tc_run_diagnostics(self, ticket=None):
        """Read the device now, record the readings with their thresholds, post a
        summary to the device and to the case, and show the result. The target
        (host, port, credential, indexes) is the registry record as stored; ``ticket``
        is passed by server code only (a case or a job's case)."""
        self.ensure_one()
        self.check_access("read")
        action = self.env["tc.network.action"]._tc_start(
            self, "diagnostics", ticket=ticket
        )
        started = time.monotonic()
        try:
            target, oids, profile, index = self._tc_snmp_job()
            values = snmp_client.get(target, oids, strict=False)
        except snmp_client.SnmpError as exc:
            action._tc_finish("error", str(exc), started)
            timeout = isinstance(exc, snmp_client.SnmpTimeoutError)
            self._tc_set_health("offline" if timeout else "unknown", str(exc))
            return action._tc_open()
        readings, health = self._tc_evaluate(profile, index, values)
        summary = profiles.summary_text(
            readings, title=self.env._("Diagnostics of %s", self.name)
        )
        action._tc_finish(health, summary, started, readings=readings)
        self._tc_set_health(
            health, self._tc_health_reason(readings), seen=health != "offline"
        )
        body = self.env["tc.network.action"]._tc_html(summary)
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
        if ticket:
            ticket.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
            ticket._tc_timeline(
                "diagnostic",
                self.env._(
                    "Diagnostics of %(eq)s: %(health)s", eq=self.name, health=health
                ),
                res_model=action._name,
                res_id=action.id,
            )
        return action._tc_open()

    def _tc_set_health(self, health, reason, seen=False):
        vals = {
            "health": health,
            "health_reason": (reason or "")[:250],
            "last_polled_at": fields.Datetime.now(),
        }
        if seen:
            vals["last_seen"] = vals["last_polled_at"]
        self.sudo().write(vals)

    @api.model
    def _tc_health_reason(self, readings):
        """The readings that are not good, in words (the device's health reason)."""
        bad = [r for r in readings if r.get("status") in ("bad", "warning")]
        return "; ".join(
            f"{r.get('label') or r['metric']}: {profiles.format_value(r)} ({r.get('reason') or r['status']})"
            for r in bad
        )
