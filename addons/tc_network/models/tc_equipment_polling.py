# Copyright 2026 TC Ops
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Equipment polling: the scheduled health check of every monitored, installed
device. ONTs on an OLT whose profile has an "olt" block are read from one GETBULK
walk of the OLT's ONU tables per OLT (lib/olt_tables.py); other devices (routers,
the OLTs' own status) by one GET each. Jobs run with bounded concurrency and a
deadline each (lib/fleet.py), and health is written OLT by OLT as results arrive.

Reachability is not health: an OLT that does not answer is a "cannot see" state.
Its ONTs keep their last health ("not polled since ..."), the OLT gets one NOC case
(tc_equipment_cases.py), and no customer case or notice is opened for it."""

import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import clean_context

from odoo.addons.tc_care.services import trust
from odoo.addons.tc_care.services.bulk import insert_rows

from ..lib import fleet, olt_tables

_logger = logging.getLogger(__name__)


class _PollRun:
    """What one run collects beyond the health writes (small: per OLT or port)."""

    def __init__(self):
        self.changed = []  # (device, old health, new health, reason)
        self.olt_timeouts = {}  # OLT id -> reason (did not answer)
        self.olt_answered = set()  # OLT ids that answered every job
        self.down_ports = set()  # (OLT id, PON index) the OLT says are down
        self.polled = self.not_seen = self.skipped = 0


class TcEquipment(models.Model):
    _inherit = "tc.equipment"

    olt_unreachable_since = fields.Datetime(
        "Not answering since",
        readonly=True,
        copy=False,
        help="Set by the health check while this OLT does not answer SNMP; its ONTs "
        "keep their last known health meanwhile.",
    )
    poll_note = fields.Char(
        compute="_compute_poll_note",
        help="Why the health shown may be old (its OLT does not answer).",
    )

    @api.depends("olt_id.olt_unreachable_since", "last_polled_at")
    def _compute_poll_note(self):
        for rec in self:
            olt = rec.olt_id if rec.olt_id else rec
            since = olt.olt_unreachable_since
            if not since:
                rec.poll_note = False
                continue
            rec.poll_note = self.env._(
                "Not polled since %(when)s: OLT %(olt)s does not answer (health shown "
                "is the last known).",
                when=fields.Datetime.to_string(rec.last_polled_at or since),
                olt=olt.name,
            )

    # -- the scheduled check ---------------------------------------------------------
    @api.model
    def _tc_poll_settings(self):
        param = self.env["ir.config_parameter"].sudo().get_param

        # parameters are set through the settings' checks; a hand-edited bad value
        # falls back to the default rather than stopping every poll
        def number(key, default, kind=int):
            try:
                value = kind(param(key, "") or default)
            except ValueError:
                _logger.warning("tc_network: bad %s, using %s", key, default)
                value = default
            return value if value > 0 else default

        timeout = number("tc_network.olt_timeout", 0.0, float)
        return {
            "concurrency": min(number("tc_network.poll_concurrency", 64), 1024),
            "olt_timeout": timeout or None,
            "max_repetitions": min(number("tc_network.bulk_max_repetitions", 50), 200),
        }

    @api.model
    def _tc_poll_jobs(self, devices, with_serials=False):
        """``(jobs, context by job key, skipped devices)``: one walk job per OLT and
        profile for ONTs read in bulk, one GET job per other device."""
        jobs, meta, skipped = [], {}, self.browse()
        plans = {}
        groups = defaultdict(list)
        for device in devices:
            profile_rec = (
                device.snmp_profile_id
                or device.olt_id.onu_profile_id
                or device.olt_id.snmp_profile_id
            )
            if device.olt_id and profile_rec:
                if profile_rec.id not in plans:
                    profile = profile_rec._tc_profile()
                    plans[profile_rec.id] = (profile, olt_tables.plan(profile))
                if plans[profile_rec.id][1] is not None:
                    groups[(device.olt_id, profile_rec.id)].append(device.id)
                    continue
            try:
                target, oids, profile, index = device._tc_snmp_job()
            except UserError:
                skipped |= device
                continue
            jobs.append(fleet.Job(("get", device.id), target, oids=oids))
            meta[("get", device.id)] = (device.id, profile, index)
        for (olt, profile_id), ont_ids in groups.items():
            if not olt.mgmt_host or not olt.snmp_credential_id:
                skipped |= self.browse(ont_ids)
                continue
            profile, walk_plan = plans[profile_id]
            key = ("walk", olt.id, profile_id)
            target = olt.snmp_credential_id._tc_target(olt.mgmt_host, name=olt.name)
            jobs.append(
                fleet.Job(key, target, plan=walk_plan, with_serials=with_serials)
            )
            meta[key] = (ont_ids, profile, None)
        return jobs, meta, skipped

    @api.model
    def _cron_poll_network(self, concurrency=None):
        """Poll every monitored, installed ONT and OLT, update health and last seen,
        open (or attach to) one case per device that turns degraded/offline, one
        outage incident per PON port its answering OLT reports down, and one NOC
        case per OLT that does not answer. Returns a dict of counters."""
        settings = self._tc_poll_settings()
        if concurrency:
            settings["concurrency"] = concurrency
        devices = self.sudo().search(
            [
                ("monitored", "=", True),
                ("state", "=", "installed"),
                "|",
                ("olt_id", "!=", False),
                ("mgmt_host", "!=", False),
            ]
        )
        jobs, meta, skipped = self._tc_poll_jobs(devices)
        run = _PollRun()
        run.skipped = len(skipped)
        for result in fleet.iter_results(jobs, **settings):
            ids, profile, index = meta.pop(result.key)
            if result.key[0] == "walk":
                self._tc_apply_walk(run, result, ids, profile)
            else:
                self._tc_apply_get(run, result, ids, profile, index)
        self.browse()._tc_track_health(run.changed)
        turned_bad = [
            (device, new, reason)
            for device, old, new, reason in run.changed
            if new in ("degraded", "offline")
            and old not in ("degraded", "offline")
            and device.kind != "olt"
        ]
        cases = self.browse()._tc_open_fault_cases(turned_bad)
        unreachable = self.browse(list(run.olt_timeouts))
        answered = self.browse(sorted(run.olt_answered - set(run.olt_timeouts)))
        noc = unreachable._tc_olt_unreachable(run.olt_timeouts)
        answered._tc_olt_reachable()
        incidents = self.browse()._tc_detect_pon_outages(
            devices.filtered(lambda d: d.olt_id in answered), run.down_ports
        )
        counts = {
            "polled": run.polled,
            "not_seen": run.not_seen,
            "skipped": run.skipped,
            "changed": len(run.changed),
            "cases": len(cases),
            "incidents": len(incidents),
            "olts_unreachable": len(unreachable),
            "noc_cases": len(noc),
        }
        _logger.info("tc_network poll: %s", counts)
        return counts

    # -- applying results ------------------------------------------------------------
    def _tc_write_health(self, run, updates, now):
        """``updates``: ``[(device, health, reason)]``, written in one write per
        (health, reason)."""
        groups = defaultdict(list)
        for device, health, reason in updates:
            if health != device.health:
                run.changed.append((device, device.health, health, reason))
            groups[(health, reason if health != "online" else "")].append(device.id)
        for (health, reason), ids in groups.items():
            vals = {
                "health": health,
                "health_reason": (reason or "")[:250],
                "last_polled_at": now,
            }
            if health in ("online", "degraded"):
                vals["last_seen"] = now
            # health changes are logged by _tc_track_health, in one batch
            self.browse(ids).sudo().with_context(mail_notrack=True).write(vals)

    def _tc_track_health(self, changed):
        """Log the chatter's "Health: old → new" of every device this poll changed,
        as mail's tracking does at commit (one note per device, by the cron's user,
        no body), but in one batch: mail logs one message per record (1.5 ms each,
        15 s when an outage turns 10,000 ONTs offline; bench/RESULTS.md). The poll's
        health writes skip mail's tracking (``mail_notrack``): health, the only
        tracked field they write, is tracked here. A device changed twice in a run
        gets one note, first to last value, as mail would. A ``_track_subtype`` for
        health changes is honoured (those are posted the way mail posts them).
        No context key switches it off: the health history is an audit trail, and a
        context is the client's (the cron itself runs with none)."""
        first = {}
        for device, old, _new, _reason in changed:
            first.setdefault(device.id, (device, old))
        if not first:
            return
        info = self.fields_get(
            ["health"], attributes=("string", "type", "selection", "currency_field")
        )["health"]
        Tracking = self.env["mail.tracking.value"].sudo()
        logged, tracking = [], []
        for device, old in first.values():
            device = device.sudo()
            if device.health == old:
                continue
            values = Tracking._create_tracking_values(
                old, device.health, "health", info, device
            )
            subtype = device._track_subtype({"health": old})
            if subtype:
                device.message_post(
                    body=device._track_get_default_log_message({"health"}),
                    subtype_id=subtype.id,
                    tracking_value_ids=[(0, 0, values)],
                )
                continue
            logged.append(device.id)
            tracking.append(values)
        if not logged:
            return
        logged = self.browse(logged).sudo()
        with trust.system(trust.BULK_NOTES):
            messages = logged._message_log_batch(
                {d.id: d._track_get_default_log_message({"health"}) for d in logged}
            )
        insert_rows(
            Tracking,
            [
                dict(values, mail_message_id=message.id)
                for values, message in zip(tracking, messages, strict=True)
            ],
        )

    def _message_create(self, values_list):
        # Override reason (performance): the poll logs the health change of every
        # device it changed through mail's own _message_log_batch (author, reply-to,
        # subtype); inside the poll's server-side BULK_NOTES flag (tc_care
        # services/trust.py; never a context key) those notes, which have no body,
        # attachment, recipient or tracking command, are written in one INSERT per
        # 1,000 (tc_care services/bulk.py) instead of one ORM create each, as the
        # escalation cron's notes are (tc_care helpdesk_ticket_escalation.py).
        # Anything else goes through mail.
        skip = ("attachment_ids", "partner_ids", "tracking_value_ids", "body")
        if not trust.allowed(trust.BULK_NOTES) or any(
            values.get(name) for values in values_list for name in skip
        ):
            return super()._message_create(values_list)
        rows = [
            dict(
                {k: v for k, v in values.items() if k not in skip[:3]},
                body="",
            )
            for values in values_list
        ]
        # as mail does: no default_* keys of the device's context on the messages
        env = self.env(context=clean_context(self.env.context))
        return insert_rows(env["mail.message"].sudo(), rows)

    def _tc_apply_get(self, run, result, device_id, profile, index):
        device = self.browse(device_id)
        olt = device.olt_id or (device if device.kind == "olt" else self.browse())
        if result.unreachable and olt:
            # an OLT that does not answer: "cannot see", never "offline"
            run.olt_timeouts[olt.id] = str(result.error)
            if device == olt:
                self._tc_write_health(
                    run, [(device, "unknown", str(result.error))], fields.Datetime.now()
                )
            return
        if olt:
            run.olt_answered.add(olt.id)
        run.polled += 1
        if result.ok:
            readings, health = device._tc_evaluate(profile, index, result.values)
            reason = device._tc_health_reason(readings)
        else:
            health = "offline" if result.unreachable else "unknown"
            # the client's messages never carry the community or keys
            reason = str(result.error or "")
        self._tc_write_health(run, [(device, health, reason)], fields.Datetime.now())

    def _tc_apply_walk(self, run, result, ont_ids, profile):
        olt_id = result.key[1]
        if not result.ok:
            if result.unreachable:
                run.olt_timeouts[olt_id] = str(result.error)
                return
            # the OLT answered with an error (credentials, view): its ONTs are
            # unknown, with the reason; not a customer outage either
            run.olt_answered.add(olt_id)
            onts = self.browse(ont_ids)
            self._tc_write_health(
                run,
                [(ont, "unknown", str(result.error)) for ont in onts],
                fields.Datetime.now(),
            )
            run.polled += len(onts)
            return
        run.olt_answered.add(olt_id)
        tables = result.tables
        for pon_index, port in tables.ports.items():
            if port.get("status") not in (None, 1):
                run.down_ports.add((olt_id, pon_index))
        updates = []
        not_seen = self.env._(
            "Not seen in the OLT's ONU tables (not registered there, or on another "
            "port or id: run the OLT's ONT discovery)."
        )
        for ont in self.browse(ont_ids):
            found = olt_tables.evaluate_ont(
                profile, tables, ont.pon_ifindex, ont.onu_index
            )
            if found is None:
                run.not_seen += 1
                updates.append((ont, "unknown", not_seen))
                continue
            readings, health = found
            updates.append((ont, health, self._tc_health_reason(readings)))
        run.polled += len(updates)
        self._tc_write_health(run, updates, fields.Datetime.now())
