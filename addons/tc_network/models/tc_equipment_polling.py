# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Equipment polling: the scheduled health check of every monitored, installed
device (bounded concurrency), written in one write per health, then the fault
cases and outages it calls for (tc_equipment_cases.py)."""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..lib import snmp_client

_logger = logging.getLogger(__name__)


class TcEquipment(models.Model):
    _inherit = "tc.equipment"

    @api.model
    def _cron_poll_network(self, concurrency=None):
        """Poll every monitored, installed ONT and OLT with bounded concurrency,
        update health and last seen, open (or attach to) one case per device that
        turns degraded/offline, and one outage incident per PON port that is down
        as a whole. Returns a dict of counters."""
        param = self.env["ir.config_parameter"].sudo().get_param
        concurrency = concurrency or int(param("tc_network.poll_concurrency", "64"))
        devices = self.sudo().search(
            [
                ("monitored", "=", True),
                ("state", "=", "installed"),
                "|",
                ("olt_id", "!=", False),
                ("mgmt_host", "!=", False),
            ]
        )
        jobs, meta, skipped = [], [], self.browse()
        for device in devices:
            try:
                target, oids, profile, index = device._tc_snmp_job()
            except UserError:
                skipped |= device
                continue
            jobs.append((target, oids))
            meta.append((device, profile, index))
        results = snmp_client.poll_many(jobs, concurrency=concurrency) if jobs else []
        now = fields.Datetime.now()
        by_health = defaultdict(list)
        changed = []
        for (device, profile, index), result in zip(meta, results, strict=True):
            if result.ok:
                readings, health = device._tc_evaluate(profile, index, result.values)
                reason = device._tc_health_reason(readings)
            else:
                health = "offline" if result.error_kind == "timeout" else "unknown"
                # the client's messages never carry the community or keys
                reason = str(result.error or "")
            if health != device.health:
                changed.append((device, device.health, health, reason))
            by_health[(health, reason if health != "online" else "")].append(device.id)
        for (health, reason), ids in by_health.items():
            vals = {
                "health": health,
                "health_reason": reason[:250],
                "last_polled_at": now,
            }
            if health in ("online", "degraded"):
                vals["last_seen"] = now
            self.browse(ids).sudo().write(vals)
        turned_bad = [
            (device, new, reason)
            for device, old, new, reason in changed
            if new in ("degraded", "offline")
            and old not in ("degraded", "offline")
            and device.kind != "olt"
        ]
        cases = self.browse()._tc_open_fault_cases(turned_bad)
        incidents = self.browse()._tc_detect_pon_outages(devices)
        counts = {
            "polled": len(jobs),
            "skipped": len(skipped),
            "changed": len(changed),
            "cases": len(cases),
            "incidents": len(incidents),
        }
        _logger.info("tc_network poll: %s", counts)
        return counts
